"""Pages about people (``pages``) and their accounts (``accounts``)."""

from members.views.accounts import (
    InvitationAcceptView,
    InvitationDetailView,
    LoginView,
    LogoutView,
    PasswordChangeView,
    PasswordResetConfirmView,
    PasswordResetView,
    SignupView,
    address_limited,
    invitation_revoke,
    member_invite,
    set_language,
)
from members.views.pages import (
    MeEditView,
    MemberDetailView,
    MemberEditView,
    MeView,
    TalentSearchView,
    me_data,
    me_request_deletion,
    member_set_status,
)

__all__ = [
    "InvitationAcceptView",
    "InvitationDetailView",
    "LoginView",
    "LogoutView",
    "MeEditView",
    "MeView",
    "MemberDetailView",
    "MemberEditView",
    "PasswordChangeView",
    "PasswordResetConfirmView",
    "PasswordResetView",
    "SignupView",
    "TalentSearchView",
    "address_limited",
    "invitation_revoke",
    "me_data",
    "me_request_deletion",
    "member_invite",
    "member_set_status",
    "set_language",
]

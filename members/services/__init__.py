"""Writes to members, by sub-domain: the records themselves (``records``), emails and the
language kept on an account (``notify``), and invitations to make an account (``invitations``).
Callers import from here."""

from members.services.invitations import (
    INVITATION_PROBLEMS,
    invitation_accept,
    invitation_create,
    invitation_link,
    invitation_problem,
    invitation_revoke,
    invitations_create,
    invitations_withdraw,
)
from members.services.notify import (
    account_language,
    member_email,
    recipient_language,
    user_set_language,
)
from members.services.records import (
    KEEP,
    MERGE_FILLABLE,
    PROFILE_FIELDS,
    deletion_request_close,
    member_create,
    member_create_own,
    member_merge,
    member_register,
    member_request_deletion,
    member_set_status,
    member_update,
)

__all__ = [
    "INVITATION_PROBLEMS",
    "KEEP",
    "MERGE_FILLABLE",
    "PROFILE_FIELDS",
    "account_language",
    "deletion_request_close",
    "invitation_accept",
    "invitation_create",
    "invitation_link",
    "invitation_problem",
    "invitation_revoke",
    "invitations_create",
    "invitations_withdraw",
    "member_create",
    "member_create_own",
    "member_email",
    "member_merge",
    "member_register",
    "member_request_deletion",
    "member_set_status",
    "member_update",
    "recipient_language",
    "user_set_language",
]

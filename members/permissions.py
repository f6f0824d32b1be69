"""Who may see and change member records, and what of them they see.

=============================  =====================================================
``member_policy``
``can_view``                   the member themself, those who manage them, and the
                               coordinators of a group they applied to (to decide)
``can_change``                 the member themself, and those who manage them
``can_deactivate``             those who manage them: coordinators of a group the member
                               is an *active* member of, and admins (an applicant's record
                               is read-only to coordinators)
``can_manage_invitations``     the role for invitations: the same people
``can_invite``                 ``can_manage_invitations`` + ``Member.invitable`` (active,
                               no account yet, a mobile phone)
``can_invite_by_email``        ``can_invite`` + an email address
``invitation_policy``
``can_view`` / ``can_revoke``  ``can_manage_invitations`` on the invitation's member
                               (``can_revoke`` + ``Invitation.is_pending``)
``can_show_link``              the inviter only, for an invitation handed over in person
=============================  =====================================================
"""

from members.models import Invitation, Member
from volunteer_portal.permissions import (
    Policy,
    can_manage_member,
    can_see_member,
    is_admin,
    is_self,
    managed_group_ids,
    members_managed_by,
    members_seen_by,
)


class MemberPolicy(Policy):
    model = Member

    def scope_view(self, user):
        """Admins see everyone; coordinators their groups' members and applicants; a
        volunteer, themself."""
        if is_admin(user, "members.view_member"):
            return Member.objects.all()
        seen = members_seen_by(user)
        if user.is_authenticated:
            return seen | Member.objects.filter(user=user)
        return Member.objects.none()

    def scope_manage(self, user):
        return members_managed_by(user)

    def scope_search(self, user):
        """The talent search's scope: everyone for admins, else the coordinator's groups."""
        if is_admin(user, "members.view_member"):
            return Member.objects.all()
        return members_managed_by(user)

    def can_view(self, user, member: Member) -> bool:
        return is_self(user, member) or can_see_member(user, member)

    def can_change(self, user, member: Member) -> bool:
        return is_self(user, member) or can_manage_member(user, member)

    def can_deactivate(self, user, member: Member) -> bool:
        return can_manage_member(user, member)

    def can_view_history(self, user, member: Member) -> bool:
        return can_manage_member(user, member)

    def scope_invite(self, user):
        return members_managed_by(user)

    def can_manage_invitations(self, user, member: Member) -> bool:
        """The role: coordinators of a group the member is an active member of, and admins."""
        return can_manage_member(user, member)

    def can_invite(self, user, member: Member) -> bool:
        return member.invitable and self.can_manage_invitations(user, member)

    def can_invite_by_email(self, user, member: Member) -> bool:
        return bool(member.email) and self.can_invite(user, member)

    def can_own(self, user, member: Member) -> bool:
        """Acts only the member themself takes: download my data, ask for deletion..."""
        return is_self(user, member)

    def can_search(self, user, _obj=None) -> bool:
        """The talent search: admins across all groups, coordinators across theirs."""
        return is_admin(user, "members.view_member") or bool(managed_group_ids(user))

    def sees_all_national_ids(self, user) -> bool:
        """Everyone's identity number in full (exports of many members): admins who may
        change members. Staff allowed only to view members see them masked, in the portal
        and in Django admin alike."""
        return is_admin(user, "members.change_member")

    def sees_full_national_id(self, user, member: Member) -> bool:
        return self.sees_all_national_ids(user) or is_self(user, member)

    def sees_full_phone(self, user, member: Member) -> bool:
        return is_self(user, member) or can_manage_member(user, member)

    def sees_phones_in_search(self, user) -> bool:
        """In the talent search every row is a member the user manages, unless the user
        is staff allowed only to view members: then phones are masked."""
        return is_admin(user, "members.change_member") or bool(managed_group_ids(user))


member_policy = MemberPolicy().register()


class InvitationPolicy(Policy):
    model = Invitation

    def scope_view(self, user):
        return Invitation.objects.filter(member__in=members_managed_by(user))

    def can_view(self, user, invitation: Invitation) -> bool:
        return member_policy.can_manage_invitations(user, invitation.member)

    def can_revoke(self, user, invitation: Invitation) -> bool:
        return invitation.is_pending and self.can_view(user, invitation)

    def can_show_link(self, user, invitation: Invitation) -> bool:
        """The link and QR code are for the person who asked for them, to hand over."""
        return (
            invitation.channel == Invitation.Channel.IN_PERSON
            and invitation.created_by_id is not None
            and invitation.created_by_id == user.pk
            and self.can_view(user, invitation)
        )


invitation_policy = InvitationPolicy().register()

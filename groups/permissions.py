"""Who may see and change service groups and memberships (built on volunteer_portal.permissions).

=====================  =========================================================
``group_policy``
``can_view``           everyone, for an active group; its managers, always
``can_manage``         the group's current coordinators and admins (= ``can_change``)
``membership_policy``
``may_manage``         the role: the group's managers (no state)
``can_handle``         the role for ending: the member themself, or the group's managers
``can_end``            ``can_handle`` and the membership is live (the "leave" buttons)
``can_decide``         the group's managers, and the application is waiting
``can_see_decision``   a rejection's reason: the member themself and that group's managers
``roster_job_policy``
``can_view``           the person who asked for it, while they manage its group
=====================  =========================================================
"""

from django.db.models import Q

from groups.models import Membership, RosterJob, ServiceGroup
from volunteer_portal.permissions import Policy, is_admin, is_self, managed_group_ids


class ServiceGroupPolicy(Policy):
    model = ServiceGroup

    def scope_view(self, user):
        """Everyone sees active groups; coordinators also their own inactive ones."""
        groups = ServiceGroup.objects.all()
        if is_admin(user, "groups.view_servicegroup"):
            return groups
        return groups.filter(Q(is_active=True) | Q(pk__in=managed_group_ids(user)))

    def scope_manage(self, user):
        """The groups this user may manage."""
        groups = ServiceGroup.objects.all()
        if is_admin(user, "groups.change_servicegroup"):
            return groups
        return groups.filter(pk__in=managed_group_ids(user))

    def can_view(self, user, group: ServiceGroup) -> bool:
        return group.is_active or self.can_manage(user, group)

    def can_manage(self, user, group: ServiceGroup) -> bool:
        """Admins manage every group; coordinators only the groups they lead now."""
        return is_admin(user, "groups.change_servicegroup") or group.pk in managed_group_ids(user)

    can_change = can_manage


class MembershipPolicy(Policy):
    """Memberships: their groups' managers decide and end them; members end their own."""

    model = Membership

    def scope_view(self, user):
        if is_admin(user, "groups.view_membership"):
            return Membership.objects.all()
        if not user.is_authenticated:
            return Membership.objects.none()
        return Membership.objects.filter(
            Q(member__user=user) | Q(group_id__in=managed_group_ids(user))
        )

    def scope_manage(self, user):
        if is_admin(user, "groups.change_servicegroup"):
            return Membership.objects.all()
        return Membership.objects.filter(group_id__in=managed_group_ids(user))

    def may_manage(self, user, membership: Membership) -> bool:
        return is_admin(user, "groups.change_servicegroup") or (
            membership.group_id in managed_group_ids(user)
        )

    def can_handle(self, user, membership: Membership) -> bool:
        """Whose it is to end: the member's own, or the group's managers'."""
        return is_self(user, membership.member) or self.may_manage(user, membership)

    def can_end(self, user, membership: Membership) -> bool:
        return membership.is_live and self.can_handle(user, membership)

    def can_see_decision(self, user, membership: Membership) -> bool:
        """Why an application was rejected: for the person and the group that decided, not
        for other groups' coordinators looking at the same record."""
        return is_self(user, membership.member) or self.may_manage(user, membership)

    def can_decide(self, user, membership: Membership) -> bool:
        return membership.status == Membership.Status.APPLIED and self.may_manage(user, membership)


class RosterJobPolicy(Policy):
    """A background export or import holds a roster's data: only the person who asked for
    it sees it, and only while they may manage its group (an admin does not see a
    coordinator's)."""

    model = RosterJob

    def scope_view(self, user):
        if not user.is_authenticated:
            return RosterJob.objects.none()
        return RosterJob.objects.filter(
            requested_by=user, group__in=group_policy.instances_for(user, "manage")
        )

    def can_view(self, user, job: RosterJob) -> bool:
        return job.requested_by_id == user.pk and group_policy.can_manage(user, job.group)


group_policy = ServiceGroupPolicy().register()
roster_job_policy = RosterJobPolicy().register()
membership_policy = MembershipPolicy().register()

"""Who may see and change service groups (built on volunteer_portal.permissions)."""

from django.db.models import Q

from groups.models import ServiceGroup
from volunteer_portal.permissions import Policy, is_admin, managed_group_ids


class ServiceGroupPolicy(Policy):
    def visible(self, user):
        """Everyone sees active groups; coordinators also their own inactive ones."""
        groups = ServiceGroup.objects.all()
        if is_admin(user, "groups.view_servicegroup"):
            return groups
        return groups.filter(Q(is_active=True) | Q(pk__in=managed_group_ids(user)))

    def managed(self, user):
        """The groups this user may manage."""
        groups = ServiceGroup.objects.all()
        if is_admin(user, "groups.change_servicegroup"):
            return groups
        return groups.filter(pk__in=managed_group_ids(user))

    def can_view(self, user, group: ServiceGroup) -> bool:
        return group.is_active or self.can_change(user, group)

    def can_change(self, user, group: ServiceGroup) -> bool:
        """Admins change every group; coordinators only the groups they lead now."""
        return is_admin(user, "groups.change_servicegroup") or group.pk in managed_group_ids(user)


group_policy = ServiceGroupPolicy()

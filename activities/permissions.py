"""Who may see and manage activities (built on the group policy)."""

from django.db.models import Q

from activities.models import Activity
from groups.permissions import group_policy
from volunteer_portal.permissions import Policy, is_admin, managed_group_ids


class ActivityPolicy(Policy):
    def visible(self, user):
        """Published, cancelled and completed activities of visible groups for everyone;
        drafts only for the group's coordinators and admins."""
        activities = Activity.objects.filter(group__in=group_policy.visible(user))
        if is_admin(user, "activities.view_activity"):
            return activities
        return activities.filter(
            ~Q(status=Activity.Status.DRAFT) | Q(group_id__in=managed_group_ids(user))
        )

    def managed(self, user):
        if is_admin(user, "activities.change_activity"):
            return Activity.objects.all()
        return Activity.objects.filter(group_id__in=managed_group_ids(user))

    def can_view(self, user, activity: Activity) -> bool:
        return activity.status != Activity.Status.DRAFT or self.can_manage(user, activity)

    def can_manage(self, user, activity: Activity) -> bool:
        return is_admin(user, "activities.change_activity") or activity.group_id in (
            managed_group_ids(user)
        )

    can_change = can_manage


activity_policy = ActivityPolicy()

"""What the activity views share: declaring the activity a page is about, and messages."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError

from activities.permissions import activity_policy, signup_policy
from volunteer_portal.permissions import PolicyMixin


def show_errors(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def show_batch(request, result, done_message: str) -> None:
    """A bulk service's outcome: what was done, then each kind of row left out and why."""
    messages.success(request, done_message)
    for text in result.messages():
        messages.warning(request, text)


def own_signups(request):
    """The user's own sign-ups (the queryset for ``signup_policy`` "own" lookups)."""
    return signup_policy.instances_for(request.user, "own").select_related("member", "activity")


def visible_activities(request):
    return activity_policy.instances_for(request.user).select_related("group")


class ActivityManagerMixin(PolicyMixin):
    """Pages for the activity's managers: ``self.activity``, 404 if invisible, 403 if not
    theirs. ``places_left`` is annotated, for the rules that need it."""

    policy = activity_policy
    action = "manage"
    object_name = "activity"

    def get_policy_queryset(self):
        return visible_activities(self.request).with_taken()

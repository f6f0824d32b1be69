"""Who is who: the portal's roles, decided here and nowhere else.

Four roles (DOMAIN.md):

* **anonymous**: anyone; reads public pages.
* **volunteer**: any logged-in, active account.
* **coordinator**: a volunteer whose member record holds a *current* leader assignment
  (head, deputy head or coordinator) in a group; the powers apply to that group only.
* **admin**: an active staff account that is a superuser, or that holds the Django model
  permission for the thing at hand (``groups.change_servicegroup``...). So a staff account
  given only "view members" in Django admin gets no portal powers beyond that.

Each app's ``permissions.py`` builds its policy (what may this user do to this object,
which objects may they see) from these primitives. Views use the policies through
:class:`PolicyMixin`; templates through the ``portal`` context processor. Nothing else
checks ``is_staff`` or leader assignments.
"""

from __future__ import annotations

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied

_MANAGED_CACHE = "_portal_managed_group_ids"


def can_use_admin_site(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def is_admin(user, perm: str | None = None) -> bool:
    """A superuser, or a staff account holding ``perm`` (a Django model permission)."""
    if not can_use_admin_site(user):
        return False
    return user.is_superuser or (perm is not None and user.has_perm(perm))


def is_volunteer(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


def managed_group_ids(user) -> frozenset[int]:
    """Ids of the groups this user coordinates through a current leader assignment.

    One query per request at most: the answer is cached on the user object.
    """
    if not is_volunteer(user):
        return frozenset()
    cached = getattr(user, _MANAGED_CACHE, None)
    if cached is None:
        from groups.models import LeaderAssignment

        cached = frozenset(
            LeaderAssignment.objects.current()
            .filter(member__user=user)
            .values_list("group_id", flat=True)
        )
        setattr(user, _MANAGED_CACHE, cached)
    return cached


def is_coordinator(user) -> bool:
    return bool(managed_group_ids(user))


def members_managed_by(user):
    """Members a user manages: all for admins; for coordinators, the members with a live
    membership (applied or active) in a group they lead. A queryset of ``Member``."""
    from members.models import Member

    if is_admin(user, "members.change_member"):
        return Member.objects.all()
    group_ids = managed_group_ids(user)
    if not group_ids:
        return Member.objects.none()
    live = Member.objects.filter(
        memberships__group_id__in=group_ids,
        memberships__status__in=("applied", "active"),
    )
    return Member.objects.filter(pk__in=live.values("pk"))


def can_manage_member(user, member) -> bool:
    if is_admin(user, "members.change_member"):
        return True
    if not managed_group_ids(user):
        return False
    return members_managed_by(user).filter(pk=member.pk).exists()


def is_self(user, member) -> bool:
    return bool(is_volunteer(user) and member.user_id == user.pk)


class Policy:
    """Base for an app's permission policy (wagtail's permission policies, slimmed).

    Subclasses answer two questions with the same rule: ``visible(user)`` is the
    queryset of objects the user may see, ``allows(user, action, obj)`` whether they
    may do ``action`` to ``obj``. Views ask through :class:`PolicyMixin`.
    """

    def visible(self, user):
        raise ImproperlyConfigured(f"{type(self).__name__} must define visible().")

    def allows(self, user, action: str, obj) -> bool:
        check = getattr(self, f"can_{action}", None)
        if check is None:
            raise ImproperlyConfigured(f"{type(self).__name__} has no rule for {action!r}.")
        return bool(check(user, obj))


class PolicyMixin(AccessMixin):
    """A view declares its policy and the action it performs; the policy decides.

    ``get_object()`` fetches through ``policy.visible(user)`` (404 when the user may not
    see the object), then asks ``policy.allows(user, action, obj)`` (403 when not).
    Anonymous users are sent to the login page first.
    """

    policy: Policy | None = None
    action: str = "view"
    login_required = True

    def dispatch(self, request, *args, **kwargs):
        if self.login_required and not request.user.is_authenticated:
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        if self.policy is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a policy.")
        return self.policy.visible(self.request.user)

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if not self.policy.allows(self.request.user, self.action, obj):
            raise PermissionDenied
        return obj

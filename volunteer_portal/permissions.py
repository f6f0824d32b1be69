"""Who may do what: the portal's roles and the one path every permission check takes.

Four roles (docs/DOMAIN.md):

* **anonymous**: anyone; reads public pages.
* **volunteer**: any logged-in, active account.
* **coordinator**: a volunteer whose member record holds a *current* leader assignment
  (head, deputy head or coordinator) in a group; the powers apply to that group only.
* **admin**: an active staff account that is a superuser, or that holds the Django model
  permission for the thing at hand (``groups.change_servicegroup``...). So a staff account
  given only "view members" in Django admin gets no portal powers beyond that.

Each app's ``permissions.py`` builds a :class:`Policy` from these roles. A policy answers
three questions, and everything else asks it:

* ``instances_for(user, action)``: the queryset of objects the user may act on (lists);
* ``get(user, action, **lookup)``: the object, 404 when the user may not even see it, 403
  when they see it but may not do ``action``;
* ``allows(user, action, obj)``: the named booleans (``can_<action>``) that templates read
  through ``{% allowed %}`` and that services re-check before they write.

Views declare ``policy`` and ``action`` through :class:`PolicyMixin` (class views) or
:func:`policy_required` (function views); the login redirect comes from there too. To
change "who may do X", read the ``can_x`` method of the policy for X's model.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Value
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme

from volunteer_portal import page_cache

_GROUPS_CACHE = "_portal_groups"


# --- Roles ---------------------------------------------------------------------------------


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
    return frozenset(group.pk for group in managed_groups(user))


def managed_groups(user) -> list:
    """The groups this user coordinates, in the groups' order, each with its id, slug and
    names only (what the navigation shows): the same query as ``managed_group_ids``."""
    return _groups_of(user)[0]


def member_group_ids(user) -> frozenset[int]:
    """Ids of the groups where the user's member record (itself active) holds an active
    membership (the requests board: service_requests.permissions)."""
    return _groups_of(user)[1]


def _groups_of(user) -> tuple[list, frozenset[int]]:
    """(groups led, ids of groups the user is an active member of), from one query per
    request at most, kept on the user object and, with a shared cache, between requests
    (``page_cache.query_result``): every page's navigation asks the first, the volunteer's
    own page the second too."""
    if not is_volunteer(user):
        return [], frozenset()
    cached = getattr(user, _GROUPS_CACHE, None)
    if cached is None:
        from groups.models import LeaderAssignment, Membership, ServiceGroup
        from members.models import Member

        columns = ("leads", "group_id", "group__slug", "group__name_zh", "group__name_en",
                   "group__display_order")  # fmt: skip
        led = (
            LeaderAssignment.objects.current()
            .filter(member__user=user)
            .annotate(leads=Value(True))
            .order_by()
            .values_list(*columns)
        )
        member_of = (
            Membership.objects.active()
            .filter(member__user=user, member__status=Member.Status.ACTIVE)
            .annotate(leads=Value(False))
            .order_by()
            .values_list(*columns)
        )
        # Kept under the query (the user's id and today's date are in it) until a
        # membership, a leader's term or a member changes: every logged-in page asks, and
        # planning this union cost PostgreSQL more than the rest of a small page's queries.
        rows = page_cache.query_result(led.union(member_of, all=True), list)
        groups, member_ids = {}, set()
        for leads, pk, slug, name_zh, name_en, _order in sorted(
            rows, key=lambda row: (row[5], row[1])
        ):
            if not leads:
                member_ids.add(pk)
            elif pk not in groups:  # a person may hold two terms in a group
                groups[pk] = ServiceGroup(pk=pk, slug=slug, name_zh=name_zh, name_en=name_en)
        cached = (list(groups.values()), frozenset(member_ids))
        setattr(user, _GROUPS_CACHE, cached)
    return cached


def is_coordinator(user) -> bool:
    return bool(managed_group_ids(user))


def members_managed_by(user):
    """Members a user manages: all for admins; for coordinators, the members with an
    *active* membership in a group they lead. A queryset of ``Member``. Someone who has
    only applied is not managed yet: see ``members_seen_by``."""
    return _members_of_led_groups(user, active_only=True)


def members_seen_by(user):
    """Members whose record a user may read as their coordinator: those managed, and those
    who applied to a group they lead (to decide the application)."""
    return _members_of_led_groups(user, active_only=False)


def _members_of_led_groups(user, *, active_only: bool):
    # Here, above the apps, because it joins members to groups' memberships; members/
    # itself never names groups (members <- groups <- activities).
    from groups.models import Membership
    from members.models import Member

    if is_admin(user, "members.change_member"):
        return Member.objects.all()
    group_ids = managed_group_ids(user)
    if not group_ids:
        return Member.objects.none()
    statuses = (Membership.Status.ACTIVE,) if active_only else Membership.LIVE_STATUSES
    members = Member.objects.filter(
        memberships__group_id__in=group_ids, memberships__status__in=statuses
    )
    return Member.objects.filter(pk__in=members.values("pk"))


def can_manage_member(user, member) -> bool:
    if is_admin(user, "members.change_member"):
        return True
    if not managed_group_ids(user):
        return False
    return members_managed_by(user).filter(pk=member.pk).exists()


def can_see_member(user, member) -> bool:
    if is_admin(user, "members.change_member"):
        return True
    if not managed_group_ids(user):
        return False
    return members_seen_by(user).filter(pk=member.pk).exists()


def is_self(user, member) -> bool:
    """The member record is the user's own."""
    return bool(is_volunteer(user) and member.user_id is not None and member.user_id == user.pk)


def require_self(actor, member) -> None:
    """Services that act on one's own record (cancel my sign-up, issue my certificate...)."""
    if not is_self(actor, member):
        raise PermissionDenied("Only the member themself may do this.")


# --- Policies ------------------------------------------------------------------------------

_POLICIES: dict[type, Policy] = {}


class Policy:
    """Base for an app's permission policy (wagtail's permission policies, slimmed).

    A subclass sets ``model`` and defines:

    * ``scope_view(user)`` (what the user may see) and, for lists of things the user may
      act on, ``scope_<action>(user)`` (``scope_manage``, ``scope_search``...);
    * ``can_<action>(user, obj)`` for each action (``obj`` is ``None`` for actions on no
      object, such as the talent search).
    """

    model: type | None = None

    def register(self) -> Policy:
        """Make the policy known to ``{% allowed %}`` for objects of its model."""
        _POLICIES[self.model] = self
        return self

    def instances_for(self, user, action: str = "view"):
        """``scope_<action>(user)``; a policy names each scope it offers (no fallback, so
        a list never silently shows a wider or narrower set than its action means)."""
        scope = getattr(self, f"scope_{action}", None)
        if scope is None:
            raise ImproperlyConfigured(f"{type(self).__name__} has no scope for {action!r}.")
        return scope(user)

    def allows(self, user, action: str, obj=None) -> bool:
        check = getattr(self, f"can_{action}", None)
        if check is None:
            raise ImproperlyConfigured(f"{type(self).__name__} has no rule for {action!r}.")
        return bool(check(user, obj))

    def require(self, user, action: str, obj=None) -> None:
        """403 unless the user may do ``action`` (services call this before writing)."""
        if not self.allows(user, action, obj):
            raise PermissionDenied

    def get(self, user, action: str, *, queryset=None, **lookup):
        """The object: 404 when the user may not see it, 403 when they may not act on it."""
        if queryset is None:
            queryset = self.instances_for(user, "view")
        obj = get_object_or_404(queryset, **lookup)
        self.require(user, action, obj)
        return obj


def policy_for(obj) -> Policy:
    try:
        return _POLICIES[type(obj)]
    except KeyError:
        raise ImproperlyConfigured(f"No policy is registered for {type(obj).__name__}.") from None


def login_redirect(request):
    """Off to the login page, and back here afterwards.

    After a refused POST (a form on a page, sent while logged out) the way back is the page
    the form was on, not the endpoint, which answers only POST.
    """
    target = request.get_full_path()
    if request.method != "GET":
        referer = request.headers.get("referer", "")
        safe = url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        target = referer if referer and safe else "/"
    return redirect_to_login(target)


Lookup = dict[str, str] | Callable[..., dict] | None


def _lookup_values(lookup: Lookup, request, kwargs: dict) -> dict:
    """``{"model field": "URL kwarg"}``, or a function ``(request, kwargs) -> lookup``."""
    if callable(lookup):
        return lookup(request, kwargs)
    return {field: kwargs[kwarg] for field, kwarg in lookup.items()}


def own_record(request, kwargs) -> dict:
    """The lookup for pages about the user's own member record."""
    return {"user_id": request.user.pk}


def resolve(policy, action, lookup: Lookup, request, kwargs, queryset=None):
    """What a view declared: the object it acts on (or ``None``), 404 and 403 raised here."""
    if policy is None:
        return None
    if lookup is None:
        policy.require(request.user, action)
        return None
    values = _lookup_values(lookup, request, kwargs)
    return policy.get(request.user, action, queryset=queryset, **values)


class PolicyMixin:
    """A class view declares its policy and action; the policy decides.

    * ``policy``/``action``: what is checked (``policy = None``: a page that needs only a
      login, or nothing when ``login_required`` is false).
    * ``lookup``: how the object is found from the URL (``{"slug": "slug"}``, or
      :func:`own_record`); ``None`` for an action on no object (``can_<action>(user, None)``).
    * ``object_name``: the object is also ``self.<object_name>`` and in the context under
      that name.

    The object is fetched once, in ``dispatch``, through ``get_policy_queryset()`` (the
    policy's visible objects unless the view narrows or annotates them).
    """

    policy: Policy | None = None
    action: str = "view"
    lookup: Lookup = {"pk": "pk"}
    object_name: str | None = None
    login_required = True
    # A page for visitors only (creating an account): logged-in users go here instead.
    visitors_only_redirect: str | None = None

    def dispatch(self, request, *args, **kwargs):
        if self.visitors_only_redirect and request.user.is_authenticated:
            return redirect(self.visitors_only_redirect)
        if self.login_required and not request.user.is_authenticated:
            return login_redirect(request)
        self.object = resolve(
            self.policy, self.action, self.lookup, request, kwargs, self.get_policy_queryset()
        )
        if self.object_name:
            setattr(self, self.object_name, self.object)
        return super().dispatch(request, *args, **kwargs)

    def get_policy_queryset(self):
        return None

    def get_object(self, queryset=None):
        return self.object

    def get_context_data(self, **kwargs):
        if self.object_name:
            kwargs.setdefault(self.object_name, self.object)
        return super().get_context_data(**kwargs)


def policy_required(
    policy: Policy | None = None,
    action: str = "view",
    *,
    lookup: Lookup = {"pk": "pk"},  # noqa: B006 - read only, as PolicyMixin's default
    name: str = "obj",
    login_required: bool = True,
    queryset: Callable | None = None,
):
    """The function-view form of :class:`PolicyMixin`.

    The URL kwargs named in ``lookup`` are replaced by the object, passed as ``name``::

        @require_POST
        @policy_required(activity_policy, "publish", lookup={"pk": "pk"}, name="activity")
        def activity_publish(request, activity): ...
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if login_required and not request.user.is_authenticated:
                return login_redirect(request)
            if policy is None:
                return view(request, *args, **kwargs)
            base = queryset(request) if queryset is not None else None
            obj = resolve(policy, action, lookup, request, kwargs, base)
            if isinstance(lookup, dict):
                for kwarg in lookup.values():
                    kwargs.pop(kwarg, None)
            if lookup is not None:
                kwargs[name] = obj
            return view(request, *args, **kwargs)

        return wrapper

    return decorator

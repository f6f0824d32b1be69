"""Every URL of the project, for every role.

The routes are enumerated from the URL resolver, so a new route that is not in
``EXPECTED`` (or handled by the admin rule) fails ``test_every_route_has_expectations``:
nobody can add a page and forget to decide who may see it.
"""

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.conftest import ROLES

OK, LOGIN, ADMIN_LOGIN, FORBIDDEN, NOT_FOUND, GET_NOT_ALLOWED, REDIRECT = (
    "200",
    "login",
    "admin-login",
    "403",
    "404",
    "405",
    "redirect",
)


def everyone(outcome):
    return dict.fromkeys(ROLES, outcome)


def logged_in(outcome):
    return {**everyone(outcome), "anonymous": LOGIN}


def managers(outcome=OK, others=FORBIDDEN):
    """Pages for the e-commerce group's coordinators and admins."""
    return {
        "anonymous": LOGIN,
        "volunteer": others,
        "coordinator": outcome,
        "other_coordinator": others,
        "staff": others,
        "admin": outcome,
    }


EXPECTED = {
    "home": everyone(OK),
    "healthz": everyone(OK),
    "impact": everyone(OK),  # the public summary: figures only, no names
    # Reports (issue 11): admins (every group) and coordinators (their own groups').
    "reports:report": {**managers(), "other_coordinator": OK},
    "reports:report-xlsx": {**managers(), "other_coordinator": OK},
    "signup": {**everyone(REDIRECT), "anonymous": OK},  # logged in: off to "my page"
    "groups:group-list": everyone(OK),
    "groups:group-detail": everyone(OK),
    "groups:group-edit": managers(),
    # Accounts without a member record (staff, admin here) complete a profile first.
    "groups:apply": {**logged_in(OK), "staff": REDIRECT, "admin": REDIRECT},
    "groups:applications": managers(),
    "groups:application-decide": everyone(GET_NOT_ALLOWED),
    "groups:membership-end": everyone(GET_NOT_ALLOWED),
    "groups:roster": managers(),
    "groups:roster-export": managers(),
    "groups:roster-add": managers(),
    "groups:roster-import": managers(),
    "groups:roster-import-confirm": everyone(GET_NOT_ALLOWED),
    "groups:roster-import-template": everyone(OK),  # empty columns, no data
    # A roster job done in the background (issue 13): only the coordinator who asked for
    # it, while they manage the group; an admin does not see a coordinator's.
    "groups:roster-job": {**managers(), "admin": NOT_FOUND},
    "groups:roster-job-status": {**managers(), "admin": NOT_FOUND},
    "groups:roster-job-file": {**managers(), "admin": NOT_FOUND},
    "members:member-list": {
        **managers(),
        "other_coordinator": OK,  # searches the members of their own group
    },
    "me": {**logged_in(OK), "staff": REDIRECT, "admin": REDIRECT},
    "activities:activity-list": everyone(OK),
    "activities:activity-detail": everyone(OK),
    "activities:brand-detail": everyone(OK),
    "activities:signup": everyone(GET_NOT_ALLOWED),
    "activities:cancel": everyone(GET_NOT_ALLOWED),
    "activities:accept-offer": everyone(GET_NOT_ALLOWED),
    "activities:activity-create": managers(),
    "activities:dashboard": managers(),
    "activities:activity-edit": managers(),
    "activities:activity-publish": everyone(GET_NOT_ALLOWED),
    "activities:activity-cancel": everyone(GET_NOT_ALLOWED),
    "activities:activity-copy": everyone(GET_NOT_ALLOWED),
    "activities:activity-complete": managers(),
    "activities:photos": managers(),
    "activities:participants": managers(),
    "activities:participant-change": everyone(GET_NOT_ALLOWED),
    "activities:attendance": managers(),
    "activities:qr": managers(),
    "activities:qr-refresh": managers(),  # the QR page's fresh code, every 20 s
    "activities:hours": managers(),
    "activities:hours-fill": everyone(GET_NOT_ALLOWED),
    "activities:hours-approve": everyone(GET_NOT_ALLOWED),
    "activities:hours-set": everyone(GET_NOT_ALLOWED),
    "activities:hours-correct": everyone(GET_NOT_ALLOWED),
    "activities:correction-decide": everyone(GET_NOT_ALLOWED),
    "activities:checkin": logged_in(OK),  # shows the "check me in" button
    "activities:correction-request": everyone(GET_NOT_ALLOWED),
    # The volunteer's whole list of sign-ups (their page shows the first few), as "me".
    "activities:my-activities": {**logged_in(OK), "staff": REDIRECT, "admin": REDIRECT},
    "activities:certificate-issue": everyone(GET_NOT_ALLOWED),
    "activities:feed-regenerate": everyone(GET_NOT_ALLOWED),
    "activities:certificate-lookup": everyone(OK),  # public: anyone types a code
    "activities:certificate-verify": everyone(OK),  # public by design: it verifies
    "activities:certificate-print": logged_in(NOT_FOUND),  # only for its holder
    "activities:feed-group": everyone(OK),
    "activities:feed-personal": everyone(OK),  # the secret token is the key
    "members:me-edit": logged_in(OK),
    "members:me-data": {**logged_in(OK), "staff": REDIRECT, "admin": REDIRECT},
    "members:me-delete": everyone(GET_NOT_ALLOWED),
    # The target is an e-commerce member: invisible (404) to everyone else.
    "members:member-detail": managers(others=NOT_FOUND),
    "members:member-edit": managers(others=NOT_FOUND),
    # The member's photo: whoever may see the member (and the member), issue 13.
    "members:member-photo": managers(others=NOT_FOUND),
    "members:member-photo-thumbnail": managers(others=NOT_FOUND),
    "members:member-status": everyone(GET_NOT_ALLOWED),
    "members:member-invite": everyone(GET_NOT_ALLOWED),
    "members:invitation-revoke": everyone(GET_NOT_ALLOWED),
    # The link and QR code of an invitation handed over in person: its inviter only (the
    # e-commerce coordinator here); an admin sees the invitation but not its link.
    "members:invitation-detail": {**managers(others=NOT_FOUND), "admin": FORBIDDEN},
    "invitation-accept": everyone(OK),  # explains a bad link; the signed token is the key
    "login": everyone(OK),
    "logout": everyone(OK),  # GET shows a button; logging out is a POST
    "password_change": logged_in(OK),
    "password_change_done": logged_in(OK),
    "password_reset": everyone(OK),
    "password_reset_done": everyone(OK),
    "password_reset_confirm": everyone(OK),  # shows "invalid link" for a bad token
    "password_reset_complete": everyone(OK),
    "set_language": everyone(REDIRECT),  # GET changes nothing and goes back
    # Service requests, staff side (issue 10): the queues are for admins and coordinators
    # (each sees their own groups'); the target request is dispatched to e-commerce.
    "requests:queue": {**managers(), "other_coordinator": OK},
    "requests:enter": {**managers(), "other_coordinator": OK},
    "requests:detail": managers(others=NOT_FOUND),
    "requests:move": everyone(GET_NOT_ALLOWED),
    "requests:invite": everyone(GET_NOT_ALLOWED),
    # The board: any logged-in account (empty without an active membership); offering to
    # help is a POST, for members of the request's group (tests/service_requests/test_board).
    "requests:board": logged_in(OK),
    "requests:board-offer": everyone(GET_NOT_ALLOWED),
    # Service requests, the public's side: no login; the tracking code is the key.
    "requests:new": everyone(OK),
    "requests:lookup": everyone(OK),  # public: anyone types a code
    "requests:track": everyone(OK),
    "requests:receipt": everyone(OK),
    "requests:withdraw": everyone(GET_NOT_ALLOWED),
    "requests:rate": everyone(GET_NOT_ALLOWED),
    # The hours ledger (phones, identity numbers): admins with reports.export_hours_ledger.
    "reports:ledger": {**everyone(FORBIDDEN), "anonymous": LOGIN, "admin": OK},
}


# A 1×1 PNG: what a photo is, to the view that hands it out.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8ffff3f0005fe02fea7d6a6e00000000049454e44ae426082"
)


@pytest.fixture
def world(ecommerce, coordinator):
    """A member of the e-commerce group, and an application waiting there."""
    from activities import services
    from activities.models import Brand
    from groups.models import Membership
    from tests.factories import (
        ActivityFactory,
        MemberFactory,
        MembershipFactory,
        SignUpFactory,
        UserFactory,
    )

    target = MemberFactory(full_name="目标成员")
    membership = MembershipFactory(member=target, group=ecommerce)
    application = MembershipFactory(group=ecommerce, status=Membership.Status.APPLIED)
    brand = Brand.objects.create(group=ecommerce, name="品牌")
    activity = ActivityFactory(group=ecommerce, brand=brand)
    signup = SignUpFactory(activity=activity, member=target)
    # The target's own account issues a certificate and a calendar address; it never
    # logs in in these tests, so every role sees someone else's.
    owner = UserFactory(username="target-owner")
    target.user = owner
    from django.core.files.base import ContentFile

    target.photo.save("target.png", ContentFile(PNG), save=False)
    target.photo_thumbnail.save("target-small.png", ContentFile(PNG), save=False)
    target.save()
    # A certificate needs approved hours behind it: an activity of last week.
    import datetime
    from decimal import Decimal

    from django.utils import timezone

    last_week = timezone.now() - datetime.timedelta(days=7)
    served = SignUpFactory(
        activity=ActivityFactory(
            group=ecommerce, starts_at=last_week, ends_at=last_week + datetime.timedelta(hours=2)
        ),
        member=target,
        attended=True,
    )
    entry = services.hours_propose(actor=coordinator, signup=served, hours=Decimal("2"))
    services.hours_approve(actor=coordinator, activity=served.activity, entry_ids=[entry.pk])
    from members.services import invitation_create

    invited = MemberFactory(full_name="受邀成员")
    MembershipFactory(member=invited, group=ecommerce)
    invitation = invitation_create(actor=coordinator, member=invited, channel="in_person")
    from service_requests.models import ServiceRequest

    service_request = ServiceRequest.objects.create(
        requester_name="林阿姨",
        phone="13712345678",
        district="longwen",
        description="想学习网上销售芦柑。",
        wanted_group=ecommerce,
        group=ecommerce,
        status=ServiceRequest.Status.DISPATCHED,
    )
    from groups.models import RosterJob
    from members import spool

    roster_job = RosterJob.objects.create(
        group=ecommerce,
        requested_by=coordinator,
        kind=RosterJob.Kind.EXPORT,
        status=RosterJob.Status.DONE,
        total=1,
        parameters={"query": "", "format": "csv", "filename": "roster.csv"},
        result={"token": spool.spool_save(b"\xef\xbb\xbf\xe5\xa7\x93\xe5\x90\x8d\n")},
    )
    return {
        "roster_job": roster_job,
        "service_request": service_request,
        "invitation": invitation,
        "target": target,
        "membership": membership,
        "application": application,
        "activity": activity,
        "signup": signup,
        "certificate": services.certificate_issue(actor=owner, member=target),
        "feed": services.calendar_feed_regenerate(actor=owner, member=target),
    }


def arguments(name: str, world) -> dict:
    values = {
        "slug": "ecommerce",
        "uidb64": "MQ",
        "token": "bad-token",
        "fmt": "csv",
        "decision": "approve",
        "pk": world["target"].pk,
    }
    if name == "groups:application-decide":
        values["pk"] = world["application"].pk
    if name == "groups:membership-end":
        values["pk"] = world["membership"].pk
    if name.startswith("groups:roster-job"):
        values["pk"] = world["roster_job"].pk
    if name.startswith("members:invitation-"):
        values["pk"] = world["invitation"].pk
    if name.startswith("activities:"):
        from activities.selectors import checkin_token

        values.update(
            pk=world["activity"].pk,
            signup_pk=world["signup"].pk,
            change="remove",
            token=checkin_token(world["activity"]),
            code=world["certificate"].code,
            correction_pk=world["signup"].pk,
        )
        if name == "activities:brand-detail":
            values["pk"] = world["activity"].brand_id
        if name == "activities:feed-personal":
            values["token"] = world["feed"].token
    if name.startswith("requests:"):
        values.update(
            pk=world["service_request"].pk, code=world["service_request"].code, move="accept"
        )
    return values


def walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


ROUTES = dict(walk(get_resolver().url_patterns))
PROJECT_ROUTES = sorted(name for name in ROUTES if not name.startswith("admin:"))
ADMIN_ROUTES = sorted(name for name in ROUTES if name.startswith("admin:"))


def test_every_route_has_expectations():
    assert sorted(EXPECTED) == PROJECT_ROUTES


def outcome_of(response) -> str:
    if response.status_code in (301, 302):
        location = response["Location"]
        if location.startswith(reverse("admin:login")):
            return ADMIN_LOGIN
        if location.startswith(reverse("login")):
            return LOGIN
        return REDIRECT
    return str(response.status_code)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", PROJECT_ROUTES)
def test_project_route_answers_each_role_as_expected(
    name, role, client_for, coordinator, other_coordinator, world
):
    pattern = ROUTES[name]
    values = arguments(name, world)
    # Path converters, and the named groups of a regex route (a tracking code).
    names = set(pattern.pattern.converters) | set(pattern.pattern.regex.groupindex)
    kwargs = {key: values[key] for key in names}
    response = client_for(role).get(reverse(name, kwargs=kwargs))
    assert outcome_of(response) == EXPECTED[name][role]


@pytest.mark.parametrize("role", ROLES)
def test_posting_to_the_edit_page_needs_the_same_rights_as_opening_it(
    role, client_for, ecommerce, coordinator, other_coordinator
):
    url = reverse("groups:group-edit", args=["ecommerce"])
    response = client_for(role).post(url, {"mission_zh": "改写", "mission_en": "rewritten"})
    expected = EXPECTED["groups:group-edit"][role]
    assert outcome_of(response) == (REDIRECT if expected == OK else expected)
    ecommerce.refresh_from_db()
    assert (ecommerce.mission_zh == "改写") == (expected == OK)


def test_coordinator_cannot_open_the_edit_page_of_another_group(client, coordinator):
    client.force_login(coordinator)
    for slug in ("agriculture", "industry", "culture", "finance-tax"):
        response = client.get(reverse("groups:group-edit", args=[slug]))
        assert response.status_code == 403
        response = client.post(reverse("groups:group-edit", args=[slug]), {"mission_zh": "x"})
        assert response.status_code == 403


def test_unknown_group_is_404_for_everyone(client, admin_user):
    assert client.get(reverse("groups:group-detail", args=["nope"])).status_code == 404
    client.force_login(admin_user)
    assert client.get(reverse("groups:group-edit", args=["nope"])).status_code == 404


def admin_url(name, models):
    from members.models import Member

    """Arguments for an admin route, filled from one saved object per model."""
    pattern = ROUTES[name].pattern
    converters = set(pattern.converters) | set(pattern.regex.groupindex)
    kwargs = {}
    if "app_label" in converters:
        kwargs["app_label"] = "groups"
    if "object_id" in converters:
        _, _, rest = name.partition(":")
        label = rest.rsplit("_", 1)[0]
        kwargs["object_id"] = models[label].pk
    if "id" in converters:  # the user admin's password page
        kwargs["id"] = models["members_user"].pk
    if "content_type_id" in converters:
        return None  # "view on site": not used by our models
    _, _, rest = name.partition(":")
    if name.endswith("_simple_history"):  # one historical version: positional arguments
        obj = models[rest.removesuffix("_simple_history")]
        if not obj.history.exists():
            obj.save()  # rows made by data migrations have no history yet
        return reverse(name, args=[obj.pk, obj.history.latest().history_id])
    if name == "admin:members_member_merge":
        first, second = Member.objects.order_by("pk")[:2]
        kwargs.update(keep=first.pk, drop=second.pk)
    url = reverse(name, kwargs=kwargs)
    if name == "admin:autocomplete":
        url += "?app_label=groups&model_name=leaderassignment&field_name=member&term=a"
    return url


@pytest.mark.parametrize("role", ROLES)
def test_admin_is_for_admins_only(
    role, client_for, coordinator, other_coordinator, ecommerce, world
):
    """Every admin page: staff get it, everyone else is sent to the admin login."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.auth.models import Group
    from django.core.files.base import ContentFile

    from activities.models import ActivityPhoto, HoursCorrectionRequest, ServiceHours
    from groups.models import LeaderAssignment, Membership, Organisation
    from members.models import DeletionRequest, Member, User
    from service_requests.models import GroupIntake
    from volunteer_portal.models import OutgoingEmail

    Group.objects.create(name="editors")
    AccessAttempt.objects.create(username="x", failures_since_start=1, ip_address="127.0.0.1")
    AccessLog.objects.create(username="x", ip_address="127.0.0.1")
    AccessFailureLog.objects.create(username="x", ip_address="127.0.0.1")
    OutgoingEmail.objects.create(
        recipient="a@example.com", subject="s", body="b", next_attempt_at=timezone.now()
    )
    ServiceHours.objects.create(signup=world["signup"], hours=2)
    HoursCorrectionRequest.objects.create(signup=world["signup"], requested_hours=3, reason="x")
    photo = ActivityPhoto(activity=world["activity"])
    photo.image.save("p.jpg", ContentFile(b"x"), save=False)
    photo.thumbnail.save("t.jpg", ContentFile(b"x"), save=False)
    photo.save()

    models = {}
    for model in admin.site._registry:
        label = f"{model._meta.app_label}_{model._meta.model_name}"
        models[label] = {
            LeaderAssignment: LeaderAssignment.objects.first,
            Membership: lambda: Membership.objects.create(
                member=Member.objects.first(), group=ecommerce
            ),
            Organisation: Organisation.objects.first,
            User: User.objects.first,
            DeletionRequest: lambda: DeletionRequest.objects.create(member=Member.objects.first()),
            GroupIntake: lambda: GroupIntake.objects.get_or_create(group=ecommerce)[0],
        }.get(model, model.objects.first)()
    client = client_for(role)
    checked = 0
    for name in ADMIN_ROUTES:
        if name in ("admin:logout", "admin:login", "admin:view_on_site"):
            continue
        url = admin_url(name, models)
        response = client.get(url)
        if role == "staff":
            # In the door, but no model permissions: only the index and own password.
            door = ("admin:index", "admin:password_change", "admin:password_change_done")
            allowed = {200} if name in (*door, "admin:jsi18n") else {403, 404}
            if name.endswith("_process_import"):
                allowed = {405}  # refused before the permission check: only POST gets in
            assert response.status_code in allowed, (name, response.status_code)
        elif role == "admin":
            allowed = {200}
            if name.startswith("admin:groups_organisation_") and name.endswith(("_add", "_delete")):
                allowed = {403}  # one organisation row, never deleted
            if name.endswith("_process_import"):
                allowed = {405}  # the second step of an import is a POST
            if name in (
                "admin:members_deletionrequest_add",  # members make these requests
                "admin:activities_certificate_add",  # volunteers issue their own
                "admin:activities_calendarfeed_add",  # volunteers make their own
                "admin:activities_signup_add",  # sign-ups go through the waiting-list rules
                "admin:activities_servicehours_add",  # recorded on the activity's hours page
                "admin:activities_hourscorrectionrequest_add",  # volunteers ask on their page
                "admin:members_invitation_add",  # invitations: read-only in admin
                "admin:members_invitation_delete",
                "admin:axes_accessattempt_add",  # login failures: recorded, never added
                "admin:axes_accesslog_add",
                "admin:axes_accessfailurelog_add",
                "admin:volunteer_portal_outgoingemail_add",  # the outbox: read-only
                "admin:service_requests_servicerequest_add",  # entered through the portal
                "admin:groups_rosterjob_add",  # roster jobs: asked for on the roster page
            ):
                allowed = {403}
            assert response.status_code in allowed, (name, response.status_code)
        else:
            assert outcome_of(response) == ADMIN_LOGIN, name
        checked += 1
    assert checked > 30
    login = client.get(reverse("admin:login"))
    assert login.status_code == (302 if role in ("admin", "staff") else 200)


# State-changing endpoints, POSTed by every role: who may, and that nothing changes for
# those who may not. (Anonymous users are sent to log in first.)
POSTS = {
    "groups:application-decide": (managers(REDIRECT), "application", "status", "active"),
    "groups:membership-end": (managers(REDIRECT), "membership", "status", "left"),
    "members:member-status": (
        managers(REDIRECT, others=NOT_FOUND),
        "target",
        "status",
        "inactive",
    ),
    "activities:activity-cancel": (managers(REDIRECT), "activity", "status", "cancelled"),
    "activities:participant-change": (managers(REDIRECT), "signup", "status", "removed"),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(POSTS))
def test_state_changing_posts_are_refused_to_those_without_the_right(
    name, role, client_for, coordinator, other_coordinator, world
):
    expected, key, field, changed = POSTS[name]
    values = arguments(name, world)
    kwargs = {k: values[k] for k in ROUTES[name].pattern.converters}
    response = client_for(role).post(reverse(name, kwargs=kwargs), {"status": "inactive"})
    outcome = outcome_of(response)
    assert outcome == (LOGIN if role == "anonymous" else expected[role])
    obj = world[key]
    obj.refresh_from_db()
    assert (getattr(obj, field) == changed) == (expected[role] == REDIRECT)


@pytest.mark.parametrize("role", ROLES)
def test_import_confirmation_is_for_the_groups_managers(role, client_for, coordinator, world):
    response = client_for(role).post(
        reverse("groups:roster-import-confirm", args=["ecommerce"]), {"token": "x"}
    )
    expected = managers(REDIRECT)[role]  # allowed: back to the upload page ("expired")
    assert outcome_of(response) == expected


HOURS_POSTS = (
    "activities:hours-fill",
    "activities:hours-approve",
    "activities:hours-set",
    "activities:hours-correct",
    "activities:correction-decide",
)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", HOURS_POSTS)
def test_hours_posts_are_refused_to_those_without_the_right(
    name, role, client_for, coordinator, other_coordinator, world
):
    """The hours page's actions, as each role: the group's managers get through (and are
    told the activity has not happened yet), everyone else is refused, nothing is written."""
    from activities.models import HoursCorrectionRequest, ServiceHours

    correction = HoursCorrectionRequest.objects.create(
        signup=world["signup"], requested_hours=3, reason="x"
    )
    values = {**arguments(name, world), "correction_pk": correction.pk}
    kwargs = {k: values[k] for k in ROUTES[name].pattern.converters}
    data = {"hours": "2", "entry": "1", "decision": "reject", "reason": "x"}
    response = client_for(role).post(reverse(name, kwargs=kwargs), data)
    expected = managers(REDIRECT)[role]
    assert outcome_of(response) == expected
    assert not ServiceHours.objects.filter(signup__activity=world["activity"]).exists()
    correction.refresh_from_db()
    assert correction.status == "open"

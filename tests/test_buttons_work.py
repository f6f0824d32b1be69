"""Every action button a page shows succeeds when pressed by the user it was shown to.

Each page is fetched as a user, its POST forms are read from the HTML (with the buttons and
inputs that belong to them through ``form="..."``), and each submit button is pressed once,
inside a savepoint that is rolled back, so every press starts from the same state. A press
fails on a 403/404/405/500, an error message, form errors on the page, or silence (sent back
to the same page with nothing said).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib import messages
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from activities import services
from activities.models import Activity, SignUp
from groups.models import Membership
from tests.factories import (
    ActivityFactory,
    MemberFactory,
    MembershipFactory,
    ServiceGroupFactory,
    SignUpFactory,
    UserFactory,
)

# --- Reading the forms of a page -------------------------------------------------------------

NOT_ACTIONS = ("/i18n/setlang/", "/accounts/logout/")

# What a user would type into an empty field before pressing the button.
TYPED = {"reason": "理由", "hours": "2", "requested_hours": "2"}
NEEDS_A_PERSON = {"phone"}  # adding someone: not an action on an object shown on the page

ERROR_MARKS = ("invalid-feedback", "alert-danger", "errorlist")


@dataclass
class Field:
    name: str
    value: str
    kind: str  # "input" or "textarea"
    required: bool = False


@dataclass
class Button:
    name: str
    value: str
    label: str = ""
    disabled: bool = False


@dataclass
class Form:
    action: str
    form_id: str | None
    method: str = "get"
    fields: list[Field] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)

    def values(self, name: str) -> list[str]:
        return [f.value for f in self.fields if f.name == name]


class FormReader(HTMLParser):
    """POST forms of a page as a browser sees them: a ``<form>`` inside another is ignored,
    and a control with ``form="id"`` belongs to that form wherever it stands."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._current: Form | None = None
        self._by_id: dict[str, Form] = {}
        self._elsewhere: list[tuple[str, Field | Button]] = []
        self._text: Field | None = None  # an open <textarea>
        self._button: Button | None = None  # an open <button>
        self._select: Field | None = None
        self._select_options = 0

    def _attach(self, attrs: dict, item: Field | Button) -> None:
        owner = attrs.get("form")
        if owner:
            self._elsewhere.append((owner, item))
        elif self._current is not None:
            (self._current.buttons if isinstance(item, Button) else self._current.fields).append(
                item
            )

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            if self._current is None:
                self._current = Form(a.get("action", ""), a.get("id"), a.get("method", "").lower())
                self.forms.append(self._current)
                if a.get("id"):
                    self._by_id[a["id"]] = self._current
            return
        disabled = "disabled" in a
        name = a.get("name", "")
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image"):
                self._attach(a, Button(name, a.get("value", ""), a.get("value", ""), disabled))
            elif disabled or not name or kind in ("button", "reset", "file"):
                return
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._attach(a, Field(name, a.get("value", "on"), "input"))
            else:
                self._attach(a, Field(name, a.get("value", ""), "input", "required" in a))
        elif tag == "button":
            if a.get("type", "submit").lower() == "submit":
                self._button = Button(name, a.get("value", ""), "", disabled)
                self._attach(a, self._button)
        elif tag == "textarea" and name and not disabled:
            self._text = Field(name, "", "textarea", "required" in a)
            self._attach(a, self._text)
        elif tag == "select" and name and not disabled:
            self._select = Field(name, "", "input", "required" in a)
            self._select_options = 0
            self._attach(a, self._select)
        elif tag == "option" and self._select is not None:
            # The selected option, or else the first one.
            if "selected" in a or self._select_options == 0:
                self._select.value = a.get("value", "")
            self._select_options += 1

    def handle_data(self, data):
        if self._text is not None:
            self._text.value += data
        if self._button is not None:
            self._button.label += data.strip()

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "textarea":
            if self._text is not None:
                self._text.value = self._text.value.removeprefix("\n")
            self._text = None
        elif tag == "button":
            self._button = None
        elif tag == "select":
            self._select = None

    def post_forms(self) -> list[Form]:
        for owner, item in self._elsewhere:
            form = self._by_id.get(owner)
            assert form is not None, f'a control points to form="{owner}", which is not there'
            (form.buttons if isinstance(item, Button) else form.fields).append(item)
        return [f for f in self.forms if f.method == "post"]


# --- Pressing the buttons ----------------------------------------------------------------------


class _Undo(Exception):
    pass


@dataclass
class Page:
    url: str
    forms: list[Form]  # the action forms, with absolute actions
    presses: list[str]  # "label -> action" of each button pressed

    @property
    def actions(self) -> set[str]:
        return {f.action for f in self.forms}

    def form_for(self, action: str) -> Form:
        (form,) = [f for f in self.forms if f.action == action]
        return form


def _typed(item: Field) -> str | None:
    """What the user types into an empty field; None: this form is not an action button."""
    if item.value:
        return item.value
    if item.name in NEEDS_A_PERSON:
        return None
    if item.name in TYPED:
        return TYPED[item.name]
    if item.kind == "textarea":
        return "说明"
    assert not item.required, f"the test does not know what to type into {item.name!r}"
    return ""


def _press(client, page_url: str, form: Form, button: Button, data: dict) -> str | None:
    """One press, rolled back afterwards. Returns what went wrong, or None."""
    if button.name:
        data = {**data, button.name: [*data.get(button.name, []), button.value]}
    client.cookies.pop("messages", None)  # only this press's messages count
    problem = None
    try:
        with transaction.atomic():
            response = client.post(form.action, data)
            if response.status_code not in (200, 302):
                error = getattr(response, "exc_info", None)
                problem = f"status {response.status_code}" + (f" ({error[1]!r})" if error else "")
            else:
                said = list(messages.get_messages(response.wsgi_request))
                errors = [str(m) for m in said if m.level == messages.ERROR]
                if errors:
                    problem = f"error message {errors}"
                elif response.status_code == 200:
                    html = response.content.decode()
                    marks = [mark for mark in ERROR_MARKS if mark in html]
                    if marks:
                        problem = f"200 with form errors ({', '.join(marks)})"
                else:
                    target = urljoin(form.action, response["Location"])
                    if urlsplit(target).path.startswith(reverse("login")):
                        problem = f"sent to the login page ({target})"
                    elif not said and urlsplit(target).path == urlsplit(page_url).path:
                        problem = "nothing happened: back to the page, nothing said"
                    else:
                        landed = client.get(target, follow=True)
                        if landed.status_code != 200:
                            problem = f"redirected to {target}, which answered {landed.status_code}"
            raise _Undo
    except _Undo:
        pass
    return problem


def press_every_button(client, user, url: str, *, at_least: int) -> Page:
    """GET ``url`` as ``user``, press every action button on it; fail with every failed press."""
    client.force_login(user)
    client.raise_request_exception = False
    response = client.get(url)
    assert response.status_code == 200, f"{url} as {user}: GET answered {response.status_code}"
    reader = FormReader()
    reader.feed(response.content.decode())
    forms, presses, failures = [], [], []
    for form in reader.post_forms():
        form.action = urljoin(url, form.action or url)
        if urlsplit(form.action).path.startswith(NOT_ACTIONS):
            continue
        data: dict[str, list[str]] = {}
        typed = [(item.name, _typed(item)) for item in form.fields]
        if any(value is None for _name, value in typed):
            continue
        for name, value in typed:
            data.setdefault(name, []).append(value)
        forms.append(form)
        for button in form.buttons:
            if button.disabled:
                continue
            press = f"{button.label or button.value!r} -> {form.action}"
            presses.append(press)
            problem = _press(client, url, form, button, data)
            if problem:
                failures.append(f"{press}: {problem}")
    assert not failures, f"{url} as {user.username}:\n" + "\n".join(failures)
    assert len(presses) >= at_least, f"{url} as {user.username}: only {presses}"
    return Page(url, forms, presses)


# --- People and activities ---------------------------------------------------------------------


def person(username: str):
    user = UserFactory(username=username)
    MemberFactory(user=user, full_name=f"{username} 成员")
    return user


def hours_ago(n: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(hours=n)


def offered_to(user) -> Activity:
    """A full activity using offers: the holder cancelled, so ``user`` has an offer."""
    activity = ActivityFactory(capacity=1, offer_hours=12)
    holder = person(f"holder-of-{user.username}")
    held = services.signup_create(actor=holder, activity=activity)
    services.signup_create(actor=user, activity=activity)
    services.signup_cancel(actor=holder, signup=held)
    assert SignUp.objects.get(activity=activity, member=user.member).status == "offered"
    return activity


def detail(activity: Activity) -> str:
    return reverse("activities:activity-detail", args=[activity.pk])


# 1. The activity page as its coordinator ------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "buttons", "actions"),
    [
        ("draft", 3, ["activity-publish", "activity-copy", "activity-cancel"]),
        ("future", 3, ["signup", "activity-copy", "activity-cancel"]),
        ("started", 2, ["activity-copy", "activity-cancel"]),
        ("cancelled", 1, ["activity-copy"]),
    ],
)
def test_the_coordinators_buttons_on_the_activity_page_work(
    client, coordinator, state, buttons, actions
):
    activity = {
        "draft": lambda: ActivityFactory(status=Activity.Status.DRAFT),
        "future": lambda: ActivityFactory(),
        "started": lambda: ActivityFactory(starts_at=hours_ago(1), ends_at=hours_ago(-2)),
        "cancelled": lambda: ActivityFactory(status=Activity.Status.CANCELLED),
    }[state]()
    page = press_every_button(client, coordinator, detail(activity), at_least=buttons)
    assert page.actions == {reverse(f"activities:{name}", args=[activity.pk]) for name in actions}
    complete = reverse("activities:activity-complete", args=[activity.pk])
    assert (complete in client.get(detail(activity)).content.decode()) == (state == "started")
    if state == "started":
        press_every_button(client, coordinator, complete, at_least=1)


# 2. The activity page as a volunteer ----------------------------------------------------------


def _not_signed_up(user):
    return ActivityFactory()


def _confirmed(user):
    return SignUpFactory(member=user.member).activity


def _waiting(user):
    activity = ActivityFactory(capacity=1)
    services.signup_create(actor=person("holder"), activity=activity)
    assert services.signup_create(actor=user, activity=activity).status == "waiting"
    return activity


def _members_only(user):
    return ActivityFactory(eligibility=Activity.Eligibility.MEMBERS)


def _opens_tomorrow(user):
    return ActivityFactory(signup_opens_at=timezone.now() + datetime.timedelta(days=1))


@pytest.mark.parametrize(
    ("setup", "actions"),
    [
        (_not_signed_up, ["signup"]),
        (_confirmed, ["cancel"]),
        (offered_to, ["accept-offer", "cancel"]),
        (_waiting, ["cancel"]),
        (_members_only, []),
        (_opens_tomorrow, []),
    ],
)
def test_the_volunteers_buttons_on_the_activity_page_work(
    client, ecommerce, volunteer, setup, actions
):
    activity = setup(volunteer)
    page = press_every_button(client, volunteer, detail(activity), at_least=len(actions))
    assert page.actions == {reverse(f"activities:{name}", args=[activity.pk]) for name in actions}


# 3. The participants page ---------------------------------------------------------------------


@pytest.mark.parametrize("free_place", [False, True])
def test_the_participants_buttons_work(client, coordinator, free_place):
    """Confirmed b, offered c, waiting d and e; with a free place d and e may be moved up."""
    activity = ActivityFactory(capacity=2, offer_hours=12)
    a, b, c, d, e = (person(name) for name in "abcde")
    signups = {
        u.username: services.signup_create(actor=u, activity=activity) for u in (a, b, c, d, e)
    }
    services.signup_cancel(actor=a, signup=signups["a"])
    if free_place:
        Activity.objects.filter(pk=activity.pk).update(capacity=4)
    statuses = dict(
        SignUp.objects.filter(activity=activity).values_list("member__user__username", "status")
    )
    assert statuses == {
        "a": "cancelled",
        "b": "confirmed",
        "c": "offered",
        "d": "waiting",
        "e": "waiting",
    }

    url = reverse("activities:participants", args=[activity.pk])
    page = press_every_button(client, coordinator, url, at_least=7 if free_place else 5)

    def change(name, what):
        return reverse("activities:participant-change", args=[activity.pk, signups[name].pk, what])

    assert {change(n, "remove") for n in "bcde"} <= page.actions
    assert change("c", "promote") in page.actions and change("b", "promote") not in page.actions
    assert (change("d", "promote") in page.actions) == free_place


def test_no_move_up_for_someone_confirmed_elsewhere_at_the_same_time(client, coordinator):
    """A place is free, but the one waiting is confirmed for another activity at the same
    time: moving them up would be refused, so the button is not shown."""
    activity = ActivityFactory(capacity=1)
    holder, waiting = person("holder"), person("waiting")
    services.signup_create(actor=holder, activity=activity)
    queued = services.signup_create(actor=waiting, activity=activity)
    same_time = ActivityFactory(starts_at=activity.starts_at, ends_at=activity.ends_at)
    services.signup_create(actor=waiting, activity=same_time)
    Activity.objects.filter(pk=activity.pk).update(capacity=2)  # a place is free now
    url = reverse("activities:participants", args=[activity.pk])
    page = press_every_button(client, coordinator, url, at_least=2)
    promote = reverse("activities:participant-change", args=[activity.pk, queued.pk, "promote"])
    assert promote not in page.actions


# 4. The hours page ----------------------------------------------------------------------------


def test_the_hours_buttons_work(client, coordinator, admin_user):
    """Ended an hour ago; the coordinator took part too, and another admin proposed their
    hours; others proposed, approved, approved with an open correction request, or none yet."""
    activity = ActivityFactory(starts_at=hours_ago(4), ends_at=hours_ago(1))
    signups = {"own": SignUpFactory(activity=activity, member=coordinator.member, attended=True)}
    users = {name: person(name) for name in ("p1", "p2", "approved", "asks", "none")}
    for name, user in users.items():
        signups[name] = SignUpFactory(activity=activity, member=user.member, attended=True)
    own_entry = services.hours_propose(actor=admin_user, signup=signups["own"])
    entries = {
        name: services.hours_propose(actor=coordinator, signup=signups[name])
        for name in ("p1", "p2", "approved", "asks")
    }
    services.hours_approve(
        actor=coordinator,
        activity=activity,
        entry_ids=[entries["approved"].pk, entries["asks"].pk],
    )
    correction = services.correction_request(
        actor=users["asks"], signup=signups["asks"], requested_hours=Decimal("5"), reason="多做了"
    )

    url = reverse("activities:hours", args=[activity.pk])
    page = press_every_button(client, coordinator, url, at_least=9)

    def hours(view, name):
        return reverse(f"activities:{view}", args=[activity.pk, signups[name].pk])

    approve = page.form_for(reverse("activities:hours-approve", args=[activity.pk]))
    assert sorted(approve.values("entry")) == sorted(str(entries[n].pk) for n in ("p1", "p2"))
    assert str(own_entry.pk) not in approve.values("entry")
    assert {hours("hours-set", n) for n in ("p1", "p2", "none")} <= page.actions
    assert {hours("hours-correct", n) for n in ("approved", "asks")} <= page.actions
    assert not {hours("hours-set", "own"), hours("hours-correct", "own")} & page.actions
    decide = reverse("activities:correction-decide", args=[activity.pk, correction.pk])
    assert {b.value for b in page.form_for(decide).buttons} == {"accept", "reject"}
    assert "own-hours" in client.get(url).content.decode()


# 5. A member's page, and the member's own page ------------------------------------------------


def test_the_buttons_on_a_members_page_work(client, coordinator, volunteer, ecommerce, culture):
    member = volunteer.member
    in_ecommerce = MembershipFactory(member=member, group=ecommerce)
    in_culture = MembershipFactory(member=member, group=culture)

    url = reverse("members:member-detail", args=[member.pk])
    page = press_every_button(client, coordinator, url, at_least=2)
    assert reverse("groups:membership-end", args=["ecommerce", in_ecommerce.pk]) in page.actions
    assert reverse("groups:membership-end", args=["culture", in_culture.pk]) not in page.actions
    assert reverse("members:member-status", args=[member.pk]) in page.actions


def test_the_buttons_on_my_own_page_work(client, volunteer, ecommerce, culture):
    member = volunteer.member
    memberships = [
        MembershipFactory(member=member, group=ecommerce),
        MembershipFactory(member=member, group=culture),
        MembershipFactory(member=member, group=ServiceGroupFactory(), status="applied"),
    ]
    page = press_every_button(client, volunteer, reverse("me"), at_least=5)
    for membership in memberships:
        end = reverse("groups:membership-end", args=[membership.group.slug, membership.pk])
        assert end in page.actions


# 6. The group's applications ------------------------------------------------------------------


def test_the_buttons_on_the_applications_page_work(client, coordinator, volunteer, ecommerce):
    application = MembershipFactory(
        member=volunteer.member, group=ecommerce, status=Membership.Status.APPLIED
    )
    url = reverse("groups:applications", args=["ecommerce"])
    page = press_every_button(client, coordinator, url, at_least=2)
    assert page.actions == {
        reverse("groups:application-decide", args=["ecommerce", application.pk, decision])
        for decision in ("approve", "reject")
    }


# 7. My page with an offered place and past hours ----------------------------------------------


def test_accepting_an_offer_and_asking_for_a_correction_from_my_page_work(
    client, coordinator, volunteer, ecommerce
):
    activity = offered_to(volunteer)
    past = SignUpFactory(
        activity=ActivityFactory(starts_at=hours_ago(30), ends_at=hours_ago(27)),
        member=volunteer.member,
        attended=True,
    )
    entry = services.hours_propose(actor=coordinator, signup=past)
    services.hours_approve(actor=coordinator, activity=past.activity, entry_ids=[entry.pk])

    page = press_every_button(client, volunteer, reverse("me"), at_least=5)
    assert reverse("activities:accept-offer", args=[activity.pk]) in page.actions
    assert reverse("activities:correction-request", args=[past.pk]) in page.actions


@pytest.mark.parametrize("started", [True, False])
def test_the_attendance_sheet_offers_saving_only_once_the_activity_is_under_way(
    client, coordinator, started
):
    """Before check-in opens the service refuses attendance, so the sheet has no button."""
    start = hours_ago(1) if started else timezone.now() + datetime.timedelta(days=2)
    activity = ActivityFactory(starts_at=start, ends_at=start + datetime.timedelta(hours=3))
    for name in ("att-a", "att-b"):
        SignUpFactory(activity=activity, member=person(name).member)
    url = reverse("activities:attendance", args=[activity.pk])
    page = press_every_button(client, coordinator, url, at_least=1 if started else 0)
    assert bool(page.presses) == started

"""Hostile input in Django admin (issue 9, finding 15): the add and change forms of the
main models and the change lists' search and filters answer below 500, echo no live
markup, and save nothing when they refuse.

The valid baseline of each form is what the admin page itself would post (read from
its HTML, inlines and their management forms included), as a browser does.
"""

from html.parser import HTMLParser

import pytest
from django.db import connection
from django.urls import reverse

from activities.models import Brand
from groups.models import Membership
from tests.factories import ActivityFactory, MemberFactory, MembershipFactory
from tests.hostile import (
    CHOICE,
    CONTROL,
    DATE,
    DATETIME,
    LINE_BREAKS,
    NUMBER,
    TEXT,
    Form,
    assert_no_failures,
    sweep,
)


class _FormReader(HTMLParser):
    """The fields a browser would submit from the page's main admin form."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.data: dict[str, list[str]] = {}
        self.in_form = False
        self.select: str | None = None
        self.options: list[tuple[str, bool]] = []
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("id") or "").endswith("_form"):
            self.in_form = True
        if not self.in_form or "name" not in a and tag != "option":
            return
        name = a.get("name")
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value") or ("on" if kind in (
                "checkbox", "radio") else ""))  # fmt: skip
        elif tag == "select":
            self.select, self.options = name, []
            self.multiple = "multiple" in a
        elif tag == "option" and self.select:
            self.options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self.textarea = name
            self.data.setdefault(name, []).append("")

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select" and self.select:
            chosen = [v for v, selected in self.options if selected]
            if not chosen and self.options and not self.multiple:
                chosen = [self.options[0][0]]
            if chosen:
                self.data[self.select] = chosen
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea][-1] += data


def admin_form(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    reader = _FormReader()
    reader.feed(response.content.decode())
    return {k: v if len(v) > 1 else v[0] for k, v in reader.data.items()}


# The portal's rule for text applies in admin too (volunteer_portal.forms.AdminInputMixin).
MEMBER_REFUSE = {
    **dict.fromkeys(["full_name", "employer", "job_title"], CONTROL + LINE_BREAKS),
    "bio": CONTROL,
}


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_admin_member_forms(admin_client, ecommerce):
    member = MemberFactory()
    MembershipFactory(group=ecommerce, member=member)
    fields = {
        **dict.fromkeys(["full_name", "employer", "job_title", "phone", "email", "bio"], TEXT),
        "national_id": TEXT,
        **dict.fromkeys(["gender", "personnel_category", "district", "skills", "user"], CHOICE),
        "birth_year": NUMBER,
        "birth_date": DATE,
    }
    add_url = reverse("admin:members_member_add")
    add_base = {**admin_form(admin_client, add_url), "full_name": "张三"}
    add = Form(
        "admin member add",
        add_url,
        lambda i: {**add_base, "phone": f"1350000{i:04d}"},
        fields,
        refuse=MEMBER_REFUSE,
        rotate=True,
    )
    change_url = reverse("admin:members_member_change", args=[member.pk])
    change_base = admin_form(admin_client, change_url)
    change = Form(
        "admin member change",
        change_url,
        change_base,
        {  # the add form's fields, again, and the inlines of the change page
            "full_name": TEXT,
            "skills": CHOICE,
            "memberships-TOTAL_FORMS": NUMBER,
            "leader_assignments-TOTAL_FORMS": NUMBER,
        },
        refuse=MEMBER_REFUSE,
        rotate=True,
    )
    assert_no_failures(sweep(admin_client, add) + sweep(admin_client, change))


def test_admin_activity_and_group_forms(admin_client, ecommerce):
    activity = ActivityFactory(group=ecommerce)
    Brand.objects.create(group=ecommerce, name="助农")
    activity_fields = {
        **dict.fromkeys(["title", "location", "description"], TEXT),
        **dict.fromkeys(["kind", "group", "brand", "themes", "eligibility"], CHOICE),
        "starts_at_0": DATE,
        "ends_at_1": ["25:61", "abc"],
        "signup_closes_at_0": DATETIME,
        "capacity": NUMBER,
        "offer_hours": NUMBER,
    }
    change_url = reverse("admin:activities_activity_change", args=[activity.pk])
    add_url = reverse("admin:activities_activity_add")
    add_base = {
        **admin_form(admin_client, add_url),
        "title": "新活动",
        "group": str(ecommerce.pk),
        "starts_at_0": "2030-01-01",
        "starts_at_1": "09:00",
        "ends_at_0": "2030-01-01",
        "ends_at_1": "12:00",
    }
    forms = [
        Form("admin activity add", add_url, add_base, activity_fields, rotate=True),
        Form(
            "admin activity change",
            change_url,
            admin_form(admin_client, change_url),
            {
                "title": TEXT,
                "themes": CHOICE,
                "ends_at_1": activity_fields["ends_at_1"],
                "photos-TOTAL_FORMS": NUMBER,
            },
            rotate=True,
        ),  # fmt: skip
    ]
    group_url = reverse("admin:groups_servicegroup_change", args=[ecommerce.pk])
    forms.append(
        Form(
            "admin group change",
            group_url,
            admin_form(admin_client, group_url),
            {
                **dict.fromkeys(["name_zh", "name_en", "slug", "mission_zh"], TEXT),
                "founded_on": DATE,
                "display_order": NUMBER,
                "leader_assignments-TOTAL_FORMS": NUMBER,
            },
            rotate=True,
        )
    )
    brand_url = reverse("admin:activities_brand_add")
    brand_base = {**admin_form(admin_client, brand_url), "group": str(ecommerce.pk)}
    forms.append(
        Form(
            "admin brand add",
            brand_url,
            lambda i: {**brand_base, "name": f"品牌{i}"},
            {**dict.fromkeys(["name", "description"], TEXT), "group": CHOICE},
            rotate=True,
        )
    )
    failures = []
    for form in forms:
        failures += sweep(admin_client, form)
    assert_no_failures(failures)


def test_admin_membership_user_and_skill_forms(admin_client, ecommerce):
    member = MemberFactory()
    membership_url = reverse("admin:groups_membership_add")
    user_url = reverse("admin:members_user_add")
    skill_url = reverse("admin:members_skill_add")
    membership_base = {
        **admin_form(admin_client, membership_url),
        "group": str(ecommerce.pk),
        "member": str(member.pk),
    }
    user_base = {
        **admin_form(admin_client, user_url),
        "password1": "a-long-pass-2026",
        "password2": "a-long-pass-2026",
    }
    skill_base = admin_form(admin_client, skill_url)
    forms = [
        Form(
            "admin membership add",
            membership_url,
            membership_base,
            {**dict.fromkeys(["member", "group", "status"], CHOICE), "motivation": TEXT},
            rotate=True,
            before=lambda i: Membership.objects.filter(member=member).delete(),
        ),
        Form(
            "admin user add",
            user_url,
            lambda i: {**user_base, "username": f"new{i}"},
            {"username": TEXT, "password1": TEXT, "usable_password": CHOICE},
            rotate=True,
        ),
        Form(
            "admin skill add",
            skill_url,
            lambda i: {**skill_base, "name": f"技能{i}"},
            {"name": TEXT, "name_en": TEXT},
            rotate=True,
        ),
    ]
    failures = []
    for form in forms:
        failures += sweep(admin_client, form)
    assert_no_failures(failures)


def test_a_forged_inline_count_builds_no_more_forms_than_rows_and_a_few_new(
    admin_client, ecommerce
):
    """TOTAL_FORMS=1000000 built Django's cap of 2,000 inline forms, each checked and
    rendered again: 15 seconds of a worker for one request."""
    url = reverse("admin:groups_servicegroup_change", args=[ecommerce.pk])
    data = {**admin_form(admin_client, url), "leader_assignments-TOTAL_FORMS": "1000000"}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    (inline,) = response.context["inline_admin_formsets"]
    assert len(inline.formset.forms) <= 50


@pytest.mark.filterwarnings("ignore:DateTimeField Activity.starts_at received a naive")
@pytest.mark.parametrize(
    "changelist",
    [
        "admin:members_member_changelist",
        "admin:activities_activity_changelist",
        "admin:groups_membership_changelist",
        "admin:activities_signup_changelist",
    ],
)
def test_admin_change_list_search_and_filters(admin_client, changelist, ecommerce):
    ActivityFactory(group=ecommerce)
    dates = DATETIME
    if connection.vendor == "sqlite":
        # Django's SQLite backend turns an aware datetime of year 1 into UTC, before year 1:
        # an OverflowError in the date hierarchy's lookup (staff only; PostgreSQL is fine).
        dates = [d for d in DATETIME if not d.startswith("0001")]
    form = Form(
        changelist,
        reverse(changelist),
        {"q": "张"},
        {
            "q": TEXT,
            **dict.fromkeys(["status", "o", "p", "group__id__exact", "district"], CHOICE),
            "starts_at__gte": dates,
        },
        method="get",
        rotate=True,
    )
    assert_no_failures(sweep(admin_client, form))

"""What a roster import may change: only the coordinator's own members, never a stored
value from an empty cell, and the preview says exactly what changes for whom."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from groups.models import Membership, ServiceGroup
from members.models import Member, Skill
from tests.factories import MemberFactory, MembershipFactory

FULL_HEADERS = (
    "姓名", "手机号", "性别", "电子邮箱", "人员类别", "政治面貌", "工作单位", "职务",
    "所属行业", "专长技能", "学历", "服务区域", "工作日可参加", "周末可参加", "晚上可参加",
)  # fmt: skip


def table(headers, rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def upload(client, content: bytes):
    return client.post(
        reverse("groups:roster-import", args=["ecommerce"]),
        {"file": SimpleUploadedFile("roster.csv", content)},
    )


def confirm(client, preview):
    return client.post(
        reverse("groups:roster-import-confirm", args=["ecommerce"]),
        {"token": preview.context["token"]},
        follow=True,
    )


def complete_member(**overrides) -> Member:
    fields = {
        "full_name": "林主任",
        "phone": "13700000007",
        "gender": "female",
        "email": "lin@example.com",
        "personnel_category": "intermediary",
        "political_status": "cpc",
        "employer": "漳州税务师事务所",
        "job_title": "主任",
        "industry": "finance",
        "education": "master",
        "district": "longhai",
        "available_weekdays": True,
        "available_weekends": True,
        **overrides,
    }
    member = MemberFactory(**fields)
    member.skills.add(Skill.objects.get(name="税法"))
    return member


STORED = (
    "full_name", "email", "gender", "personnel_category", "political_status", "employer",
    "job_title", "industry", "education", "district", "available_weekdays",
    "available_weekends",
)  # fmt: skip


def stored(member: Member) -> dict:
    member.refresh_from_db()
    return {
        **{name: getattr(member, name) for name in STORED},
        "skills": sorted(s.name for s in member.skills.all()),
    }


@pytest.fixture
def outsider(db, culture):
    """A member of two other groups, not of e-commerce: the case from the report."""
    member = complete_member()
    MembershipFactory(member=member, group=culture)
    MembershipFactory(member=member, group=ServiceGroup.objects.get(slug="finance-tax"))
    return member


def test_a_coordinator_cannot_overwrite_a_member_of_other_groups(
    client, coordinator, outsider, ecommerce
):
    before = stored(outsider)
    client.force_login(coordinator)
    content = table(("姓名", "手机号", "工作单位"), [["新名字", outsider.phone, "别的公司"]])
    preview = upload(client, content)
    report = preview.context["report"]
    assert [(p.row, p.column) for p in report.problems] == [(2, "手机号")]
    assert "another group" in report.problems[0].message or "其他" in report.problems[0].message
    assert preview.context["token"] is None  # nothing to confirm
    assert stored(outsider) == before
    assert not Membership.objects.filter(member=outsider, group=ecommerce).exists()


def test_the_service_refuses_the_outsider_too(coordinator, outsider, ecommerce):
    import tablib

    from groups.imports import roster_import

    dataset = tablib.Dataset(headers=["姓名", "手机号"])
    dataset.append(["新名字", outsider.phone])
    report = roster_import(actor=coordinator, group=ecommerce, dataset=dataset, dry_run=False)
    assert not report.committed and report.problems
    assert Member.objects.get(pk=outsider.pk).full_name == "林主任"


def test_a_member_of_no_group_is_not_the_coordinators_either(client, coordinator, ecommerce):
    loner = complete_member(phone="13700000008")
    client.force_login(coordinator)
    report = upload(client, table(("姓名", "手机号"), [["林主任", loner.phone]])).context["report"]
    assert [p.column for p in report.problems] == ["手机号"]


def test_a_coordinator_updates_their_own_members_in_another_of_their_groups(
    client, coordinator, outsider, culture, ecommerce
):
    """Someone leading both groups may bring a culture member into e-commerce."""
    from tests.factories import LeaderAssignmentFactory

    LeaderAssignmentFactory(group=culture, member=coordinator.member)
    client.force_login(coordinator)
    preview = upload(client, table(("姓名", "手机号"), [["林主任", outsider.phone]]))
    assert preview.context["report"].problems == []
    confirm(client, preview)
    assert Membership.objects.get(member=outsider, group=ecommerce).status == "active"


def test_empty_cells_and_missing_columns_keep_what_is_stored(
    client, admin_user, outsider, ecommerce
):
    """An admin may update anyone: still, only the cells with a value change anything."""
    before = stored(outsider)
    client.force_login(admin_user)
    row = dict.fromkeys(FULL_HEADERS, "")
    row.update({"姓名": "林主任", "手机号": outsider.phone, "工作单位": "新单位"})
    preview = upload(client, table(FULL_HEADERS, [list(row.values())]))
    report = preview.context["report"]
    assert (report.updated, report.problems) == (1, [])
    confirm(client, preview)
    assert stored(outsider) == {**before, "employer": "新单位"}
    assert Membership.objects.get(member=outsider, group=ecommerce).status == "active"


def test_a_row_of_only_empty_cells_for_a_known_member_is_unchanged(
    client, coordinator, roster_member
):
    client.force_login(coordinator)
    row = dict.fromkeys(FULL_HEADERS, "")
    row.update({"姓名": "", "手机号": roster_member.phone})
    report = upload(client, table(FULL_HEADERS, [list(row.values())])).context["report"]
    assert (report.unchanged, report.updated, report.problems) == (1, 0, [])


@pytest.fixture
def roster_member(ecommerce):
    member = complete_member(phone="13700000009", full_name="陈会计")
    MembershipFactory(member=member, group=ecommerce)
    return member


def test_the_clear_marker_blanks_a_field_on_purpose(client, coordinator, roster_member):
    client.force_login(coordinator)
    content = table(
        ("姓名", "手机号", "电子邮箱", "专长技能", "周末可参加", "所属行业"),
        [["陈会计", roster_member.phone, "#清空", "#CLEAR", "#清空", "#clear"]],
    )
    preview = upload(client, content)
    assert preview.context["report"].problems == []
    confirm(client, preview)
    after = stored(roster_member)
    assert after["email"] == "" and after["skills"] == [] and after["industry"] == ""
    assert after["available_weekends"] is False
    assert after["employer"] == "漳州税务师事务所"  # not in the file: kept


def test_the_clear_marker_on_a_required_field_is_a_row_problem(client, coordinator, roster_member):
    client.force_login(coordinator)
    content = table(("姓名", "手机号"), [["#清空", roster_member.phone]])
    report = upload(client, content).context["report"]
    assert [(p.row, p.column) for p in report.problems] == [(2, "姓名")]
    assert Member.objects.get(pk=roster_member.pk).full_name == "陈会计"


def test_new_members_may_leave_cells_empty(client, coordinator, ecommerce):
    client.force_login(coordinator)
    row = dict.fromkeys(FULL_HEADERS, "")
    row.update({"姓名": "新人", "手机号": "13900000021"})
    preview = upload(client, table(FULL_HEADERS, [list(row.values())]))
    assert preview.context["report"].new == 1
    confirm(client, preview)
    assert Member.objects.get(phone="13900000021").email == ""


def test_the_preview_shows_who_was_matched_and_each_change(client, coordinator, roster_member):
    client.force_login(coordinator)
    content = table(
        ("姓名", "手机号", "工作单位", "人员类别", "专长技能", "周末可参加", "电子邮箱"),
        [["陈会计", roster_member.phone, "新单位", "自由职业人员", "税法、会计", "是", "#清空"]],
    )
    preview = upload(client, content)
    (update,) = preview.context["report"].updates
    assert update.name == "陈会计" and update.phone == "137****0009"
    changes = {c.column: (c.old, c.new) for c in update.changes}
    assert changes == {
        "工作单位": ("漳州税务师事务所", "新单位"),
        "人员类别": ("中介组织和社会组织从业人员", "自由职业人员"),
        "专长技能": ("税法", "会计、税法"),
        "电子邮箱": ("lin@example.com", ""),
    }
    html = preview.content.decode()
    assert "137****0009" in html and "漳州税务师事务所" in html and "新单位" in html
    assert roster_member.phone not in html  # the full phone is not repeated back


def test_the_import_page_documents_the_clear_marker(client, coordinator, ecommerce):
    client.force_login(coordinator)
    html = client.get(reverse("groups:roster-import", args=["ecommerce"])).content.decode()
    assert "#清空" in html


def test_the_import_can_email_invitations_to_members_without_an_account(
    client, coordinator, roster_member, ecommerce, django_capture_on_commit_callbacks
):
    from django.core import mail

    from members.models import Invitation

    client.force_login(coordinator)
    content = table(
        ("姓名", "手机号", "电子邮箱"),
        [
            ["新人甲", "13900000031", "jia@example.com"],
            ["新人乙", "13900000032", ""],  # no email: counted, not invited
            ["陈会计", roster_member.phone, ""],  # known, has an email: invited too
        ],
    )
    preview = upload(client, content)
    assert 'name="invite"' in preview.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            reverse("groups:roster-import-confirm", args=["ecommerce"]),
            {"token": preview.context["token"], "invite": "yes"},
            follow=True,
        )
    invited = set(Invitation.objects.values_list("member__phone", flat=True))
    assert invited == {"13900000031", roster_member.phone}
    assert sorted(m.to[0] for m in mail.outbox) == ["jia@example.com", "lin@example.com"]
    assert "已通过邮件发送邀请：2 人。没有电子邮箱：1 人" in done.content.decode()


def test_without_the_option_nobody_is_invited(client, coordinator, ecommerce):
    from members.models import Invitation

    client.force_login(coordinator)
    preview = upload(
        client, table(("姓名", "手机号", "电子邮箱"), [["新人丙", "13900000033", "b@example.com"]])
    )
    confirm(client, preview)
    assert Member.objects.filter(phone="13900000033").exists()
    assert not Invitation.objects.exists()

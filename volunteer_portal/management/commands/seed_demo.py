"""Fictional demo data: accounts to try each role, leaders for every group, members, and a
year of history (``demo_history``: activities with sign-ups, waiting lists, attendance and
hours; members joining and leaving; service requests from order to rating).

Every name here is invented; none stands for a real person. Idempotent: running it
again creates only what is missing and resets the demo accounts' passwords. Rows are
written in bulk, with their history (``seed_demo --members 10000 --activities 2000
--requests 5000`` takes under a minute on PostgreSQL), and no one is emailed.
"""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from activities.demo import Step, insert_with_history
from activities.models import Activity
from groups.models import LeaderAssignment, Membership, ServiceGroup
from members.models import (
    District,
    Education,
    Industry,
    Member,
    MemberEvent,
    PersonnelCategory,
    PoliticalStatus,
    Skill,
    User,
)
from reports.summary import invalidate as impact_summary_invalidate
from service_requests.demo import seed_requests
from volunteer_portal import mail
from volunteer_portal.demo_history import (
    ACTIVITY_TITLES,
    DEMO_ACTIVITY_PREFIX,
    SIGNUPS_PER_MEMBER,
    join_upcoming,
    joined_at,
    membership_rows,
    record_brand,
    seed_activities,
    seed_record,
)

# Invented names for the leaders of each group: (head, deputy head).
LEADERS = {
    "agriculture": ("郑晓航", "许丽娟"),
    "ecommerce": ("黄子涵", "陈雨桐"),
    "industry": ("蔡文博", "吴佳宁"),
    "culture": ("杨一帆", "刘梦洁"),
    "finance-tax": ("周嘉明", "苏静怡"),
}
PAST_HEAD = ("agriculture", "洪立新")

ACCOUNTS = {
    # username: (member name, phone, is superuser)
    "admin": ("管理员演示", "19900000001", True),
    "coordinator": ("王思琪", "19900000002", False),
    "volunteer": ("李小雨", "19900000003", False),
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾蔡潘田董袁于余叶蒋杜苏魏程吕丁沈任姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵万钱严覃武"  # noqa: E501
GIVEN = "思雨子涵浩然欣怡梓轩雅静俊杰晓明佳怡文博嘉宁若曦宇航一诺天佑明轩诗琪志强丽华建国秀英海燕春梅立新国华玉兰晨阳家豪紫萱"  # noqa: E501

# Invented employers, marked as demo data so nobody mistakes them for real firms.
EMPLOYERS = [
    "演示电商有限公司", "演示数字科技有限公司", "演示会计师事务所", "演示律师事务所",
    "演示农业合作社", "演示文化传媒有限公司", "演示物流有限公司", "演示食品有限公司",
    "演示设计工作室", "演示税务师事务所", "演示新媒体工作室", "演示供应链管理有限公司",
]  # fmt: skip
JOB_TITLES = ["总经理", "技术总监", "会计", "律师", "主播", "运营经理", "设计师", "讲师", "店长"]
# Skewed towards the categories the organisation mostly recruits from.
CATEGORIES = [
    PersonnelCategory.ENTERPRISE, PersonnelCategory.ENTERPRISE, PersonnelCategory.INTERMEDIARY,
    PersonnelCategory.FREELANCER, PersonnelCategory.NEW_MEDIA, PersonnelCategory.OTHER,
]  # fmt: skip

DEMO_PHONE_PREFIX = "198"
__all__ = ["ACTIVITY_TITLES", "DEMO_ACTIVITY_PREFIX", "Command", "demo_member"]
# Leaders and the demo accounts have been in their groups since before the year of history.
SINCE_DAYS = 500
LEADER_PHONE_PREFIX = "197"


def demo_member_name(index: int) -> str:
    surname = SURNAMES[index % len(SURNAMES)]
    first = GIVEN[(index * 7) % len(GIVEN)]
    second = GIVEN[(index * 13 + 5) % len(GIVEN)]
    return f"{surname}{first}{second}"


def demo_member(index: int, phone: str) -> Member:
    """A fictional member whose attributes follow from the index (repeatable runs)."""
    return Member(
        full_name=demo_member_name(index),
        phone=phone,
        email=f"demo{index + 1}@example.com",
        gender=(Member.Gender.FEMALE, Member.Gender.MALE)[index % 2],
        birth_year=1965 + (index * 7) % 38,
        personnel_category=CATEGORIES[index % len(CATEGORIES)],
        political_status=PoliticalStatus.values[(index * 3) % len(PoliticalStatus.values)],
        employer=EMPLOYERS[(index * 5) % len(EMPLOYERS)],
        job_title=JOB_TITLES[index % len(JOB_TITLES)],
        industry=Industry.values[(index * 11) % len(Industry.values)],
        education=Education.values[2 + index % 4],
        district=District.values[index % len(District.values)],
        available_weekdays=index % 3 == 0,
        available_weekends=index % 2 == 0,
        available_evenings=index % 5 == 0,
    )


class Command(BaseCommand):
    help = (
        "Create fictional demo data (accounts admin, coordinator, volunteer, members) and "
        "a year of history."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help="Password for the demo accounts (default: the DEMO_PASSWORD setting).",
        )
        parser.add_argument(
            "--members", type=int, default=60, help="How many demo members (default 60)."
        )
        parser.add_argument(
            "--activities",
            type=int,
            default=12,
            help="How many demo activities over the last year and the next month, with sign-ups, "
            "attendance and hours (default 12).",
        )
        parser.add_argument(
            "--requests",
            type=int,
            default=12,
            help="How many demo service requests over the last year, in every state (default 12).",
        )
        parser.add_argument("--force", action="store_true", help="Run even though DEBUG is off.")

    def handle(
        self, *args, password=None, members=60, activities=12, requests=12, force=False, **options
    ):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: this looks like production. Demo data would mix with real "
                "records. Pass --force if you really mean it."
            )
        password = password or settings.DEMO_PASSWORD
        if not password:
            raise CommandError("Give --password or set DEMO_PASSWORD.")
        if members < 0:
            raise CommandError("--members cannot be negative.")

        now = timezone.now()
        with transaction.atomic(), mail.muted():
            groups = {g.slug: g for g in ServiceGroup.objects.all()}
            missing = set(LEADERS) - set(groups)
            if missing:
                raise CommandError(f"Service groups missing (run migrate): {sorted(missing)}")
            since = now - datetime.timedelta(days=SINCE_DAYS)
            accounts = self._accounts(password, since)
            self._leaders(groups, accounts, since)
            deciders = self._deciders(groups, accounts)
            created = self._members(groups, members, deciders, now)
            made = self._activities(groups, accounts, activities, members, deciders, now)
            record = (
                seed_record(groups["culture"], accounts["volunteer"], deciders["culture"], now)
                if activities
                else 0
            )
            asked = seed_requests(max(requests, 0), admin=accounts["admin"].user, now=now)
        # The rows went in directly, past the services' hooks: the public summary's cached
        # figures would be an hour behind.
        impact_summary_invalidate()

        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
        self.stdout.write(f"  {created} new demo members ({members} wanted in all).")
        self.stdout.write(f"  {made} new demo activities ({activities} wanted in all).")
        self.stdout.write(f"  {asked} new demo service requests ({requests} wanted in all).")
        if record:
            self.stdout.write(f"  {record} past activities in the demo volunteer's record.")
        self.stdout.write("  Log in at http://127.0.0.1:8000/accounts/login/ with:")
        for username in ACCOUNTS:
            self.stdout.write(f"    {username:<12} / {password}")

    def _accounts(self, password: str, since) -> dict[str, Member]:
        result = {}
        for username, (name, phone, superuser) in ACCOUNTS.items():
            user, _ = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@example.com"}
            )
            user.first_name = name
            user.is_staff = user.is_superuser = superuser
            user.is_active = True
            user.set_password(password)
            user.save()
            member, created = Member.objects.update_or_create(
                user=user,
                defaults={"full_name": name, "phone": phone, "email": user.email},
            )
            if created:
                profile = demo_member(len(result) + 3, phone)
                for field in ("gender", "birth_year", "personnel_category", "political_status",
                              "employer", "job_title", "industry", "education", "district",
                              "available_weekends"):  # fmt: skip
                    setattr(member, field, getattr(profile, field))
                member.save()
                member.skills.set(Skill.objects.order_by("pk")[len(result) : len(result) + 2])
                Member.objects.filter(pk=member.pk).update(created_at=since)
            result[username] = member
        return result

    def _leaders(self, groups: dict[str, ServiceGroup], accounts, since) -> None:
        today = timezone.localdate()
        term_start = today - datetime.timedelta(days=400)
        for index, (slug, (head, deputy)) in enumerate(LEADERS.items()):
            group = groups[slug]
            for offset, (name, role) in enumerate(
                ((head, LeaderAssignment.Role.HEAD), (deputy, LeaderAssignment.Role.DEPUTY))
            ):
                member, created = Member.objects.get_or_create(
                    phone=f"{LEADER_PHONE_PREFIX}0000{index}{offset}00",
                    defaults={"full_name": name, "email": f"leader-{slug}-{offset}@example.com"},
                )
                if created:
                    Member.objects.filter(pk=member.pk).update(created_at=since)
                self._term(group, member, role, term_start)
                self._membership(group, member, since)
        past_slug, past_name = PAST_HEAD
        past_member, _ = Member.objects.get_or_create(
            phone=f"{LEADER_PHONE_PREFIX}00009990", defaults={"full_name": past_name}
        )
        # Looked up by person, not by date, so a run on a later day finds the same term.
        if not LeaderAssignment.objects.filter(
            group=groups[past_slug], member=past_member, role=LeaderAssignment.Role.HEAD
        ).exists():
            current_head_start = (
                LeaderAssignment.objects.current()
                .filter(group=groups[past_slug], role=LeaderAssignment.Role.HEAD)
                .values_list("start_date", flat=True)
                .first()
            ) or term_start
            LeaderAssignment.objects.create(
                group=groups[past_slug],
                member=past_member,
                role=LeaderAssignment.Role.HEAD,
                start_date=current_head_start - datetime.timedelta(days=730),
                end_date=current_head_start - datetime.timedelta(days=1),
            )
        ecommerce = groups["ecommerce"]
        self._term(
            ecommerce, accounts["coordinator"], LeaderAssignment.Role.COORDINATOR, term_start
        )
        self._membership(ecommerce, accounts["coordinator"], since)
        self._membership(groups["culture"], accounts["volunteer"], since)

    @staticmethod
    def _term(group, member, role, start) -> None:
        if (
            not LeaderAssignment.objects.current()
            .filter(group=group, member=member, role=role)
            .exists()
        ):
            LeaderAssignment.objects.create(group=group, member=member, role=role, start_date=start)

    @staticmethod
    def _membership(group, member, since) -> None:
        membership, created = Membership.objects.get_or_create(
            group=group,
            member=member,
            status=Membership.Status.ACTIVE,
            defaults={"decided_at": since},
        )
        if created:
            Membership.objects.filter(pk=membership.pk).update(created_at=since)

    @staticmethod
    def _deciders(groups, accounts) -> dict[str, int]:
        """Who approves in each group: its coordinator with an account, else the admin."""
        coordinators = dict(
            LeaderAssignment.objects.current()
            .filter(member__user__isnull=False)
            .values_list("group__slug", "member__user_id")
        )
        return {slug: coordinators.get(slug, accounts["admin"].user_id) for slug in groups}

    def _members(self, groups: dict[str, ServiceGroup], count: int, deciders, now) -> int:
        """Demo members spread over the groups, every fifth one in two; joined over the
        last years (many in the last one), some of them left since."""
        phones = [f"{DEMO_PHONE_PREFIX}{index + 1:08d}" for index in range(count)]
        existing = set(Member.objects.filter(phone__in=phones).values_list("phone", flat=True))
        new = []
        for index, phone in enumerate(phones):
            if phone not in existing:
                member = demo_member(index, phone)
                member.created_at = joined_at(index, now)
                new.append((member, [Step(member.created_at, MemberEvent.CREATED)]))
        insert_with_history(Member, new, dated=("created_at",))
        skills = list(Skill.objects.order_by("pk").values_list("pk", flat=True))
        through = Member.skills.through
        links, memberships, ordered = [], [], list(LEADERS)
        for member, _ in new:
            index = int(member.phone[len(DEMO_PHONE_PREFIX) :]) - 1
            for k in range(1 + index % 3) if skills else ():
                skill = skills[(index * 7 + k * 5) % len(skills)]
                links.append(through(member_id=member.pk, skill_id=skill))
            slugs = [ordered[index % len(ordered)]]
            if index % 5 == 0:
                slugs.append(ordered[(index + 2) % len(ordered)])
            mine = [groups[slug] for slug in slugs]
            memberships += membership_rows(member, index, mine, deciders, now)
        through.objects.bulk_create(links, batch_size=2000, ignore_conflicts=True)
        insert_with_history(Membership, memberships, dated=("created_at",))
        return len(new)

    def _activities(self, groups, accounts, count: int, members: int, deciders, now) -> int:
        """The groups' year of demo activities (``demo_history``), the ones missing; the
        demo volunteer signs up for a few upcoming ones."""
        existing = (
            Activity.objects.filter(title__startswith=DEMO_ACTIVITY_PREFIX)
            .exclude(brand=record_brand(groups["culture"]))
            .count()
        )
        if existing >= count:
            return 0
        per_activity = min(60.0, max(6.0, SIGNUPS_PER_MEMBER * members / count))
        upcoming = seed_activities(
            groups, existing, count, per_activity=per_activity, deciders=deciders, now=now
        )
        join_upcoming(accounts["volunteer"], upcoming, now)
        return count - existing

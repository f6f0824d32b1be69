"""Fictional demo data: accounts to try each role, leaders for every group, members.

Every name here is invented; none stands for a real person. Idempotent: running it
again creates only what is missing and resets the demo accounts' passwords.
"""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from groups.models import LeaderAssignment, Membership, ServiceGroup
from members.models import (
    District,
    Education,
    Industry,
    Member,
    PersonnelCategory,
    PoliticalStatus,
    Skill,
    User,
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
    help = "Create fictional demo data (accounts admin, coordinator, volunteer and members)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help="Password for the demo accounts (default: the DEMO_PASSWORD setting).",
        )
        parser.add_argument(
            "--members", type=int, default=60, help="How many demo members (default 60)."
        )
        parser.add_argument("--force", action="store_true", help="Run even though DEBUG is off.")

    def handle(self, *args, password=None, members=60, force=False, **options):
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

        with transaction.atomic():
            groups = {g.slug: g for g in ServiceGroup.objects.all()}
            missing = set(LEADERS) - set(groups)
            if missing:
                raise CommandError(f"Service groups missing (run migrate): {sorted(missing)}")
            accounts = self._accounts(password)
            self._leaders(groups, accounts)
            created = self._members(groups, members)

        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
        self.stdout.write(f"  {created} new demo members ({members} wanted in all).")
        self.stdout.write("  Log in at http://127.0.0.1:8000/accounts/login/ with:")
        for username in ACCOUNTS:
            self.stdout.write(f"    {username:<12} / {password}")

    def _accounts(self, password: str) -> dict[str, Member]:
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
            result[username] = member
        return result

    def _leaders(self, groups: dict[str, ServiceGroup], accounts: dict[str, Member]) -> None:
        today = timezone.localdate()
        term_start = today - datetime.timedelta(days=400)
        for index, (slug, (head, deputy)) in enumerate(LEADERS.items()):
            group = groups[slug]
            for offset, (name, role) in enumerate(
                ((head, LeaderAssignment.Role.HEAD), (deputy, LeaderAssignment.Role.DEPUTY))
            ):
                member, _ = Member.objects.get_or_create(
                    phone=f"{LEADER_PHONE_PREFIX}0000{index}{offset}00",
                    defaults={"full_name": name, "email": f"leader-{slug}-{offset}@example.com"},
                )
                self._term(group, member, role, term_start)
                self._membership(group, member)
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
        self._membership(ecommerce, accounts["coordinator"])
        self._membership(groups["culture"], accounts["volunteer"])

    @staticmethod
    def _term(group, member, role, start) -> None:
        if (
            not LeaderAssignment.objects.current()
            .filter(group=group, member=member, role=role)
            .exists()
        ):
            LeaderAssignment.objects.create(group=group, member=member, role=role, start_date=start)

    @staticmethod
    def _membership(group, member) -> None:
        Membership.objects.get_or_create(
            group=group,
            member=member,
            status=Membership.Status.ACTIVE,
        )

    def _members(self, groups: dict[str, ServiceGroup], count: int) -> int:
        """Demo members spread over the groups; every fifth one in two groups."""
        phones = [f"{DEMO_PHONE_PREFIX}{index + 1:08d}" for index in range(count)]
        existing = set(Member.objects.filter(phone__in=phones).values_list("phone", flat=True))
        new = [
            demo_member(index, phone) for index, phone in enumerate(phones) if phone not in existing
        ]
        bulk_create_with_history(new, Member, batch_size=1000)
        skills = list(Skill.objects.order_by("pk").values_list("pk", flat=True))
        through = Member.skills.through
        new_ids = Member.objects.filter(phone__in=[m.phone for m in new]).values_list("pk", "phone")
        links = []
        for pk, phone in new_ids if skills else ():
            index = int(phone[len(DEMO_PHONE_PREFIX) :]) - 1
            for k in range(1 + index % 3):
                links.append(
                    through(member_id=pk, skill_id=skills[(index * 7 + k * 5) % len(skills)])
                )
        through.objects.bulk_create(links, batch_size=2000, ignore_conflicts=True)
        ordered = list(LEADERS)
        members = Member.objects.filter(phone__in=phones).only("pk", "phone")
        memberships = []
        for member in members:
            index = int(member.phone[len(DEMO_PHONE_PREFIX) :]) - 1
            slugs = {ordered[index % len(ordered)]}
            if index % 5 == 0:
                slugs.add(ordered[(index + 2) % len(ordered)])
            memberships.extend(
                Membership(member=member, group=groups[slug], status=Membership.Status.ACTIVE)
                for slug in slugs
            )
        # The one-live-membership constraint makes a second run skip existing rows.
        Membership.objects.bulk_create(memberships, batch_size=1000, ignore_conflicts=True)
        return len(new)

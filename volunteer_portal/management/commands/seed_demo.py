"""Fictional demo data: accounts to try each role, leaders for every group, members.

Every name here is invented; none stands for a real person. Idempotent: running it
again creates only what is missing and resets the demo accounts' passwords.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
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
from service_requests.demo import seed_requests
from volunteer_portal import mail

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
DEMO_ACTIVITY_PREFIX = "【演示】"
# Each group's own kind of work: (title, kind, local start hour, length in hours), every
# figure as it would really be.
ACTIVITY_TITLES = {
    "agriculture": [
        ("乡村电商助农直播", "service", 14, 4),
        ("农产品网上推介会", "exchange", 9, 3),
        ("志愿者骨干培训", "training", 9, 3),
    ],
    "ecommerce": [
        ("直播带货培训班", "training", 9, 3),
        ("网店运营实操课", "training", 14, 3),
        ("乡村电商助农直播", "service", 14, 4),
    ],
    "industry": [
        ("供需对接交流会", "exchange", 14, 2),
        ("中小企业发展沙龙", "exchange", 14, 2),
        ("企业用工政策宣讲", "training", 9, 2),
    ],
    "culture": [
        ("文明实践文艺演出", "service", 19, 2),
        ("社区文化志愿服务", "service", 9, 3),
        ("关爱留守儿童读书会", "service", 9, 2),
    ],
    "finance-tax": [
        ("小微企业免费税务咨询", "service", 9, 3),
        ("个税政策宣讲会", "training", 14, 2),
        ("创业者财务入门课", "training", 19, 2),
    ],
}
# The demo volunteer's last 15 months with the culture group, a recurring programme about twice
# a month: 32 activities, 112 approved hours, so their page shows one star (100 hours)
# earned the way a real volunteer earns it, never more hours than an activity lasted.
RECORD_BRAND = ("culture", "文明实践周末行")
RECORD_ACTIVITIES = [
    ("社区文明实践宣传", "service", 9, 3),
    ("文化下乡惠民演出", "service", 14, 4),
    ("关爱留守儿童读书会", "service", 9, 2),
    ("志愿者骨干培训", "training", 14, 3),
    ("传统节日民俗活动", "service", 9, 4),
    ("文明城市创建志愿服务", "service", 8, 3),
    ("非遗文化进校园", "service", 14, 3),
    ("乡村振兴文艺汇演", "service", 9, 6),
]
RECORD_SIZE = 32
RECORD_EVERY_DAYS = 14
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
        parser.add_argument(
            "--activities",
            type=int,
            default=12,
            help="How many demo activities, with sign-ups (default 12).",
        )
        parser.add_argument(
            "--requests",
            type=int,
            default=12,
            help="How many demo service requests, in every state (default 12).",
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

        with transaction.atomic(), mail.muted():
            groups = {g.slug: g for g in ServiceGroup.objects.all()}
            missing = set(LEADERS) - set(groups)
            if missing:
                raise CommandError(f"Service groups missing (run migrate): {sorted(missing)}")
            accounts = self._accounts(password)
            self._leaders(groups, accounts)
            created = self._members(groups, members)
            made = self._activities(groups, accounts, activities)
            record = self._service_record(groups, accounts) if activities else 0
            asked = seed_requests(max(requests, 0), admin=accounts["admin"].user)

        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
        self.stdout.write(f"  {created} new demo members ({members} wanted in all).")
        self.stdout.write(f"  {made} new demo activities ({activities} wanted in all).")
        self.stdout.write(f"  {asked} new demo service requests ({requests} wanted in all).")
        if record:
            self.stdout.write(f"  {record} past activities in the demo volunteer's record.")
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

    def _activities(self, groups, accounts, count: int) -> int:
        """Demo activities: a few past and completed (with approved hours, the demo
        volunteer among those who served), the rest upcoming, some full."""
        from activities.models import Activity, Brand, SignUp, Theme

        record_brand = self._record_brand(groups)
        demo_activities = Activity.objects.filter(title__startswith=DEMO_ACTIVITY_PREFIX).exclude(
            brand=record_brand
        )
        existing = demo_activities.count()
        if existing >= count:
            return 0
        themes = list(Theme.objects.order_by("pk"))
        slugs = list(LEADERS)
        brand, _ = Brand.objects.get_or_create(
            group=groups["finance-tax"],
            name="每月税务咨询日",
            defaults={"description": "每月第一个周六上午的免费税务咨询（演示）。"},
        )
        members = list(Member.objects.filter(phone__startswith=DEMO_PHONE_PREFIX)[:200])
        volunteer = accounts["volunteer"]
        now = timezone.now()
        activities, signups = [], []
        for index in range(existing, count):
            slug = slugs[index % len(slugs)]
            own = ACTIVITY_TITLES[slug]
            title, kind, hour, length = own[index // len(slugs) % len(own)]
            past = index % 4 == 0
            start = local_time(now, days=(-20 - index) if past else (2 + index % 60), hour=hour)
            activities.append(
                Activity(
                    group=groups[slug],
                    title=f"{DEMO_ACTIVITY_PREFIX}{title}",
                    kind=kind,
                    brand=brand if slug == "finance-tax" else None,
                    description="演示数据：活动介绍。",
                    location=f"漳州市演示地点 {index + 1} 号",
                    district=District.values[index % len(District.values)],
                    starts_at=start,
                    ends_at=start + datetime.timedelta(hours=length),
                    capacity=(None, 5, 10, 20)[index % 4],
                    status=Activity.Status.COMPLETED if past else Activity.Status.PUBLISHED,
                    beneficiaries=30 + index if past else None,
                )
            )
        activities = Activity.objects.bulk_create(activities, batch_size=500)
        if connection.vendor != "postgresql":  # bulk_create may not return keys there
            activities = list(demo_activities.order_by("pk"))[existing:]
        through = Activity.themes.through
        theme_links = []
        for offset, activity in enumerate(activities):
            index = existing + offset
            past = activity.status == Activity.Status.COMPLETED
            for theme in themes[index % len(themes) : index % len(themes) + 2] if themes else ():
                theme_links.append(through(activity_id=activity.pk, theme_id=theme.pk))
            # Some half full, some just full with a waiting list, some with one place left.
            places = activity.capacity or 8
            wanted = (places // 2, places + 3, places - 1)[index % 3]
            start = activity.starts_at
            signed_up_from = min(start, now) - datetime.timedelta(days=5)
            chosen = (members[index * 7 % len(members) :] + members)[:wanted] if members else []
            if (past or index % 3 == 0) and volunteer not in chosen:
                chosen.insert(0, volunteer)  # the demo volunteer has some activities too
            for position, member in enumerate(chosen):
                confirmed = activity.capacity is None or position < activity.capacity
                signups.append(
                    SignUp(
                        activity=activity,
                        member=member,
                        status=SignUp.Status.CONFIRMED if confirmed else SignUp.Status.WAITING,
                        created_at=signed_up_from + datetime.timedelta(minutes=position),
                        **(attendance(activity, position) if past and confirmed else {}),
                    )
                )
        through.objects.bulk_create(theme_links, batch_size=2000)
        SignUp.objects.bulk_create(signups, batch_size=2000, ignore_conflicts=True)
        self._approve_hours(
            [a for a in activities if a.status == Activity.Status.COMPLETED], accounts, now
        )
        return len(activities)

    @staticmethod
    def _record_brand(groups):
        from activities.models import Brand

        slug, name = RECORD_BRAND
        brand, _ = Brand.objects.get_or_create(
            group=groups[slug],
            name=name,
            defaults={"description": "周末走进社区和乡村的文明实践志愿服务（演示）。"},
        )
        return brand

    def _service_record(self, groups, accounts) -> int:
        """The demo volunteer's last 15 months of service (``RECORD_ACTIVITIES``), once."""
        from activities.models import Activity, SignUp

        brand = self._record_brand(groups)
        if brand.activities.exists():
            return 0
        group = groups[RECORD_BRAND[0]]
        now = timezone.now()
        activities = []
        for index in range(RECORD_SIZE):
            title, kind, hour, length = RECORD_ACTIVITIES[index % len(RECORD_ACTIVITIES)]
            start = local_time(now, days=-30 - RECORD_EVERY_DAYS * index, hour=hour)
            activities.append(
                Activity(
                    group=group,
                    title=f"{DEMO_ACTIVITY_PREFIX}{title}",
                    kind=kind,
                    brand=brand,
                    description="演示数据：活动介绍。",
                    location=f"漳州市演示社区 {index % 9 + 1} 号",
                    district=District.values[index % len(District.values)],
                    starts_at=start,
                    ends_at=start + datetime.timedelta(hours=length),
                    capacity=20,
                    status=Activity.Status.COMPLETED,
                    beneficiaries=40 + (index * 37) % 160,
                )
            )
        Activity.objects.bulk_create(activities, batch_size=500)
        activities = list(brand.activities.order_by("pk"))
        fellow = list(
            Member.objects.filter(
                phone__startswith=DEMO_PHONE_PREFIX, memberships__group=group
            ).order_by("pk")[:40]
        )
        signups = []
        for index, activity in enumerate(activities):
            others = (fellow[index * 3 % len(fellow) :] + fellow)[: 5 + index % 5] if fellow else []
            for position, member in enumerate([accounts["volunteer"], *others]):
                signups.append(
                    SignUp(
                        activity=activity,
                        member=member,
                        status=SignUp.Status.CONFIRMED,
                        created_at=activity.starts_at - datetime.timedelta(days=6, hours=position),
                        **attendance(activity, position),  # the volunteer stays to the end
                    )
                )
        SignUp.objects.bulk_create(signups, batch_size=2000, ignore_conflicts=True)
        self._approve_hours(activities, accounts, now)
        return len(activities)

    @staticmethod
    def _approve_hours(activities, accounts, now) -> None:
        """Approved hours for everyone who attended: the time they were checked in, approved
        by the admin the day after the activity."""
        from activities.models import ServiceHours, SignUp

        approver = accounts["admin"].user
        attended = SignUp.objects.filter(activity__in=activities, attended=True).select_related(
            "activity"
        )
        ServiceHours.objects.bulk_create(
            (
                ServiceHours(
                    signup=signup,
                    hours=served_hours(signup),
                    status=ServiceHours.Status.APPROVED,
                    recorded_by=approver,
                    approved_by=approver,
                    approved_at=min(now, signup.activity.ends_at + datetime.timedelta(days=1)),
                )
                for signup in attended
            ),
            batch_size=2000,
        )


def local_time(now: datetime.datetime, *, days: int, hour: int) -> datetime.datetime:
    """``hour`` o'clock, local time, ``days`` from today: activities start at real hours."""
    day = timezone.localtime(now).date() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def attendance(activity, position: int) -> dict:
    """Attended, checked in at the start and out at the end; one in seven of the others
    left an hour early (on activities of more than two hours)."""
    leaves_early = position % 7 == 3 and activity.duration_hours > 2
    out = activity.ends_at - datetime.timedelta(hours=1 if leaves_early else 0)
    return {"attended": True, "checked_in_at": activity.starts_at, "checked_out_at": out}


def served_hours(signup) -> Decimal:
    """Checked-in time, never more than the activity lasted."""
    seconds = (signup.checked_out_at - signup.checked_in_at).total_seconds()
    served = (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01"))
    return min(served, signup.activity.duration_hours)

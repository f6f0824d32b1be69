"""A year of fictional history for ``seed_demo``: when the demo members joined their groups
(and some left), and the groups' activities over the last twelve months and the next
few weeks, with their sign-ups, waiting lists, attendance and hours, so the reports have
something true-looking to show. Everything follows from the item's number (each has its
own seeded random generator): a run makes the same history as the last one did.
"""

from __future__ import annotations

import datetime
import random
from collections import namedtuple

from django.utils import timezone

from activities.demo import (
    Step,
    at,
    busy_days,
    group_pools,
    insert_hours,
    insert_with_history,
    pick_volunteers,
    record_attendance,
    seasonal_day,
    signup_story,
)
from activities.models import Activity, ActivityEvent, Brand, SignUp, SignUpEvent, Theme
from groups.models import Membership, MembershipEvent
from members.models import District

DEMO_ACTIVITY_PREFIX = "【演示】"
# Each group's own kind of work: (title, kind, local start hour, length in hours), every
# figure as it would really be. The first title of a group carries its brand (BRANDS).
ACTIVITY_TITLES = {
    "agriculture": [
        ("乡村电商助农直播", "service", 14, 4),
        ("农产品网上推介会", "exchange", 9, 3),
        ("志愿者骨干培训", "training", 9, 3),
        ("果园直播间搭建指导", "service", 9, 4),
    ],
    "ecommerce": [
        ("直播带货培训班", "training", 9, 3),
        ("网店运营实操课", "training", 14, 3),
        ("乡村电商助农直播", "service", 14, 4),
        ("电商培训结业仪式", "ceremony", 14, 2),
    ],
    "industry": [
        ("供需对接交流会", "exchange", 14, 2),
        ("中小企业发展沙龙", "exchange", 14, 2),
        ("企业用工政策宣讲", "training", 9, 2),
        ("企业进村结对帮扶", "service", 9, 3),
    ],
    "culture": [
        ("文明实践文艺演出", "service", 19, 2),
        ("社区文化志愿服务", "service", 9, 3),
        ("关爱留守儿童读书会", "service", 9, 2),
        ("志愿服务授旗仪式", "ceremony", 10, 2),
    ],
    "finance-tax": [
        ("小微企业免费税务咨询", "service", 9, 3),
        ("个税政策宣讲会", "training", 14, 2),
        ("创业者财务入门课", "training", 19, 2),
        ("乡村合作社记账辅导", "service", 14, 3),
    ],
}
# The named programme of each group: (name, description).
BRANDS = {
    "agriculture": ("田间直播间", "每周把果园和茶山搬进直播间（演示）。"),
    "ecommerce": ("电商大讲堂", "面向商户和村民的电商系列课程（演示）。"),
    "industry": ("企业家沙龙", "每月一次的供需对接沙龙（演示）。"),
    "culture": ("文化进万家", "文艺志愿者走进社区和乡村（演示）。"),
    "finance-tax": ("每月税务咨询日", "每月第一个周六上午的免费税务咨询（演示）。"),
}
# Themes by their place in the admin's list (rural revitalisation, civilisation creation,
# common prosperity, industry, culture as shipped): the group's usual two.
THEMES = {
    "agriculture": (0, 2),
    "ecommerce": (3, 0),
    "industry": (3, 2),
    "culture": (4, 1),
    "finance-tax": (3, 2),
}
# The demo volunteer's last 15 months with the culture group, a recurring programme about twice
# a month: 32 activities, 112 approved hours, so their page shows one star (100 hours)
# earned the way a real volunteer earns it, never more hours than an activity lasted.
RECORD_BRAND = ("文明实践周末行", "周末走进社区和乡村的文明实践志愿服务（演示）。")
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
KIND_SIZE = {"training": 1.3, "exchange": 0.8, "ceremony": 1.6, "service": 1.0}
NICE_CAPACITIES = (5, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80)
SIGNUPS_PER_MEMBER = 3.6  # a year's sign-ups to the groups' own activities, on average
REJECTION = "演示：本服务团暂不招募该专业方向的志愿者。"

MS = Membership.Status
AS = Activity.Status
REPORT = "演示数据：活动总结。"


def joined_at(index: int, now) -> datetime.datetime:
    """When demo member ``index`` registered: over half before the last year, the others
    during it."""
    rng = random.Random(f"member-{index}")
    if rng.random() < 0.55:
        return at(timezone.localtime(now).date(), 10) - datetime.timedelta(
            days=rng.randint(366, 1100)
        )
    return at(seasonal_day(rng, now, 1, 365), rng.uniform(8, 22))


def membership_rows(member, index: int, groups: list, deciders: dict, now) -> list[tuple]:
    """Member ``index``'s applications to ``groups`` (their own first, a second one later):
    approved within a week by the group's coordinator, some still waiting, one in
    twenty-three second applications rejected; one in sixteen left their group in the
    last year. Rows for ``insert_with_history``."""
    rng = random.Random(f"memberships-{index}")
    joined, rows = member.created_at, []
    for number, group in enumerate(groups):
        days = rng.uniform(0, 3) if number == 0 else rng.uniform(5, 200)
        applied = joined + datetime.timedelta(days=days)
        if applied >= now:
            continue
        decided = applied + datetime.timedelta(hours=rng.uniform(4, 24 * 7))
        by = deciders[group.slug]
        membership = Membership(member_id=member.pk, group=group, created_at=applied)
        story = [Step(applied, MembershipEvent.APPLIED, member.user_id, {"status": MS.APPLIED})]
        decision = {"decided_at": decided, "decided_by_id": by}
        if decided >= now:
            pass  # still waiting for a decision
        elif number == 1 and index % 23 == 7:
            changes = decision | {"status": MS.REJECTED, "rejection_reason": REJECTION}
            story.append(Step(decided, MembershipEvent.REJECTED, by, changes))
        else:
            story.append(
                Step(decided, MembershipEvent.APPROVED, by, decision | {"status": MS.ACTIVE})
            )
            since = max(decided + datetime.timedelta(days=30), now - datetime.timedelta(days=365))
            if number == 0 and index % 16 == 3 and since < now:
                left = since + (now - since) * rng.uniform(0.05, 0.95)
                changes = {"status": MS.LEFT, "left_at": left}
                story.append(Step(left, MembershipEvent.LEFT, member.user_id, changes))
        rows.append((membership, story))
    return rows


Plan = namedtuple("Plan", "index activity steps opens closes volunteers oversubscribed done")


def seed_activities(groups: dict, first: int, count: int, *, per_activity: float, deciders, now):
    """The groups' demo activities ``first`` to ``count``, in turn: over the last year
    (busier months likelier) and one in twelve in the next month; a few cancelled, a few
    upcoming still drafts. Each has its sign-ups (some cancel, some move up from a waiting
    list), the past ones attendance and hours, approved a few days after (the latest still
    waiting). Returns the upcoming published activities made."""
    themes = list(Theme.objects.order_by("pk"))
    brands = {
        slug: Brand.objects.get_or_create(
            group=groups[slug], name=name, defaults={"description": text}
        )[0]
        for slug, (name, text) in BRANDS.items()
    }
    pools, busy = group_pools(("198", "197")), busy_days()
    plans = [
        _plan(index, groups, brands, deciders, now, per_activity, pools, busy)
        for index in range(first, count)
    ]
    insert_with_history(Activity, [(p.activity, p.steps) for p in plans], dated=("created_at",))
    through = Activity.themes.through
    links = []
    for plan in plans if themes else ():
        for n in THEMES[plan.activity.group.slug][: 1 + plan.index % 2]:
            theme = themes[n % len(themes)]
            links.append(through(activity_id=plan.activity.pk, theme_id=theme.pk))
    through.objects.bulk_create(links, batch_size=2000)
    signups, hours = [], []
    for plan in plans:
        if plan.opens is None:  # a draft: nobody can sign up yet
            continue
        rng = random.Random(f"signups-{plan.index}")
        activity = plan.activity
        rows = signup_story(
            activity,
            plan.volunteers,
            rng=rng,
            opens=plan.opens,
            closes=plan.closes,
            oversubscribed=plan.oversubscribed,
        )
        signups += rows
        if plan.done is not None:
            by = deciders[activity.group.slug]
            came = record_attendance(rows, activity, rng=rng, when=plan.done, by=by)
            approved = plan.done + datetime.timedelta(hours=rng.uniform(3, 24 * 7))
            approved = approved if approved < now else None
            hours += [(signup, plan.done, approved, by) for signup in came]
    insert_with_history(SignUp, signups)
    insert_hours(hours, rng=random.Random(f"hours-{first}"), now=now)
    ahead = [plan.activity for plan in plans if plan.activity.starts_at > now]
    return [activity for activity in ahead if activity.status == AS.PUBLISHED]


def _plan(index, groups, brands, deciders, now, per_activity, pools, busy) -> Plan:
    rng = random.Random(f"activity-{index}")
    slug = list(ACTIVITY_TITLES)[index % len(ACTIVITY_TITLES)]
    own = ACTIVITY_TITLES[slug]
    number = index // len(ACTIVITY_TITLES) % len(own)
    title, kind, hour, length = own[number]
    group, by = groups[slug], deciders[slug]
    today = timezone.localtime(now).date()
    # One in twelve ahead; more among the first twelve, so even a small demo shows a
    # home page of upcoming activities.
    first = index < 12
    upcoming = index % 12 == 6 or (first and index % 2 == 1)
    if upcoming:
        day = today + datetime.timedelta(days=rng.randint(1, 30))
    else:
        day = seasonal_day(rng, now, 1, 365)
    start = at(day, hour)
    created = start - datetime.timedelta(days=rng.uniform(7, 35))
    if created > now:
        created = now - datetime.timedelta(hours=rng.uniform(2, 72))
    published = min(created + datetime.timedelta(hours=rng.uniform(1, 48)), now)
    activity = Activity(
        group=group,
        title=f"{DEMO_ACTIVITY_PREFIX}{title}",
        kind=kind,
        brand=brands[slug] if number == 0 else None,
        description="演示数据：活动介绍。",
        location=f"漳州市演示地点 {index + 1} 号",
        district=District.values[rng.randrange(len(District.values))],
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=length),
        created_by_id=by,
        created_at=created,
    )
    steps = [Step(created, ActivityEvent.SAVED, by, {"status": AS.DRAFT})]
    fate = 1.0 if first and upcoming else rng.random()
    if upcoming and fate < 0.04:  # still being prepared
        return Plan(index, activity, steps, None, None, [], False, None)
    steps.append(Step(published, ActivityEvent.PUBLISHED, by, {"status": AS.PUBLISHED}))
    closes, done = min(start, now), None
    if fate < 0.07:
        closes = published + (closes - published) * rng.uniform(0.3, 0.95)
        steps.append(Step(closes, ActivityEvent.CANCELLED, by, {"status": AS.CANCELLED}))
    elif not upcoming:
        finished = activity.ends_at + datetime.timedelta(hours=rng.uniform(1, 48))
        if finished < now:
            done = finished
            served = round(rng.uniform(20, 300) if kind == "service" else rng.uniform(15, 80))
            changes = {"status": AS.COMPLETED, "beneficiaries": served, "report": REPORT}
            steps.append(Step(done, ActivityEvent.COMPLETED, by, changes))
    size = per_activity * KIND_SIZE[kind] * rng.uniform(0.6, 1.4)
    style = rng.random()
    wanted = round(size) if style < 0.6 else round(size * rng.uniform(1.1, 1.3))
    volunteers = pick_volunteers(pools.get(group.pk), wanted, start, rng, busy)
    oversubscribed = style >= 0.6 and len(volunteers) >= 3
    if oversubscribed:  # a waiting list: more came than there were places
        extra = max(1, round(len(volunteers) * rng.uniform(0.1, 0.25)))
        activity.capacity = len(volunteers) - extra
    elif style >= 0.25:  # room to spare (no limit for the others)
        roomy = [c for c in NICE_CAPACITIES if c > len(volunteers)]
        activity.capacity = roomy[0] if roomy else None
    return Plan(index, activity, steps, published, closes, volunteers, oversubscribed, done)


def join_upcoming(member, activities: list, now, *, most: int = 3) -> int:
    """Sign ``member`` (the demo volunteer) up for the first few upcoming ``activities``,
    one a day, so their page has something ahead; on the waiting list where it is full."""
    days, rows = set(), []
    for activity in sorted(activities, key=lambda a: a.starts_at):
        day = timezone.localtime(activity.starts_at).date()
        if len(rows) == most or day in days:
            continue
        days.add(day)
        taken = activity.signups.filter(status=SignUp.Status.CONFIRMED).count()
        full = activity.capacity is not None and taken >= activity.capacity
        status = SignUp.Status.WAITING if full else SignUp.Status.CONFIRMED
        when = now - datetime.timedelta(hours=len(rows) + 1)
        signup = SignUp(activity=activity, member_id=member.pk, created_at=when)
        rows.append(
            (signup, [Step(when, SignUpEvent.SIGNED_UP, member.user_id, {"status": status})])
        )
    insert_with_history(SignUp, rows)
    return len(rows)


def record_brand(group) -> Brand:
    name, text = RECORD_BRAND
    return Brand.objects.get_or_create(group=group, name=name, defaults={"description": text})[0]


def seed_record(group, volunteer, by: int, now) -> int:
    """The demo volunteer's last 15 months of service with ``group`` (``RECORD_ACTIVITIES``,
    with some of its members), once: they always came and stayed to the end."""
    brand = record_brand(group)
    if brand.activities.exists():
        return 0
    today, rows = timezone.localtime(now).date(), []
    for index in range(RECORD_SIZE):
        title, kind, hour, length = RECORD_ACTIVITIES[index % len(RECORD_ACTIVITIES)]
        start = at(today - datetime.timedelta(days=30 + RECORD_EVERY_DAYS * index), hour)
        end, created = start + datetime.timedelta(hours=length), start - datetime.timedelta(days=14)
        activity = Activity(
            group=group,
            title=f"{DEMO_ACTIVITY_PREFIX}{title}",
            kind=kind,
            brand=brand,
            description="演示数据：活动介绍。",
            location=f"漳州市演示社区 {index % 9 + 1} 号",
            district=District.values[index % len(District.values)],
            starts_at=start,
            ends_at=end,
            capacity=20,
            created_by_id=by,
            created_at=created,
        )
        done = {"status": AS.COMPLETED, "beneficiaries": 40 + (index * 37) % 160, "report": REPORT}
        steps = [
            Step(created, ActivityEvent.SAVED, by, {"status": AS.DRAFT}),
            Step(created, ActivityEvent.PUBLISHED, by, {"status": AS.PUBLISHED}),
            Step(end + datetime.timedelta(hours=2), ActivityEvent.COMPLETED, by, done),
        ]
        rows.append((activity, steps))
    insert_with_history(Activity, rows, dated=("created_at",))
    pools, busy = group_pools(("198",)), busy_days()
    signups, hours = [], []
    for index, (activity, steps) in enumerate(rows):
        rng = random.Random(f"record-{index}")
        others = pick_volunteers(pools.get(group.pk), 5 + index % 5, activity.starts_at, rng, busy)
        done = steps[-1].when
        for position, member in enumerate([volunteer, *others]):
            joined = activity.starts_at - datetime.timedelta(days=6, hours=position)
            signup = SignUp(activity=activity, member_id=member.pk, created_at=joined)
            confirmed = {"status": SignUp.Status.CONFIRMED}
            story = [  # the volunteer, first, stays to the end
                Step(joined, SignUpEvent.SIGNED_UP, member.user_id, confirmed),
                Step(done, SignUpEvent.ATTENDANCE, by, attendance(activity, position)),
            ]
            signups.append((signup, story))
            approved = min(now, activity.ends_at + datetime.timedelta(days=1))
            hours.append((signup, done, approved, by))
    insert_with_history(SignUp, signups)
    insert_hours(hours, rng=random.Random("record-hours"), now=now, corrections=0)
    return len(rows)


def attendance(activity, position: int) -> dict:
    """Checked in at the start and out at the end; one in seven of the others left an hour
    early (on activities of more than two hours)."""
    leaves_early = position % 7 == 3 and activity.duration_hours > 2
    out = activity.ends_at - datetime.timedelta(hours=1 if leaves_early else 0)
    return {"attended": True, "checked_in_at": activity.starts_at, "checked_out_at": out}

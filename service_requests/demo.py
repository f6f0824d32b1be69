"""Fictional service requests for the demo (``seed_demo --requests N``), spread over the
last year: received online, by phone, at the desk or at events from every district,
dispatched, taken on and served by the groups' volunteers (an activity each, with its
sign-ups, attendance and hours), rated (mostly four or five stars) and closed, or
withdrawn; the recent ones still open. The first eight are one in each state, whatever
the number. Each move is written with the history the services record, at its own time
(``activities.demo``); no one is emailed.
"""

from __future__ import annotations

import datetime
import random

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

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
)
from activities.models import Activity, ActivityEvent, SignUp, SignUpEvent
from groups.models import LeaderAssignment, ServiceGroup
from service_requests.models import RequestEvent, ServiceRequest
from service_requests.services import OFFER_HOURS
from service_requests.transitions import MOVES

MARK = "（演示）"
S = ServiceRequest.Status
AS = Activity.Status
DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)

# (who asks, organisation, district, the kind of help chosen or None for "not sure", the
# group that serves it, what is needed)
ASKS = [
    ("林阿姨", "南靖县书洋镇", "nanjing", "ecommerce", "ecommerce",
     "想学习在网上卖芦柑和蜜柚，请人教直播带货。"),
    ("陈老板", "漳州某小微企业", "longwen", None, "finance-tax",
     "新办企业，不清楚怎么报税，希望有人讲解。"),
    ("王村长", "平和县坂仔镇", "pinghe", "culture", "culture",
     "村里想办一场中秋文艺晚会，请帮忙策划和演出。"),
    ("郑女士", "芗城区某社区", "xiangcheng", None, "culture",
     "社区老人想了解防诈骗知识，请来讲座。"),
    ("黄先生", "龙海区某合作社", "longhai", "ecommerce", "ecommerce",
     "合作社想开网店，需要拍摄和装修店铺的指导。"),
    ("吴校长", "华安县某小学", "huaan", "culture", "culture",
     "学校想请人来上书法和剪纸兴趣课。"),
    ("蔡师傅", "长泰区某茶叶合作社", "changtai", "agriculture", "agriculture",
     "今年的茶叶想在网上卖，请人帮忙搭直播间。"),
    ("方大姐", "云霄县某枇杷种植户", "yunxiao", "agriculture", "agriculture",
     "枇杷快熟了，想请志愿者帮忙直播推介。"),
    ("许经理", "漳浦县某食品厂", "zhangpu", "industry", "industry",
     "想找本地的包装材料供应商，请帮忙对接。"),
    ("沈会计", "诏安县某商会", "zhaoan", "finance-tax", "finance-tax",
     "商会会员想听一场小微企业税收优惠政策讲解。"),
    ("欧阳女士", "东山县某渔村", "dongshan", None, "agriculture",
     "渔村的海产品想在网上卖，不知道从哪里开始。"),
    ("戴主任", "龙文区某街道", "longwen", "industry", "industry",
     "街道想办一场企业招聘对接会，请帮忙联系企业。"),
]  # fmt: skip
# The first eight requests, one in each state.
STAGES = [S.SUBMITTED, S.DISPATCHED, S.ACCEPTED, S.IN_SERVICE, S.COMPLETED, S.RATED, S.CLOSED,
          S.WITHDRAWN]  # fmt: skip
# The move after which a request is in that state.
LAST_MOVE = {S.SUBMITTED: "submit", S.DISPATCHED: "dispatch", S.ACCEPTED: "accept",
             S.IN_SERVICE: "start", S.COMPLETED: "complete", S.RATED: "rate",
             S.CLOSED: "close", S.WITHDRAWN: "withdraw"}  # fmt: skip
STATE_AFTER = {move: state for state, move in LAST_MOVE.items()} | {
    "decline": S.SUBMITTED, "lapse": S.CLOSED,
}  # fmt: skip
CHANNELS = ["online"] * 10 + ["phone"] * 5 + ["walk_in"] * 3 + ["event"] * 2
RATINGS = [5] * 11 + [4] * 6 + [3] * 2 + [2, 1]
COMMENTS = {
    5: "志愿者非常专业，讲得清楚，谢谢！",
    4: "服务很好，时间安排可以再灵活些。",
    3: "基本解决了问题，希望后续还能跟进。",
    2: "来的人太少，很多问题没讲透。",
    1: "约好的时间等了很久，有些失望。",
}
DECLINE = "本团近期人手不足，建议改派其他服务团（演示）。"
CANCEL = "申请人来电说明已不需要（演示）。"


def seed_requests(count: int, *, admin, now: datetime.datetime | None = None) -> int:
    """Make demo requests up to ``count`` in all; returns how many were made now."""
    have = ServiceRequest.objects.filter(description__endswith=MARK).count()
    if have >= count:
        return 0
    now = now or timezone.now()
    groups = {g.slug: g for g in ServiceGroup.objects.filter(is_active=True)}
    leads = dict(
        LeaderAssignment.objects.current()
        .filter(member__user__isnull=False)
        .values_list("group_id", "member__user_id")
    )
    plans = [_plan(index, now, groups, leads, admin.pk) for index in range(have, count)]
    insert_with_history(
        ServiceRequest,
        [(p["request"], p["steps"]) for p in plans],
        dated=("created_at", "last_action_at"),
    )
    _serve(plans, now)
    return len(plans)


def _plan(index: int, now, groups: dict, leads: dict, admin_id: int) -> dict:
    """One request's life: its moves up to now, each with its time, who and what changed."""
    rng = random.Random(f"request-{index}")
    name, organisation, district, wanted, serves, need = ASKS[index % len(ASKS)]
    group = groups.get(serves) or next(iter(groups.values()))
    lead = leads.get(group.pk, admin_id)
    stage = STAGES[index] if index < len(STAGES) else None
    moves, start, hour = _moves(rng, stage)
    if stage is None:
        created = at(seasonal_day(rng, now, 0, 364), rng.uniform(8, 21))
        created = min(created, now - HOUR * rng.uniform(0.2, 3))
        timeline = _timeline(created, moves, start, hour)
    else:  # back from now, half an hour at a time, until it is in its stage
        for back in range(1, 24 * 2 * 120):
            created = now - back * HOUR / 2
            timeline = _timeline(created, moves, start, hour)
            if _state(timeline, now) == stage:
                break
    channel = CHANNELS[rng.randrange(len(CHANNELS))]
    staff = channel != ServiceRequest.Channel.ONLINE
    request = ServiceRequest(
        requester_name=name,
        organisation=organisation,
        phone=f"1980{index % 10_000_000:07d}",  # fictional, like the demo accounts
        district=district,
        wanted_group=groups.get(wanted) if wanted else None,
        description=need + MARK,
        preferred_dates="周末",
        beneficiaries=rng.randint(15, 200),
        channel=channel,
        entered_by_id=admin_id if staff else None,
        created_at=created,
        last_action_at=created,
    )
    served = max(5, round(request.beneficiaries * rng.uniform(0.6, 1.1)))
    rating = RATINGS[rng.randrange(len(RATINGS))]
    changes = {
        "submit": {"status": S.SUBMITTED},
        "dispatch": {"status": S.DISPATCHED, "group": group, "decline_reason": ""},
        "decline": {"status": S.SUBMITTED, "group": None, "decline_reason": DECLINE},
        "accept": {"status": S.ACCEPTED, "volunteers_needed": rng.randint(1, 3)},
        "start": {"status": S.IN_SERVICE},
        "complete": {"status": S.COMPLETED, "people_served": served,
                     "delivery_notes": "已按约定完成服务（演示）。"},
        "rate": {"status": S.RATED, "rating": rating, "rating_comment": COMMENTS[rating]},
        "close": {"status": S.CLOSED},
        "lapse": {"status": S.CLOSED},
        "withdraw": {"status": S.WITHDRAWN},
    }  # fmt: skip
    dates = {"complete": "completed_at", "rate": "rated_at", "close": "closed_at",
             "lapse": "closed_at", "withdraw": "closed_at"}  # fmt: skip
    who = {"submit": admin_id if staff else None, "dispatch": admin_id, "rate": None,
           "withdraw": None, "lapse": None}  # fmt: skip
    if rng.random() < 0.4:  # the requester called; staff withdrew it for them ("cancel")
        who["withdraw"] = admin_id
        changes["withdraw"] = {"status": S.WITHDRAWN, "withdraw_reason": CANCEL}
    steps, times = [], {}
    for move, when in timeline[:-1]:  # the service's time aside
        if when > now:
            break
        extra = {dates[move]: when} if move in dates else {}
        event = RequestEvent.SUBMITTED if move == "submit" else MOVES[move].event
        change = changes[move] | extra | {"last_action_at": when}
        steps.append(Step(when, event, who.get(move, lead), change))
        times[move] = when
    service = dict(timeline)["service"]
    return {"index": index, "request": request, "steps": steps, "times": times,
            "group": group, "lead": lead, "service": service}  # fmt: skip


def _moves(rng: random.Random, stage) -> tuple[list, datetime.timedelta, int]:
    """A request's moves from its arrival (time offsets), when its service starts and at
    what hour. ``stage``: a life that gets there."""
    moves, t = [("submit", 0 * DAY)], 0 * DAY
    if stage is None and rng.random() < 0.06:  # the first group declines it
        t += DAY * rng.uniform(0.1, 2)
        moves.append(("dispatch", t))
        t += DAY * rng.uniform(0.5, 3)
        moves.append(("decline", t))
    for move, low, high in (("dispatch", 0.1, 3), ("accept", 0.3, 5)):
        t += DAY * rng.uniform(low, high)
        moves.append((move, t))
    start = t + DAY * rng.uniform(2, 14)  # the day of the service
    t = start
    moves.append(("start", t))
    t += DAY * rng.uniform(0.2, 3)
    moves.append(("complete", t))
    rated = stage in (S.RATED, S.CLOSED) or (stage is None and rng.random() < 0.65)
    if rated:
        t += DAY * rng.uniform(0.2, 12)
        moves.append(("rate", t))
        if stage == S.CLOSED or (stage is None and rng.random() < 0.7):
            moves.append(("close", t + DAY * rng.uniform(1, 10)))
    elif stage is None:
        moves.append(("lapse", t + DAY * settings.REQUEST_RATING_DAYS))
    if stage == S.WITHDRAWN or (stage is None and rng.random() < 0.08):
        cut = rng.randrange(1, [m for m, _ in moves].index("complete") + 1)
        moves = moves[:cut] + [("withdraw", (moves[cut - 1][1] + moves[cut][1]) / 2)]
    return moves, start, rng.choice((9, 14))


def _timeline(created, moves, start, hour) -> list[tuple[str, datetime.datetime]]:
    """The moves' times from ``created``: the service starts at ``hour`` o'clock on its
    day, and what follows moves with it. Ends with ``("service", its start)``."""
    raw = created + start
    service = at(timezone.localtime(raw).date(), hour)
    timeline = [(m, created + o + (service - raw if o >= start else 0 * DAY)) for m, o in moves]
    return [*timeline, ("service", service)]


def _state(timeline, now) -> str:
    done = [m for m, when in timeline if when <= now and m != "service"]
    return STATE_AFTER[done[-1]]


def _serve(plans: list[dict], now) -> None:
    """The activity of each request taken on (a draft, published when the coordinator asks
    volunteers, completed with the request, cancelled if it was withdrawn before), the
    volunteers asked (each accepting the place offered), their attendance and hours."""
    taken = [p for p in plans if "accept" in p["times"]]
    for plan in taken:
        plan["activity"], plan["activity_steps"] = _activity(plan, now)
    insert_with_history(
        Activity, [(p["activity"], p["activity_steps"]) for p in taken], dated=("created_at",)
    )
    requests = []
    for plan in taken:
        plan["request"].activity = plan["activity"]
        requests.append(plan["request"])
    ServiceRequest.objects.bulk_update(requests, ["activity"], batch_size=1000)
    # Its history names the activity from the acceptance on.
    ServiceRequest.history.filter(id__in=[r.pk for r in requests]).exclude(
        status__in=(S.SUBMITTED, S.DISPATCHED)
    ).update(
        activity_id=Subquery(
            ServiceRequest.objects.filter(pk=OuterRef("id")).values("activity_id")[:1]
        )
    )
    pools, busy = group_pools(("198", "197")), busy_days()
    signups, hours = [], []
    for plan in taken:
        activity, times, lead = plan["activity"], plan["times"], plan["lead"]
        invited = plan.get("invited")
        if invited is None:
            continue
        rng = random.Random(f"request-volunteers-{plan['index']}")
        pool = pools.get(activity.group_id)
        rows = []
        for volunteer in pick_volunteers(pool, activity.capacity, activity.starts_at, rng, busy):
            expiry = min(invited + OFFER_HOURS * HOUR, activity.starts_at)
            offered = {"status": SignUp.Status.OFFERED, "offer_expires_at": expiry}
            story = [
                Step(invited, SignUpEvent.INVITED, lead, {"status": SignUp.Status.WAITING}),
                Step(invited, SignUpEvent.OFFERED, None, offered),
            ]
            yes = invited + (expiry - invited) * rng.uniform(0.05, 0.8)
            if yes <= now:
                confirmed = {"status": SignUp.Status.CONFIRMED}
                story.append(Step(yes, SignUpEvent.OFFER_ACCEPTED, volunteer.user_id, confirmed))
            signup = SignUp(activity=activity, member_id=volunteer.pk, created_at=invited)
            rows.append((signup, story))
        signups += rows
        if "complete" in times and "withdraw" not in times:
            done = times["complete"]
            came = record_attendance(rows, activity, rng=rng, when=done, by=lead)
            approved = done + datetime.timedelta(hours=rng.uniform(3, 24 * 5))
            approved = approved if approved < now else None
            hours += [(signup, done, approved, lead) for signup in came]
    insert_with_history(SignUp, signups)
    insert_hours(hours, rng=random.Random(f"request-hours-{len(plans)}"), now=now)


def _activity(plan: dict, now) -> tuple[Activity, list[Step]]:
    request, times, lead = plan["request"], plan["times"], plan["lead"]
    rng = random.Random(f"request-activity-{plan['index']}")
    start, accepted = plan["service"], times["accept"]
    activity = Activity(
        group=plan["group"],
        title=_("Service request No. %(number)s") % {"number": request.pk},
        kind=Activity.Kind.SERVICE,
        eligibility=Activity.Eligibility.INVITED,
        capacity=request.volunteers_needed,
        starts_at=start,
        ends_at=start + HOUR * rng.choice((2, 2, 3)),
        location=request.organisation,
        district=request.district,
        created_by_id=lead,
        created_at=accepted,
    )
    steps = [Step(accepted, ActivityEvent.SAVED, lead, {"status": AS.DRAFT})]
    withdrawn = times.get("withdraw")
    invited = accepted + HOUR * rng.uniform(1, 24)
    if invited <= min(now, withdrawn or now):
        plan["invited"] = invited
        changes = {"status": AS.PUBLISHED, "offer_hours": OFFER_HOURS}
        steps.append(Step(invited, ActivityEvent.PUBLISHED, lead, changes))
    if withdrawn and withdrawn < start:
        steps.append(Step(withdrawn, ActivityEvent.CANCELLED, None, {"status": AS.CANCELLED}))
    elif "complete" in times and not withdrawn:
        changes = {"status": AS.COMPLETED, "beneficiaries": request.people_served,
                   "report": "演示数据：服务总结。"}  # fmt: skip
        steps.append(Step(times["complete"], ActivityEvent.COMPLETED, lead, changes))
    return activity, steps

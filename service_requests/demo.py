"""Fictional service requests for the demo (``seed_demo --requests N``), in every state,
made through the services as staff and requesters would."""

from __future__ import annotations

import datetime

from django.utils import timezone

from groups.models import ServiceGroup
from service_requests import services
from service_requests.models import ServiceRequest

MARK = "（演示）"
S = ServiceRequest.Status

# (who asks, organisation, district, group slug or None for "not sure", what is needed)
ASKS = [
    ("林阿姨", "南靖县书洋镇", "nanjing", "ecommerce",
     "想学习在网上卖芦柑和蜜柚，请人教直播带货。"),
    ("陈老板", "漳州某小微企业", "longwen", None,
     "新办企业，不清楚怎么报税，希望有人讲解。"),
    ("王村长", "平和县坂仔镇", "pinghe", "culture",
     "村里想办一场中秋文艺晚会，请帮忙策划和演出。"),
    ("郑女士", "芗城区某社区", "xiangcheng", None,
     "社区老人想了解防诈骗知识，请来讲座。"),
    ("黄先生", "龙海区某合作社", "longhai", "ecommerce",
     "合作社想开网店，需要拍摄和装修店铺的指导。"),
    ("吴校长", "华安县某小学", "huaan", "culture",
     "学校想请人来上书法和剪纸兴趣课。"),
]  # fmt: skip
# How far along each demo request gets, in turn.
STAGES = [S.SUBMITTED, S.DISPATCHED, S.ACCEPTED, S.IN_SERVICE, S.COMPLETED, S.RATED, S.CLOSED,
          S.WITHDRAWN]  # fmt: skip


def seed_requests(count: int, *, admin) -> int:
    """Make demo requests up to ``count`` in all; returns how many were made now."""
    have = ServiceRequest.objects.filter(description__endswith=MARK).count()
    groups = {g.slug: g for g in ServiceGroup.objects.filter(is_active=True)}
    fallback = next(iter(groups.values()))
    made = 0
    for index in range(have, count):
        ask, stage = ASKS[index % len(ASKS)], STAGES[index % len(STAGES)]
        name, organisation, district, slug, need = ask
        request = ServiceRequest(
            requester_name=name,
            organisation=organisation,
            phone=f"1980{index % 10_000_000:07d}",  # fictional, like the demo accounts
            district=district,
            wanted_group=groups.get(slug) if slug else None,
            description=need + MARK,
            preferred_dates="周末",
            beneficiaries=20 + index,
        )
        services.request_submit(request=request)
        _advance(request, stage, admin, groups.get(slug) or fallback, index)
        made += 1
    return made


def _advance(request, stage, admin, group, index) -> None:
    order = [S.DISPATCHED, S.ACCEPTED, S.IN_SERVICE, S.COMPLETED, S.RATED, S.CLOSED]
    if stage == S.WITHDRAWN:
        services.request_withdraw(request=request)
        return
    target = order.index(stage) if stage in order else -1
    steps = order[: target + 1]
    start = timezone.localtime().replace(
        hour=9 if index % 2 else 14, minute=0, second=0, microsecond=0
    ) + datetime.timedelta(days=3 + index % 10)
    for step in steps:
        request.refresh_from_db()
        if step == S.DISPATCHED and request.status == S.SUBMITTED:
            services.request_dispatch(actor=admin, request=request, group=group)
        elif step == S.ACCEPTED:
            services.request_accept(
                actor=admin, request=request, volunteers_needed=2, skills=[],
                starts_at=start, ends_at=start + datetime.timedelta(hours=2),
                location=request.organisation,
            )  # fmt: skip
        elif step == S.IN_SERVICE:
            services.request_start(actor=admin, request=request)
        elif step == S.COMPLETED:
            services.request_complete(
                actor=admin, request=request, delivery_notes="已按约定完成服务。",
                people_served=request.beneficiaries,
            )  # fmt: skip
        elif step == S.RATED:
            services.request_rate(request=request, rating=5 - index % 4, comment="谢谢志愿者！")
        elif step == S.CLOSED:
            services.request_close(actor=admin, request=request)

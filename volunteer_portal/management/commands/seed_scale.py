"""`manage.py seed_scale`: a province-sized talent database on top of ``seed_demo``, to
measure the pages at that size (``--members 1000000 --activities 100000 --signups 2000000``
takes about three minutes on two cores).

Rows are generated as CSV text in chunks (``volunteer_portal.scale``) and streamed to
PostgreSQL with COPY, in one transaction: no model objects, no change history, no emails.
The demo accounts keep their parts: the coordinator's e-commerce group gets ``--big-group``
active members in all, the demo volunteer ``--volunteer-signups`` sign-ups in all.
"""

from __future__ import annotations

import io
import random
import time
from importlib import import_module
from itertools import accumulate

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone, translation

from activities.demo import MONTH_WEIGHTS
from activities.models import Activity, ServiceHours, SignUp, Theme
from groups.models import LeaderAssignment, Membership, ServiceGroup
from members.models import District, Member, Skill, User
from reports.summary import invalidate as impact_summary_invalidate
from volunteer_portal import page_cache, scale
from volunteer_portal.demo_history import ACTIVITY_TITLES, THEMES

SHIPPED = import_module("groups.migrations.0003_five_service_groups").GROUPS
# The federation's kinds of group: the five shipped and ten more. A header line (slug,
# usual themes by place in the theme list, name, mission, English name), then its work:
# title, kind, local start hour, hours.
MORE_KINDS = """
law 1,2 法律援助服务团 提供免费法律咨询和普法宣传。 Legal Aid Service Group
    社区普法讲座 training 9 2 免费法律咨询 service 9 3
    民法典进乡村 service 14 2 企业合规交流会 exchange 14 2
health 1,2 医疗健康服务团 组织医务志愿者开展义诊和健康宣教。 Health Service Group
    义诊进社区 service 8 4 健康知识讲座 training 14 2
    急救技能培训 training 9 3 关爱老人健康行 service 9 3
tech 3,0 科技创新服务团 推动科技下乡和企业数字化转型。 Science and Innovation Service Group
    数字化转型沙龙 exchange 14 2 科技特派员下乡 service 9 4
    智能手机使用培训 training 14 2 青少年科普活动 service 9 3
education 2,1 教育帮扶服务团 为乡村学校和留守儿童提供教育帮扶。 Education Support Service Group
    乡村学校支教 service 8 4 留守儿童课业辅导 service 14 3
    家庭教育讲座 training 19 2 助学金发放仪式 ceremony 10 2
care 1 心理关爱服务团 开展心理健康宣传和心理疏导服务。 Counselling Service Group
    心理健康讲座 training 19 2 青少年心理疏导 service 14 3
    职场减压工作坊 exchange 19 2 心理咨询热线值守 service 9 4
green 1,0 生态环保服务团 守护青山绿水，倡导绿色生活。 Environmental Service Group
    九龙江护河行动 service 8 3 垃圾分类宣传 service 9 2
    植树造林志愿活动 service 8 4 生态环保讲座 training 14 2
safety 1 应急救援服务团 普及防灾减灾知识，参与应急救援。 Emergency Relief Service Group
    防灾减灾演练 training 9 3 防汛防台知识宣讲 training 14 2
    消防安全进社区 service 9 2 应急物资筹集 service 9 4
startup 3,2 青年创业服务团 帮助青年创业就业，对接政策与资源。 Young Entrepreneurs Service Group
    青年创业沙龙 exchange 19 2 创业政策解读会 training 14 2
    创业项目路演 exchange 14 3 大学生就业指导 service 9 3
heritage 4,1 非遗传承服务团 传承闽南文化和非物质文化遗产。 Intangible Heritage Service Group
    非遗文化进校园 service 14 3 传统手工艺体验 service 9 3
    闽南文化讲堂 training 19 2 木偶戏惠民演出 service 19 2
rural 0,2 乡村振兴服务团 服务乡村产业、人才和文化振兴。 Rural Revitalisation Service Group
    乡村振兴调研 service 9 4 特色农产品展销 exchange 9 4
    村集体经济发展座谈 exchange 14 2 美丽乡村建设志愿服务 service 8 4
"""
CITIES = scale.words("""福州市:fuzhou:Fuzhou 厦门市:xiamen:Xiamen 泉州市:quanzhou:Quanzhou
    漳州市:zhangzhou:Zhangzhou 莆田市:putian:Putian 三明市:sanming:Sanming 南平市:nanping:Nanping
    龙岩市:longyan:Longyan 宁德市:ningde:Ningde 平潭综合实验区:pingtan:Pingtan""")

FILLED = [ServiceGroup, Member, Member.skills.through, Membership, Activity, SignUp, ServiceHours,
          Activity.themes.through, Activity.skills_wanted.through]  # fmt: skip


def kinds() -> dict[str, tuple]:
    """slug: (name, English name, mission, themes, work)."""
    found = {
        g["slug"]: (g["name_zh"], g["name_en"], g["mission_zh"], THEMES[g["slug"]],
                    ACTIVITY_TITLES[g["slug"]])
        for g in SHIPPED
    }  # fmt: skip
    lines = scale._table(MORE_KINDS)
    for head, *work in zip(lines[::3], lines[1::3], lines[2::3], strict=True):
        slug, themes, name, mission, *english = head
        items = [w for line in work for w in line]
        work = [tuple(items[i : i + 2]) + (int(items[i + 2]), int(items[i + 3]))
                for i in range(0, len(items), 4)]  # fmt: skip
        found[slug] = (name, " ".join(english), mission, tuple(map(int, themes.split(","))), work)
    return found


def catalogue() -> list[tuple]:
    """Every group ``seed_scale`` may add, a kind of group in a city of Fujian or a county
    of Zhangzhou (Zhangzhou's own five are the shipped ones):
    ``(slug, name, English name, kind, city, district)``."""
    found, shipped = [], {g["slug"] for g in SHIPPED}
    with translation.override("en"):
        for kind, (name, english, *_) in kinds().items():
            for city, city_slug, city_en in (c.split(":") for c in CITIES):
                if city_slug != "zhangzhou" or kind not in shipped:
                    where = "" if city_slug == "zhangzhou" else city
                    found.append((f"{city_slug}-{kind}", city + name, f"{city_en} {english}",
                                  kind, where, ""))  # fmt: skip
            for value, label in District.choices:
                found.append((f"{value}-{kind}", scale.DISTRICT_ZH[value] + name,
                              f"{label} {english}", kind, "", value))  # fmt: skip
    return found


def copy(cursor, model, columns: str, text: str) -> None:
    """COPY CSV ``text`` into the table of ``model`` (psycopg2's ``copy_expert``)."""
    if text:
        sql = f"COPY {model._meta.db_table} ({columns}) FROM STDIN WITH (FORMAT csv)"
        cursor.copy_expert(sql, io.StringIO(text), 1 << 20)


class Command(BaseCommand):
    help = (
        "Fill a PostgreSQL database with a province-sized talent database after seed_demo: "
        "groups, members, activities, sign-ups and hours, loaded with COPY."
    )

    def add_arguments(self, parser):
        for option, default, what in (
            ("members", 1_000_000, "Members to add"),
            ("activities", 100_000, "Activities to add"),
            ("signups", 2_000_000, "Sign-ups to add"),
            ("groups", 100, "Service groups in all"),
            ("big-group", 50_000, "Active members of the e-commerce group in all"),
            ("volunteer-signups", 500, "Sign-ups of the demo volunteer in all"),
            ("seed", 1, "Random seed: the same seed, the same rows"),
        ):
            parser.add_argument(f"--{option}", type=int, default=default,
                                help=f"{what} (default {default:,}).")  # fmt: skip
        parser.add_argument("--force", action="store_true", help="Run even though DEBUG is off.")

    def handle(self, *args, **options):
        self._check(options)
        self.started = time.monotonic()
        rng, now = random.Random(options["seed"]), timezone.now()
        clock = scale.Clock(now, timezone.get_current_timezone(), 6 * 365 + 30, 70)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            groups = self._groups(rng, clock, options)
            people = self._members(cursor, rng, clock, groups, options)
            plans, first = self._activities(cursor, rng, clock, groups, people, options)
            self._signups(cursor, rng, clock, plans, first, people, options)
            for line in connection.ops.sequence_reset_sql(no_style(), FILLED):
                cursor.execute(line)
        self.step("sequences reset; committed (the foreign keys are checked then)")
        vacuum = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"  # outside only
        with connection.cursor() as cursor:
            cursor.execute(f"{vacuum} {', '.join(model._meta.db_table for model in FILLED)}")
        self.step(vacuum)
        # The rows went in past the services' hooks: cached pages and figures are old now.
        page_cache.invalidate()
        impact_summary_invalidate()
        self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - self.started:.0f} s."))

    def step(self, what: str) -> None:
        self.stdout.write(f"{time.monotonic() - self.started:7.1f} s  {what}")
        self.stdout.flush()

    def _check(self, options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "seed_scale loads with PostgreSQL's COPY, and this database is "
                f"{connection.vendor}: point DATABASE_URL to PostgreSQL."
            )
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG is off: this looks like production. A million fictional members would "
                "mix with real records. Pass --force if you really mean it."
            )
        demo = User.objects.filter(username__in=("coordinator", "volunteer"), member__isnull=False)
        if demo.count() != 2 or not ServiceGroup.objects.filter(slug="ecommerce").exists():
            raise CommandError(
                "Run seed_demo first: seed_scale builds on its accounts (coordinator, "
                "volunteer, each with a member record) and the shipped e-commerce group."
            )
        if ServiceGroup.objects.filter(slug__in=[row[0] for row in catalogue()]).exists():
            raise CommandError("seed_scale has already run on this database: start afresh.")
        for name in ("members", "activities", "signups", "big_group", "volunteer_signups"):
            if options[name] < 0:
                raise CommandError(f"--{name.replace('_', '-')} cannot be negative.")
        most = ServiceGroup.objects.count() + len(catalogue())
        if not ServiceGroup.objects.count() <= options["groups"] <= most:
            raise CommandError(f"--groups: at least the groups there are, at most {most}.")

    def _groups(self, rng, clock, options) -> list[scale.Group]:
        """The groups there are, and new ones from ``catalogue`` up to ``--groups``."""
        deciders = dict(
            LeaderAssignment.objects.current()
            .filter(role=LeaderAssignment.Role.COORDINATOR, member__user__isnull=False)
            .values_list("group_id", "member__user_id")
        )
        admin = User.objects.filter(is_superuser=True).order_by("pk").first()
        admin, known = admin and admin.pk, kinds()
        groups = []
        for g in ServiceGroup.objects.order_by("pk"):
            _, _, _, themes, work = known.get(g.slug, known["culture"])
            by = deciders.get(g.pk, admin)
            groups.append(scale.Group(g.pk, work, themes, by=by, weight=3.0))
            if g.slug == "ecommerce":
                self.ecommerce = groups[-1]
        chosen, rows = catalogue(), []
        rng.shuffle(chosen)
        for order, (slug, name, english, kind, city, district) in enumerate(
            chosen[: options["groups"] - len(groups)], start=1
        ):
            founded = clock.today.replace(year=clock.today.year - rng.randint(1, 6), day=1)
            rows.append(ServiceGroup(slug=slug, name_zh=name, name_en=english,
                                     mission_zh=known[kind][2], founded_on=founded,
                                     display_order=100 + order))  # fmt: skip
            _, _, _, themes, work = known[kind]
            groups.append(scale.Group(0, work, themes, city, district, admin))
        ServiceGroup.objects.bulk_create(rows)
        for row, group in zip(rows, groups[-len(rows) :] if rows else [], strict=True):
            group.pk, group.weight = row.pk, rng.uniform(0.5, 2.0)
        self.step(f"{len(rows):,} service groups ({len(groups)} in all)")
        return groups

    def _members(self, cursor, rng, clock, groups, options) -> scale.People:
        """The members, their skills and memberships: ``--big-group`` in e-commerce in all,
        the others spread unevenly over the other groups."""
        count, big, ecommerce = options["members"], options["big_group"], self.ecommerce
        need = big - Membership.objects.active().filter(group_id=ecommerce.pk).count()
        others = [g for g in groups if g is not ecommerce]
        if not 0 <= need <= count or (count > need and not others):
            raise CommandError(f"--big-group {big} cannot be reached with --members {count}.")
        group_of = [ecommerce.pk] * need + rng.choices(
            [g.pk for g in others], [g.weight for g in others], k=count - need
        )
        rng.shuffle(group_of)
        people = scale.People(rng, clock, group_of, next_id(cursor, Member))
        ids = {"skills": next_id(cursor, Member.skills.through) - 1,
               "memberships": next_id(cursor, Membership) - 1}  # fmt: skip
        before = dict(ids)
        taken = set(Member.objects.exclude(phone="").values_list("phone", flat=True))
        skills = list(Skill.objects.order_by("pk").values_list("pk", flat=True))
        deciders = {g.pk: g.by or "" for g in groups}
        rows = scale.member_rows(rng, clock, people, skills, taken, ids, deciders)
        for members, links, memberships in rows:
            copy(cursor, Member, scale.COLUMNS["member"], members)
            copy(cursor, Member.skills.through, "id, member_id, skill_id", links)
            copy(cursor, Membership, scale.COLUMNS["membership"], memberships)
        self.step(
            f"{count:,} members, {ids['skills'] - before['skills']:,} member skills, "
            f"{ids['memberships'] - before['memberships']:,} memberships"
        )
        # Activities by group size; e-commerce (the demo coordinator's) half as many again.
        for group in others:
            group.weight = len(people.pools.get(group.pk, ())) + 0.01
        share = min(0.4, 1.5 * big / max(1, count + big - need))
        ecommerce.weight = share / (1 - share) * sum(g.weight for g in others)
        return people

    def _activities(self, cursor, rng, clock, groups, people, options):
        first, count = next_id(cursor, Activity), options["activities"]
        plans = plan_activities(rng, clock, groups, count)
        count_signups(rng, plans, people, options["signups"])
        themes = list(Theme.objects.order_by("pk").values_list("pk", flat=True))
        usual = {g.pk: list(dict.fromkeys(themes[i % len(themes)] for i in g.themes))
                 for g in groups if themes}  # fmt: skip
        skills = list(Skill.objects.order_by("pk").values_list("pk", flat=True))
        made = {"themes": 0, "skills": 0}
        for start in range(0, count, scale.CHUNK):
            rows, links = [], {"themes": [], "skills": []}
            for number in range(start, min(count, start + scale.CHUNK)):
                p, pk = plans[number], first + number
                rows.append(p.row(pk, rng, clock.text))
                for theme in usual.get(p.group.pk, [])[: 1 + pk % 2]:
                    links["themes"].append(f"{pk},{theme}")
                if skills and rng.random() < 0.3:
                    for skill in rng.sample(skills, min(len(skills), 1 + (rng.random() < 0.3))):
                        links["skills"].append(f"{pk},{skill}")
            copy(cursor, Activity, scale.COLUMNS["activity"], "\n".join(rows))
            themed, wanted = "\n".join(links["themes"]), "\n".join(links["skills"])
            copy(cursor, Activity.themes.through, "activity_id, theme_id", themed)
            copy(cursor, Activity.skills_wanted.through, "activity_id, skill_id", wanted)
            made = {name: made[name] + len(found) for name, found in links.items()}
        self.step(
            f"{count:,} activities, {made['themes']:,} themes, {made['skills']:,} skills wanted"
        )
        return plans, first

    def _signups(self, cursor, rng, clock, plans, first, people, options) -> None:
        volunteer = Member.objects.get(user__username="volunteer")
        theirs = SignUp.objects.filter(member=volunteer)
        need = max(0, options["volunteer_signups"] - theirs.count())
        busy = [(minutes(start), minutes(end)) for start, end in
                theirs.live().values_list("activity__starts_at", "activity__ends_at")]  # fmt: skip
        groups = set(volunteer.memberships.active().values_list("group_id", flat=True))
        ahead = round(need * 0.15)  # as the next two months are of the fourteen
        found = choose_for_volunteer(rng, clock.now, plans, groups, busy, need - ahead, ahead)
        if sum(found) < need:
            raise CommandError(f"Only {sum(found)} activities fit the volunteer's {need} sign-ups.")
        ids = {"signups": next_id(cursor, SignUp) - 1, "hours": next_id(cursor, ServiceHours) - 1}
        before = dict(ids)
        rows = scale.signup_rows(rng, clock, plans, first, people, volunteer.pk, ids)
        for signups, hours in rows:
            copy(cursor, SignUp, scale.COLUMNS["signup"], signups)
            copy(cursor, ServiceHours, scale.COLUMNS["hours"], hours)
        self.step(
            f"{ids['signups'] - before['signups']:,} sign-ups ({need} of them the demo "
            f"volunteer's), {ids['hours'] - before['hours']:,} hours entries"
        )


def plan_activities(rng, clock: scale.Clock, groups: list, count: int) -> list[scale.Plan]:
    """``count`` activities of ``groups`` (by weight) over the last year and the next two
    months, the busier months likelier, in the order they were created (the ids' order).
    The past ones completed, a few not yet, one in fifty cancelled."""
    now, offsets = clock.now, range(-365, 61)
    days = rng.choices(offsets, weights=[MONTH_WEIGHTS[clock.month(d)] for d in offsets], k=count)
    midnight = {d: clock.local_midnight(d) for d in offsets}
    chosen = rng.choices(groups, cum_weights=list(accumulate(g.weight for g in groups)), k=count)
    plans = []
    for day, group in zip(days, chosen, strict=True):
        p = scale.Plan()
        p.group, (base, p.kind, hour, length) = group, rng.choice(group.work)
        p.district, place = "", ""
        if group.city:
            p.location = group.city + rng.choice(scale.VENUES)
        else:
            p.district = group.district or rng.choice(District.values)
            place = rng.choice(scale.TOWNS[p.district])
            p.location = f"漳州市{scale.DISTRICT_ZH[p.district]}{place}{rng.choice(scale.VENUES)}"
        p.title = f"{base}（第{rng.randint(1, 40)}期）"
        if place and rng.random() < 0.5:
            p.title = place + base
        p.start = midnight[day] + hour * 60 + rng.choice((0, 0, 0, 30))
        p.end = p.start + length * 60
        p.created = p.start - int(rng.uniform(7, 35) * scale.DAY)
        if p.created >= now:
            p.created = now - int(rng.uniform(120, 4320))
        p.opens = min(p.created + int(rng.uniform(60, 2880)), now - 1)
        p.signup_closes = None
        if rng.random() < 0.15 and p.start - scale.DAY > p.opens + scale.DAY:
            p.signup_closes = p.start - scale.DAY
        p.closes = min(p.signup_closes or p.start, now)
        p.status, p.done = "published", None
        if p.end < now:
            fate, done = rng.random(), p.end + int(rng.uniform(60, 2880))
            if fate < 0.02:
                p.status, p.closes = "cancelled", p.opens + (p.closes - p.opens) // 2
            elif done < now and fate < 0.93:
                p.status, p.done = "completed", done
        p.members_only = rng.random() < 0.2
        p.offer_hours = rng.choice((24, 48)) if rng.random() < 0.25 else None
        p.count, p.capacity, p.volunteer = 0, None, False
        plans.append(p)
    plans.sort(key=lambda p: (p.created, p.start))
    return plans


def count_signups(rng, plans: list[scale.Plan], people: scale.People, total: int) -> None:
    """Share ``total`` sign-ups among the activities: by kind and chance, fewer where
    sign-up is still open, none where it never opened or was cancelled; at most half the
    group's members of the time. Then the places: no limit, room to spare, or fewer than
    came (a waiting list)."""
    weights, room = [], []
    for p in plans:
        w = 0.0
        if p.status != "cancelled" and p.closes > p.opens:
            w = scale.KIND_SIZE[p.kind] * rng.uniform(0.5, 1.5)
            if p.start > p.closes:  # still open: filled as far as the time gone
                w *= (p.closes - p.opens) / (p.start - p.opens)
        weights.append(w)
        room.append(people.known(p.group.pk, p.opens) // 2 if w else 0)
    if sum(room) < total:
        raise CommandError(f"Room for {sum(room):,} sign-ups only: add members or activities.")
    if total:
        for index in rng.choices(range(len(plans)), cum_weights=list(accumulate(weights)), k=total):
            plans[index].count += 1
    spare, order = 0, list(range(len(plans)))
    for p, limit in zip(plans, room, strict=True):
        spare, p.count = spare + max(0, p.count - limit), min(p.count, limit)
    rng.shuffle(order)
    while spare:
        for index in order:
            more = min(spare, room[index] - plans[index].count, 1 + spare // 1000)
            if more > 0:
                plans[index].count += more
                spare -= more
    for p in plans:
        style = rng.random()
        if style < 0.25 or p.count > 180:
            continue
        if style < 0.78 or p.count < 3:
            wanted = p.count * rng.uniform(1.0, 1.4)
            p.capacity = next(c for c in scale.NICE_CAPACITIES if c >= wanted)
        else:
            p.capacity = max(1, round(p.count * rng.uniform(0.7, 0.9)))


def choose_for_volunteer(rng, now: int, plans, groups: set[int], busy, past: int, ahead: int):
    """Mark ``past`` past and ``ahead`` upcoming activities the demo volunteer signs up
    for: open to them (public, or of their ``groups``), with sign-ups, never two at once
    (nor at their ``busy`` times, ``(start, end)``). Returns how many were found."""
    taken, found, wanted = list(busy), {True: 0, False: 0}, {True: ahead, False: past}
    order = list(range(len(plans)))
    rng.shuffle(order)
    for index in order:
        p = plans[index]
        later = p.start > now
        if found[later] == wanted[later] or not p.count or p.status == "cancelled":
            continue
        if (p.members_only and p.group.pk not in groups) or any(
            p.start < end and start < p.end for start, end in taken
        ):
            continue
        p.volunteer = True
        taken.append((p.start, p.end))
        found[later] += 1
    return found[False], found[True]


def next_id(cursor, model) -> int:
    cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {model._meta.db_table}")  # noqa: S608
    return cursor.fetchone()[0]


def minutes(when) -> int:
    return int(when.timestamp()) // 60

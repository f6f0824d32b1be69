"""Rows for ``seed_scale``: a province-sized talent database, written as CSV text for
PostgreSQL's COPY, never as model objects.

Times are whole minutes since the epoch (UTC) until they are written. Everything follows
from one ``random.Random``: the same seed gives the same rows. The people are fictional;
names, employers and places are made of common parts, so they repeat as real ones do (a
search by a surname or by an employer's trade finds thousands).
"""

from __future__ import annotations

import datetime
from bisect import bisect_right
from itertools import accumulate

from members.models import District, Education, Industry, PersonnelCategory, PoliticalStatus

DAY = 1440
EMPTY = '""'  # an empty string in COPY's CSV (a bare empty field is NULL)


def _table(text: str) -> list[list[str]]:
    return [words(line) for line in text.strip().splitlines()]


def words(text: str) -> list[str]:
    return text.split()


# fmt: off
# Fujian's surnames, commonest first (陈, 林 and 黄 lead there), weighted by rank.
SURNAMES = ("陈林黄张吴李王郑刘杨蔡许洪谢郭曾苏叶庄何周徐江魏朱方游柯卢高"
            "胡邱罗沈赖戴余廖彭施潘詹姚钟翁萧康傅严涂肖")
SURNAME_WEIGHTS = list(accumulate(1 / (rank + 2) ** 0.9 for rank in range(len(SURNAMES))))
GIVEN = {"male": "伟强磊军洋勇杰涛明超辉华建国志文斌鹏宇浩俊峰晨昊博凯鑫哲阳海林东"
                 "兴荣福平鸿翔宏振",
         "female": "芳娜敏静丽艳娟霞秀玲婷雪慧颖琳倩洁佳怡欣雨萱梦诗晓丹燕红萍莉悦琪"
                   "涵蕾薇月彤瑶淑珊"}
# seed_demo's own numbers start with 197, 198 and 199.
PHONE_PREFIXES = [f"13{d}" for d in range(10)] + [f"18{d}" for d in range(10)] + [
    "150", "151", "152", "153", "155", "156", "157", "158", "159", "166", "173", "175", "176",
    "177", "178", "191", "193", "195", "196"]
PLACES = words("漳州 福建 厦门 泉州 福州 龙海 漳浦 南靖 平和 东山")
BRANDS = words("""鑫源 恒达 宏泰 华信 嘉禾 正和 天成 永盛 金穗 瑞丰 博远 立信 致远 安泰 海峡
    闽南 九龙江 芗江 通达 兴业 万家 百川 远航 明德 新禾 青禾 晨光 星辰 和美 聚源""")
# An employer's ending : its industry : who works there (personnel categories).
EMPLOYER_KINDS = [k.split(":") for k in words("""
    电子商务有限公司:trade:enterprise,new_media 网络科技有限公司:it:enterprise,new_media
    信息技术有限公司:it:enterprise 会计师事务所:business_services:intermediary
    律师事务所:business_services:intermediary 税务师事务所:business_services:intermediary
    农业专业合作社:agriculture:enterprise,other 文化传媒有限公司:culture:new_media
    物流有限公司:logistics:enterprise 食品有限公司:manufacturing:enterprise
    供应链管理有限公司:logistics:enterprise 建筑工程有限公司:construction:enterprise
    商贸有限公司:trade:enterprise,other 咨询服务有限公司:business_services:intermediary
    教育科技有限公司:education:enterprise 茶业有限公司:agriculture:enterprise
    水产有限公司:agriculture:enterprise 设计工作室:culture:freelancer
    新媒体工作室:culture:new_media,freelancer 社会工作服务中心:resident_services:intermediary
""")]
JOB_TITLES = {row[0]: row[1:] for row in _table("""
    enterprise 总经理 副总经理 技术总监 财务经理 人力资源经理 销售经理 工程师 运营经理 项目经理
    intermediary 律师 注册会计师 税务师 审计师 合伙人 咨询顾问 社工 秘书长
    freelancer 自由撰稿人 摄影师 设计师 翻译 培训讲师 独立开发者
    new_media 主播 短视频编导 新媒体运营 内容创作者 电商运营
    other 店长 个体经营者 教师 医生 农技员
""")}
QUALIFICATIONS = dict(q.split(":") for q in words("""
    律师:法律职业资格证书 注册会计师:注册会计师（CPA） 税务师:注册税务师 审计师:审计师
    工程师:中级工程师 财务经理:中级会计师 培训讲师:企业培训师（二级） 社工:社会工作者（中级）
    医生:执业医师 教师:教师资格证 电商运营:电子商务师 主播:互联网营销师
"""))
# Shares as the organisation recruits: value, weight.
SHARES = {row[0]: [(v, float(w)) for v, w in zip(row[1::2], row[2::2], strict=True)]
          for row in _table("""
    category enterprise 40 intermediary 20 freelancer 14 new_media 16 other 10
    political citizen 42 cpc 22 non_party 12 democratic_party 10 youth_league 11 cpc_probationary 3
    education junior_high 3 high_school 12 associate 25 bachelor 45 master 13 doctorate 2
""")}
# Zhangzhou's districts and counties: value, share of the members, Chinese name, some towns.
TOWNS = {row[0]: row[1:] for row in _table("""
    xiangcheng 18 芗城区 西桥街道 通北街道 浦南镇 天宝镇
    longwen 12 龙文区 步文街道 蓝田街道 朝阳街道
    longhai 16 龙海区 石码街道 角美镇 海澄镇 港尾镇
    changtai 6 长泰区 武安镇 岩溪镇
    yunxiao 7 云霄县 云陵镇 陈岱镇
    zhangpu 10 漳浦县 绥安镇 旧镇镇
    zhaoan 8 诏安县 南诏镇 四都镇
    dongshan 5 东山县 铜陵镇 西埔镇
    nanjing 6 南靖县 山城镇 书洋镇
    pinghe 7 平和县 小溪镇 坂仔镇
    huaan 3 华安县 华丰镇 仙都镇
""")}
SHARES["district"] = [(value, float(towns.pop(0))) for value, towns in TOWNS.items()] + [("", 8)]
DISTRICT_ZH = {value: towns.pop(0) for value, towns in TOWNS.items()}
VENUES = words("""新时代文明实践站 电商产业园 社区服务中心 村委会 文化礼堂 职业技术学校
    创业孵化基地 党群服务中心""")
# fmt: on
KIND_SIZE = {"training": 1.3, "exchange": 0.8, "ceremony": 1.6, "service": 1.0}
NICE_CAPACITIES = (5, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 150, 200)
REPORT = "活动按计划完成，志愿者服务认真，群众反响良好。"
CORRECTION_NOTE = "核对签到记录后更正。"
CHUNK = 50_000  # rows per COPY
JOINING = 11 * DAY  # from registering to being accepted in a group, at most (member_rows)

assert {v for v, _ in SHARES["category"]} == set(PersonnelCategory.values)
assert {v for v, _ in SHARES["political"]} == set(PoliticalStatus.values)
assert {v for v, _ in SHARES["education"]} == set(Education.values)
assert {v for v, _ in SHARES["district"]} == {"", *District.values} == {"", *TOWNS}
assert {industry for _, industry, _ in EMPLOYER_KINDS} <= set(Industry.values)
assert {c for *_, cats in EMPLOYER_KINDS for c in cats.split(",")} == set(JOB_TITLES)

# The columns each row gives, in order.
COLUMNS = {
    "member": "id, full_name, phone, email, created_at, updated_at, available_evenings, "
    "available_weekdays, available_weekends, bio, birth_date, birth_year, district, education, "
    "employer, gender, industry, job_title, national_id, personnel_category, photo, "
    "photo_thumbnail, political_status, qualifications, status",
    "membership": "id, status, created_at, updated_at, member_id, group_id, decided_at, "
    "decided_by_id, left_at, motivation, rejection_reason",
    "activity": "id, title, kind, description, location, district, starts_at, ends_at, "
    "signup_opens_at, signup_closes_at, capacity, offer_hours, eligibility, status, cover, "
    "beneficiaries, report, created_at, updated_at, created_by_id, group_id, brand_id",
    "signup": "id, activity_id, member_id, status, created_at, offer_expires_at, cancelled_at, "
    "attended, checked_in_at, checked_out_at, reminder_sent_at",
    "hours": "id, signup_id, hours, status, is_current, supersedes_id, note, recorded_by_id, "
    "recorded_at, approved_by_id, approved_at",
}


def weighted(rng, share: str, k: int) -> list:
    values, weights = zip(*SHARES[share], strict=True)
    return rng.choices(values, cum_weights=list(accumulate(weights)), k=k)


class Clock:
    """Minutes since the epoch (UTC) as PostgreSQL reads them, from a table of days."""

    def __init__(self, now: datetime.datetime, tz, back_days: int, ahead_days: int):
        self.now, self.tz = int(now.timestamp()) // 60, tz
        self.today = now.astimezone(tz).date()
        self.first = self.now // DAY - back_days
        epoch = datetime.date(1970, 1, 1)
        self.days = [
            (epoch + datetime.timedelta(days=d)).isoformat()
            for d in range(self.first, self.now // DAY + ahead_days)
        ]
        self.hours = [f" {m // 60:02d}:{m % 60:02d}:00+00" for m in range(DAY)]

    def text(self, minute: int | None) -> str:
        if minute is None:
            return ""
        return self.days[minute // DAY - self.first] + self.hours[minute % DAY]

    def local_midnight(self, offset: int) -> int:
        """The minute local midnight begins, ``offset`` days from today."""
        day = self.today + datetime.timedelta(days=offset)
        return int(datetime.datetime.combine(day, datetime.time(), self.tz).timestamp()) // 60

    def month(self, offset: int) -> int:
        return (self.today + datetime.timedelta(days=offset)).month


class People:
    """The generated members: when each registered (ascending, so the ids follow time),
    their group, and how keen they are (a few come to everything, many rarely)."""

    def __init__(self, rng, clock: Clock, group_of: list[int], first_id: int):
        now, self.first_id, self.group_of = clock.now, first_id, group_of
        self.created = sorted(
            now - int(rng.uniform(420, 6 * 365) * DAY)
            if rng.random() < 0.72
            else now - int(rng.random() ** 1.5 * 420 * DAY) - 1
            for _ in group_of
        )
        self.pools: dict[int, list[int]] = {}
        for index, group in enumerate(group_of):
            self.pools.setdefault(group, []).append(index)
        keen = [0.1 if rng.random() < 0.25 else rng.lognormvariate(0, 1.0) for _ in group_of]
        self.inactive = {first_id + i for i, _ in enumerate(group_of) if rng.random() < 0.04}
        self.keen = {g: list(accumulate(keen[i] for i in pool)) for g, pool in self.pools.items()}

    def known(self, group: int, before: int) -> int:
        """How many of the group's members had joined by minute ``before`` (they are
        accepted within ``JOINING`` of registering)."""
        joined = bisect_right(self.created, before - JOINING)
        return bisect_right(self.pools.get(group, ()), joined - 1)

    def pick(self, rng, group: int, known: int, wanted: int, chosen: set, skip) -> list[int]:
        """``wanted`` member ids (not in ``chosen`` nor ``skip``) among the group's first
        ``known``, the keen likelier; on a repeat the next one along, so it finds them."""
        if wanted <= 0:
            return []
        pool, weights, picked = self.pools[group], self.keen[group], []
        total = weights[known - 1]
        for _ in range(wanted):
            index = bisect_right(weights, rng.random() * total, 0, known - 1)
            while self.first_id + pool[index] in chosen or self.first_id + pool[index] in skip:
                index = (index + 1) % known
            chosen.add(self.first_id + pool[index])
            picked.append(self.first_id + pool[index])
        return picked


def member_rows(rng, clock: Clock, people: People, skills, taken: set[str], ids, deciders):
    """CSV chunks ``(members, member skills, memberships)``: each member with 1-3 skills
    (most of them) and one active membership of their group; the phones unique and none
    of ``taken``."""
    count, now, t = len(people.created), clock.now, clock.text
    spread, shift = rng.randrange(1, 10**8, 2), rng.randrange(10**8)
    while spread % 5 == 0:
        spread += 2  # coprime to 10**8: every member's last eight digits differ
    extra = count

    def phone(j: int) -> str:
        return rng.choice(PHONE_PREFIXES) + f"{(j * spread + shift) % 10**8:08d}"

    kinds = {c: [k for k in EMPLOYER_KINDS if c in k[2].split(",")] for c in JOB_TITLES}
    for start in range(0, count, CHUNK):
        n = min(CHUNK, count - start)
        sexes = rng.choices(("male", "female"), k=n)
        family = rng.choices(SURNAMES, cum_weights=SURNAME_WEIGHTS, k=n)
        categories, political = weighted(rng, "category", n), weighted(rng, "political", n)
        education, districts = weighted(rng, "education", n), weighted(rng, "district", n)
        members, links, memberships = [], [], []
        for k in range(n):
            j = start + k
            pk, number = people.first_id + j, phone(j)
            while number in taken:
                extra += 1
                number = phone(extra)
            sex, category, given = sexes[k], categories[k], GIVEN[sexes[k]]
            second = rng.choice(given) if rng.random() < 0.78 else ""
            name = family[k] + rng.choice(given) + second
            r = rng.random()
            if r < 0.86:
                kind = rng.choice(kinds[category])
                employer, industry = rng.choice(PLACES) + rng.choice(BRANDS) + kind[0], kind[1]
            else:
                employer, industry = EMPTY, rng.choice(Industry.values) if r < 0.95 else EMPTY
            title = rng.choice(JOB_TITLES[category]) if r < 0.9 else EMPTY
            qualification = QUALIFICATIONS.get(title, EMPTY) if rng.random() < 0.6 else EMPTY
            email = f"v{pk}@example.{('com', 'net', 'org')[pk % 3]}" if r < 0.4 else EMPTY
            created = people.created[j]
            r = rng.random()
            updated = created if r < 0.6 else created + int(rng.random() * (now - created))
            born = 1962 + int(rng.triangular(0, 42, 24))
            status = "inactive" if pk in people.inactive else "active"
            free = "".join("tf"[rng.random() < share] + "," for share in (0.6, 0.45, 0.7))
            members.append(
                f"{pk},{name},{number},{email},{t(created)},{t(updated)},{free}"
                f'"",,{born},{districts[k] or EMPTY},{education[k]},{employer},{sex},{industry},'
                f'{title},"",{category},"","",{political[k]},{qualification},{status}'
            )  # fmt: skip
            s = rng.random()
            if s < 0.88 and skills:
                for skill in rng.sample(skills, min(len(skills), 1 + (s > 0.4) + (s > 0.7))):
                    ids["skills"] += 1
                    links.append(f"{ids['skills']},{pk},{skill}")
            group = people.group_of[j]
            applied = min(created + int(rng.random() * 3 * DAY), now - 2)
            decided = min(applied + 240 + int(rng.random() * 7 * DAY), now - 1)
            ids["memberships"] += 1
            memberships.append(
                f"{ids['memberships']},active,{t(applied)},{t(decided)},{pk},{group},"
                f'{t(decided)},{deciders[group]},,"",""'
            )
        yield "\n".join(members), "\n".join(links), "\n".join(memberships)


class Group:
    """A group as its activities need it: its kinds of work ``(title, kind, local start
    hour, hours)``, its usual themes (places in the theme list), where it works (``city``;
    empty: Zhangzhou, in ``district`` or anywhere there), who creates and approves there
    (a user id), and its share of the activities."""

    def __init__(self, pk, work, themes, city="", district="", by=None, weight=1.0):
        self.pk, self.work, self.themes, self.city = pk, work, themes, city
        self.district, self.by, self.weight = district, by, weight


class Plan:
    """One activity to be, before and after its sign-ups are counted."""

    __slots__ = ("group", "title", "kind", "district", "location", "start", "end", "created",
                 "opens", "closes", "signup_closes", "status", "members_only", "offer_hours",
                 "done", "count", "capacity", "volunteer")  # fmt: skip

    def row(self, pk: int, rng, t) -> str:
        served, report = "", EMPTY
        if self.done is not None:
            served = int(rng.uniform(20, 300) if self.kind == "service" else rng.uniform(15, 80))
            report = REPORT
        updated = self.done or (self.opens if self.status != "cancelled" else self.closes)
        return (
            f"{pk},{self.title},{self.kind},面向群众开展“{self.title}”，欢迎有相关专长的志愿者报名。,"
            f"{self.location},{self.district or EMPTY},{t(self.start)},{t(self.end)},,"
            f"{t(self.signup_closes)},{self.capacity or ''},{self.offer_hours or ''},"
            f'{"members" if self.members_only else "public"},{self.status},"",{served},{report},'
            f"{t(self.created)},{t(updated)},{self.group.by or ''},{self.group.pk},"
        )


def signup_rows(rng, clock: Clock, plans, first_activity: int, people: People, volunteer, ids):
    """CSV chunks ``(sign-ups, hours)``. Each activity's sign-ups come between its opening
    and its close, mostly from its group (the keen likelier), some from anywhere for a
    public one; one in seventeen cancels; confirmed while places remain, then waiting; a
    place freed lately where offers are made is offered to the first who waits. After a
    completed activity: attendance (most came), and hours for those who came, approved
    within a week (the latest still waiting), a few corrected since."""
    now, t = clock.now, clock.text
    signups, hours = [], []
    for number, p in enumerate(plans):
        if not p.count:
            continue
        activity, known = first_activity + number, people.known(p.group.pk, p.opens)
        chosen: set[int] = set()
        own = p.count - p.volunteer
        anyone = bisect_right(people.created, p.opens - JOINING)
        cross = 0
        if not p.members_only and anyone > 2 * p.count:
            cross = sum(rng.random() < 0.12 for _ in range(own))
        skip = people.inactive if p.start > now else ()  # they may not sign up now
        picks = people.pick(rng, p.group.pk, known, own - cross, chosen, skip)
        for _ in range(cross):
            member = int(rng.random() * anyone)
            while people.first_id + member in chosen or people.first_id + member in skip:
                member = (member + 1) % anyone
            chosen.add(people.first_id + member)
            picks.append(people.first_id + member)
        rng.shuffle(picks)
        if p.volunteer:
            picks.insert(rng.randrange(1 + len(picks) // 3), volunteer)
        times = sorted(p.opens + int(rng.random() * (p.closes - p.opens)) for _ in picks)
        status = ["cancelled" if rng.random() < 0.06 else "" for _ in picks]
        places = len(picks) if p.capacity is None else p.capacity
        for i, s in enumerate(status):
            if not s:
                status[i], places = ("confirmed", places - 1) if places else ("waiting", 0)
        cancelled = {
            i: times[i] + int(rng.random() * (p.closes - times[i]))
            for i, s in enumerate(status)
            if s == "cancelled"
        }
        offered = expires = None
        if p.offer_hours and p.start > now and "waiting" in status and rng.random() < 0.4:
            freed = max(i for i, s in enumerate(status) if s == "confirmed")
            status[freed] = "cancelled"
            cancelled[freed] = max(times[freed], now - int(rng.random() * (p.offer_hours * 60 - 1)))
            offered, expires = status.index("waiting"), cancelled[freed] + p.offer_hours * 60
            status[offered] = "offered"
        for i, member in enumerate(picks):
            ids["signups"] += 1
            pk, s, created = ids["signups"], status[i], times[i]
            attended, came, left, reminder = "", None, None, None
            if s == "confirmed":
                reminder = max(p.start - DAY, created)
                reminder = reminder if reminder <= now else None
                if p.done is not None:
                    attended = "t" if rng.random() < 0.93 else "f"
            if attended == "t":
                came = p.start + rng.choice((-15, -10, -5, 0, 0, 0, 5, 10, 30))
                left = p.end - (60 if p.end - p.start > 120 and rng.random() < 1 / 7 else 0)
                if rng.random() < 0.97:
                    served = min(left - came, p.end - p.start) * 100 // 60
                    hours += _hours_rows(rng, now, t, ids, pk, served, p)
            signups.append(
                f"{pk},{activity},{member},{s},{t(created)},{t(expires if i == offered else None)},"
                f"{t(cancelled.get(i))},{attended},{t(came)},{t(left)},{t(reminder)}"
            )
        if len(signups) >= CHUNK:
            yield "\n".join(signups), "\n".join(hours)
            signups, hours = [], []
    if signups:
        yield "\n".join(signups), "\n".join(hours)


def _hours(h100: int) -> str:
    return f"{h100 // 100}.{h100 % 100:02d}"


def _hours_rows(rng, now: int, t, ids, signup: int, served: int, p: Plan) -> list[str]:
    """The current entry of a sign-up's hours (and the one it corrected, if any)."""
    ids["hours"] += 1
    pk, by, recorded = ids["hours"], p.group.by or "", p.done
    approved = recorded + int(rng.uniform(180, 7 * DAY))
    if approved >= now:
        return [f'{pk},{signup},{_hours(served)},proposed,t,,"",{by},{t(recorded)},,']
    fixed = approved + int(rng.uniform(2, 30) * DAY)
    entry = f'{pk},{signup},{_hours(served)},approved,%s,,"",{by},{t(recorded)},{by},{t(approved)}'
    if fixed >= now or rng.random() >= 0.012:
        return [entry % "t"]
    length = (p.end - p.start) * 100 // 60
    again = length if served < length else max(length - 50, 50)
    ids["hours"] += 1
    return [
        entry % "f",
        f"{pk + 1},{signup},{_hours(again)},approved,t,{pk},{CORRECTION_NOTE},{by},{t(fixed)},"
        f"{by},{t(fixed)}",
    ]

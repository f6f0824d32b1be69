"""Reads about members that several pages share."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Subquery
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Collate, Now
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from pypinyin import Style, lazy_pinyin

from members.models import Invitation, Member, PersonnelCategory, Skill
from members.validators import mask_middle
from volunteer_portal import page_cache
from volunteer_portal.audit import event_label

# --- Parts that apps further up contribute --------------------------------------------------
# This app knows nothing of groups or activities. They add their parts to a member's page
# (groups: memberships) and audit trail (memberships, leader terms) from their AppConfig.


@dataclass(frozen=True)
class MemberPagePart:
    """A card on the member's page and on their own page: a template, and the prefetch it
    needs so that it adds no query per row."""

    template: str
    prefetch: Callable[[], Prefetch] | None = None


@dataclass(frozen=True)
class AuditSource:
    """Records about a member whose history joins the member's audit trail."""

    model: type
    select_related: tuple[str, ...]
    describe: Callable[[object], str]  # a historical row → "membership · 电商培训服务团"


MEMBER_PAGE_PARTS: list[MemberPagePart] = []
AUDIT_SOURCES: list[AuditSource] = [
    AuditSource(
        Invitation,
        (),
        lambda row: f"{gettext('invitation')} · {row.get_channel_display()}",
    )
]


@dataclass(frozen=True)
class PersonalDataSection:
    """A section of the member's own data download (PIPL) that an app further up adds:
    ``collect(member)`` under ``key``, in a fixed number of queries however many rows.
    ``replaces`` names the raw related rows (``"activities.signup"``) it shows instead."""

    key: str
    collect: Callable[[Member], object]
    replaces: tuple[str, ...] = ()


PERSONAL_DATA_SECTIONS: list[PersonalDataSection] = []


def member_page_prefetches() -> list[Prefetch]:
    return [part.prefetch() for part in MEMBER_PAGE_PARTS if part.prefetch]


# --- People in name order -------------------------------------------------------------------
# Chinese readers look a name up by its pinyin (丁 杜 傅 韩 何 黄), not by code point
# (丁 何 傅 孙). The database does the ordering, so pagination stays a LIMIT/OFFSET:
# PostgreSQL with its ICU collation for Chinese; SQLite with a collation we register on
# the connection that sorts by pypinyin's readings (with word-level readings for
# heteronyms: 重庆 is chong qing). Both put digits first, then Chinese by pinyin, then
# Latin letters, as ICU does. Other databases fall back to plain order.

PG_NAME_COLLATION = "zh-x-icu"
SQLITE_NAME_COLLATION = "pinyin"


def _is_han(char: str) -> bool:
    code = ord(char)
    return 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x3FFFF


@functools.lru_cache(maxsize=65536)
def pinyin_sort_key(text: str) -> tuple:
    """The sort key of a name: per character, (0, char) for digits and punctuation,
    (1, syllable, tone, char) for Chinese, (2, letter, char) for Latin letters, (3, char)
    for Chinese characters pypinyin does not know."""
    text = text or ""
    syllables = lazy_pinyin(
        text, style=Style.TONE3, neutral_tone_with_five=True,
        errors=lambda chunk: [""] * len(chunk),
    )  # fmt: skip
    if len(syllables) != len(text):  # never seen; keep the key well-formed regardless
        syllables = [lazy_pinyin(ch, style=Style.TONE3)[0] if _is_han(ch) else "" for ch in text]
    key = []
    for char, syllable in zip(text, syllables, strict=True):
        if _is_han(char):
            if syllable and syllable[-1].isdigit():
                key.append((1, syllable[:-1], int(syllable[-1]), char))
            else:
                key.append((3, char))
        elif char.isalpha():
            key.append((2, char.casefold(), char))
        else:
            key.append((0, char))
    return tuple(key)


def _pinyin_compare(left: str | None, right: str | None) -> int:
    a, b = pinyin_sort_key(left or ""), pinyin_sort_key(right or "")
    return (a > b) - (a < b)


class NameOrder(Collate):
    """``field`` in the order a Chinese reader expects, as an expression for ``order_by``
    (``.desc()`` for the reverse)."""

    def __init__(self, field: str):
        super().__init__(F(field), PG_NAME_COLLATION)

    def as_sql(self, compiler, connection, **extra_context):  # other databases: plain order
        return compiler.compile(self.get_source_expressions()[0])

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        # The collation is registered on every SQLite connection as it opens
        # (``register_name_collation``): redefining it later fails while a statement on
        # the connection is still open, e.g. inside an ``.iterator()`` loop.
        extra_context["collation"] = connection.ops.quote_name(SQLITE_NAME_COLLATION)
        return super().as_sql(compiler, connection, **extra_context)


def register_name_collation(sender, connection, **kwargs) -> None:
    """``connection_created`` handler: SQLite connections learn the pinyin collation."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(SQLITE_NAME_COLLATION, _pinyin_compare)


def by_name(field: str = "full_name") -> NameOrder:
    """Order people by name: ``queryset.order_by(by_name(), "pk")``, or
    ``by_name("member__full_name")`` across a relation."""
    return NameOrder(field)


def with_account_status(queryset):
    """Members with their pending invitation, if any (``invited_at``,
    ``invitation_expires_at``, ``invitation_open``: not expired), for the roster's account
    column; no query per row."""
    pending = Invitation.objects.pending().filter(member=OuterRef("pk")).order_by("-created_at")
    return queryset.annotate(
        invited_at=Subquery(pending.values("created_at")[:1]),
        invitation_expires_at=Subquery(pending.values("expires_at")[:1]),
        invitation_open=Exists(pending.filter(expires_at__gt=Now())),
    )


def member_search(base, params):
    """The roster's and the talent search's filters and order over ``base`` (a member
    queryset the caller has scoped): ``(filterset, queryset)``. The account status is not
    annotated here: ``member_page`` adds it to the rows of one page."""
    from members.filters import MemberFilter

    filterset = MemberFilter(params or None, queryset=base)
    queryset = filterset.qs if filterset.is_bound else base
    if not params.get("o"):
        queryset = queryset.order_by(by_name(), "pk")
    return filterset, queryset


# What templates/jinja2/members/_member_table.html shows of a member: only these are loaded
# (a Member with its photo fields costs twice as much to build).
MEMBER_TABLE_FIELDS = (
    "full_name", "status", "user_id", "phone", "personnel_category", "employer", "job_title",
    "district",
)  # fmt: skip


def member_page(queryset, page_rows) -> list[Member]:
    """The members of one page (``page_rows``: the ordered ``queryset`` sliced), with their
    account status and skills (``skill_list``, their names in the page's language).

    Annotating the whole filtered set would compute the invitation subqueries for every
    member before the sort and the LIMIT (the roster of a 2,000-member group spent 20 ms
    there); here they run for the page's rows only, picked by a sliced subquery. The skills
    come as names from one query: a prefetch built a Skill, a manager and a queryset for
    each (3 ms for a page of 50), and ``to_attr`` objects still cost 2 ms.

    The page's ids come first, as a list: given them as a subquery, PostgreSQL could not
    know there are only fifty and checked the search's conditions on every member again
    (a second of a million-member search, for fifty rows)."""
    ids = list(page_rows.values_list("pk", flat=True))
    rows_of_page = queryset.filter(pk__in=ids).only(*MEMBER_TABLE_FIELDS)
    members = list(with_account_status(rows_of_page))
    english = not (translation.get_language() or "zh").startswith("zh")
    names: dict[int, list[str]] = {member.pk: [] for member in members}
    rows = (
        Member.skills.through.objects.filter(member_id__in=names)
        .order_by("skill__name")
        .values_list("member_id", "skill__name", "skill__name_en")
    )
    for member_id, name, name_en in rows:
        names[member_id].append(name_en if english and name_en else name)
    for member in members:
        member.skill_list = names[member.pk]
    return members


def category_counts(queryset) -> tuple[list[tuple[str, str, int]], int]:
    """(code, label, count) per personnel category of a filtered member queryset, and the
    total (the paginator's count: one query for both).

    A plain COUNT: the member lists hold one row per member (the roster joins the one live
    membership per group, a database rule; scopes and filters select by ``pk__in``), so
    no DISTINCT, which made PostgreSQL sort every member of the list."""
    grouped = queryset.order_by().values_list("personnel_category").annotate(n=Count("pk"))
    # The same on every page of the list, and more work than the page's rows: kept until a
    # member, membership or skill changes.
    rows = page_cache.query_result(grouped, dict)
    result = [(code, label, rows.get(code, 0)) for code, label in PersonnelCategory.choices]
    if rows.get(""):
        result.append(("", gettext("Not given"), rows[""]))
    return result, sum(rows.values())


def _plain(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, models.Model):
        return str(value)
    return value


def _row(obj) -> dict:
    data = {}
    for f in obj._meta.concrete_fields:
        value = getattr(obj, f.name)
        data[f.name] = _plain(value)
    return data


def member_personal_data(member: Member) -> dict:
    """Everything the portal holds about a member, for the member's own download (PIPL).

    Related records are found from the model's relations, so records added by later
    apps are included without changing this function; apps further up add readable
    sections (``PERSONAL_DATA_SECTIONS``: sign-ups with their hours, correction requests).
    Then the change history of the record. A fixed number of queries, however many rows.
    """
    data = {"member": _row(member), "skills": [s.name for s in member.skills.all()]}
    if member.user_id:
        user = member.user
        data["account"] = {
            "username": user.username,
            "email": user.email,
            "date_joined": _plain(user.date_joined),
            "last_login": _plain(user.last_login),
        }
    replaced = {label for section in PERSONAL_DATA_SECTIONS for label in section.replaces}
    for relation in Member._meta.related_objects:
        model = relation.related_model
        if relation.many_to_many or not relation.field.concrete:
            continue
        if model._meta.label_lower in replaced:
            continue
        linked = [f.name for f in model._meta.concrete_fields if f.is_relation]
        rows = model._default_manager.filter(**{relation.field.name: member}).select_related(
            *linked
        )
        data[model._meta.label_lower] = [_row(row) for row in rows]
    for section in PERSONAL_DATA_SECTIONS:
        data[section.key] = section.collect(member)
    data["change_history"] = member_own_history(member)
    return data


def person_name(user) -> str:
    """A person as the portal names them to others: the name on their member record, else
    the account's name, else its username. Needs ``user.member`` selected with the user."""
    if user is None:
        return gettext("system")
    member = getattr(user, "member", None)  # None when the account has no member record
    return (member.full_name if member else "") or user.get_full_name() or user.get_username()


def member_own_history(member: Member) -> list[dict]:
    """The change history of a member's record, for their own download: when, what changed
    (in full: it is their own record) and who, by name only: "yourself", the name of
    whoever else changed it (as the history on a member's page shows them to coordinators),
    or "system" (imports, commands). Newest first."""
    skill_names = dict(Skill.objects.values_list("pk", "name"))
    history = list(
        member.history.select_related("history_user__member").order_by("history_date", "history_id")
    )
    entries = _entries(history, Member, str(Member._meta.verbose_name), skill_names)
    result = []
    for record, entry in zip(history, entries, strict=True):
        if record.history_user_id and record.history_user_id == member.user_id:
            by = gettext("yourself")
        else:
            by = person_name(record.history_user)
        result.append(
            {
                "when": _plain(entry.when),
                "action": entry.action,
                "by": by,
                "reason": entry.reason,
                "changes": [
                    {"field": label, "old": old, "new": new} for label, old, new in entry.changes
                ],
            }
        )
    return result[::-1]


@dataclass
class AuditEntry:
    when: datetime.datetime
    who: str
    what: str
    action: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    reason: str = ""


def _display(model, name, value, skill_names=None) -> str:
    try:
        model_field = model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - a removed field in old history rows
        return "" if value is None else str(value)
    if getattr(model_field, "choices", None):
        return str(dict(model_field.flatchoices).get(value, value or ""))
    if value in (None, ""):
        return ""
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, datetime.datetime):  # as the page shows times: local, to the minute
        return date_format(timezone.localtime(value), "Y-m-d H:i")
    if model_field.is_relation and not model_field.many_to_many:
        return "✓"  # a link to another record (an account...): set, not its database id
    if isinstance(value, list):  # m2m history (skills): rows of the through table
        names = skill_names or {}
        return "、".join(
            sorted(str(names.get(row.get("skill"), row.get("skill"))) for row in value)
        )
    return str(value)


def _entries(history, model, what, skill_names=None, masked=()) -> list[AuditEntry]:
    """Turn one object's historical rows (oldest first) into entries with field diffs."""
    entries, previous = [], None
    action_names = {"+": "created", "~": "changed", "-": "deleted"}
    for record in history:
        changes = []
        if previous is not None:
            delta = record.diff_against(previous)
            for change in delta.changes:
                old, new = change.old, change.new
                if change.field in masked:
                    old, new = mask_middle(old or "", 3, 4), mask_middle(new or "", 3, 4)
                try:
                    label = str(model._meta.get_field(change.field).verbose_name)
                except Exception:  # noqa: BLE001
                    label = change.field
                changes.append(
                    (label, _display(model, change.field, old, skill_names),
                     _display(model, change.field, new, skill_names))
                )  # fmt: skip
        entries.append(
            AuditEntry(
                when=record.history_date,
                who=(
                    record.history_user.get_full_name() or record.history_user.get_username()
                    if record.history_user_id
                    else ""
                ),
                what=what,
                action=action_names.get(record.history_type, record.history_type),
                changes=changes,
                reason=event_label(model._meta.label, record.history_change_reason or ""),
            )
        )
        previous = record
    return entries


def member_audit_trail(member: Member, *, reveal_national_id: bool) -> list[AuditEntry]:
    """Who changed what on this member and on the records that apps further up contribute
    (``AUDIT_SOURCES``: memberships, leader terms); newest first.

    A fixed number of queries: one per kind of record (history users joined in).
    """
    skill_names = dict(Skill.objects.values_list("pk", "name"))
    entries = _entries(
        member.history.select_related("history_user").order_by("history_date", "history_id"),
        Member,
        str(Member._meta.verbose_name),
        skill_names,
        masked=() if reveal_national_id else ("national_id",),
    )
    for source in AUDIT_SOURCES:
        model = source.model
        rows = (
            model.history.filter(member_id=member.pk)
            .select_related("history_user", *source.select_related)
            .order_by("id", "history_date", "history_id")
        )
        by_object: dict[int, list] = {}
        for row in rows:
            by_object.setdefault(row.id, []).append(row)
        for history in by_object.values():
            entries.extend(_entries(history, model, source.describe(history[-1])))
    return sorted(entries, key=lambda e: e.when, reverse=True)

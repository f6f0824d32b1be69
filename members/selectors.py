"""Reads about members that several pages share."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.db.models import Count, Prefetch
from django.db.models.fields.files import FieldFile

from members.models import Member, PersonnelCategory, Skill
from members.validators import mask_middle
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
AUDIT_SOURCES: list[AuditSource] = []


def member_page_prefetches() -> list[Prefetch]:
    return [part.prefetch() for part in MEMBER_PAGE_PARTS if part.prefetch]


def member_search(base, params):
    """The roster's and the talent search's filters and order over ``base`` (a member
    queryset the caller has scoped): ``(filterset, queryset)``."""
    from members.filters import MemberFilter

    filterset = MemberFilter(params or None, queryset=base)
    queryset = filterset.qs if filterset.is_bound else base
    if not params.get("o"):
        queryset = queryset.order_by("full_name", "pk")
    return filterset, queryset


def category_counts(queryset) -> list[tuple[str, str, int]]:
    """(code, label, count) per personnel category of a filtered member queryset; one query."""
    rows = dict(
        queryset.order_by().values_list("personnel_category").annotate(n=Count("pk", distinct=True))
    )
    result = [(code, label, rows.get(code, 0)) for code, label in PersonnelCategory.choices]
    if rows.get(""):
        result.append(("", "—", rows[""]))
    return result


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
    apps (sign-ups, hours) are included without changing this function.
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
    for relation in Member._meta.related_objects:
        if relation.many_to_many or not relation.field.concrete:
            continue
        rows = relation.related_model._default_manager.filter(**{relation.field.name: member})
        data[relation.related_model._meta.label_lower] = [_row(row) for row in rows]
    return data


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
                who=str(record.history_user) if record.history_user_id else "",
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

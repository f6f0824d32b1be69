"""The talent database as a spreadsheet: one column layout for export, import and admin.

Headers are Chinese (the coordinators' language) and do not change with the interface
language, so a file exported from an English screen imports in a Chinese one; imports
also accept the English headers. Choice columns hold their Chinese labels and accept
labels in either language or the internal codes.

Cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a
carriage return) are exported with a leading apostrophe, which is removed again on
import, so an exported file re-imports unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import BooleanField
from django.utils import translation
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.instance_loaders import CachedInstanceLoader
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from members.models import (
    District,
    Education,
    Industry,
    Member,
    MemberEvent,
    PersonnelCategory,
    PoliticalStatus,
    Skill,
)
from members.validators import mask_middle

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A cell holding one of these blanks the stored value on purpose; an empty cell, or a
# column missing from the file, keeps what the record has.
CLEAR_MARKERS = ("#清空", "#clear")


def is_clear_marker(value) -> bool:
    return isinstance(value, str) and value.strip().lower() in CLEAR_MARKERS


def is_empty_cell(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def escape_formula(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unescape_formula(value):
    if isinstance(value, str) and value.startswith("'") and value[1:2] and value[1] in "=+-@\t\r":
        return value[1:]
    return value


def normalise_phone(value) -> str:
    text = re.sub(r"[\s\-()]", "", str(value or ""))
    if text.endswith(".0"):  # a spreadsheet that stored the phone as a number
        text = text[:-2]
    for prefix in ("+86", "0086"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return text


class TextWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        value = unescape_formula(value)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def render(self, value, obj=None, **kwargs):
        return escape_formula("" if value is None else str(value))


class PhoneWidget(TextWidget):
    def clean(self, value, row=None, **kwargs):
        return normalise_phone(super().clean(value, row, **kwargs))


class NationalIdWidget(TextWidget):
    """Exported masked unless the exporter may see it; a masked value means "unchanged"."""

    def __init__(self, *, reveal: bool, **kwargs):
        super().__init__(**kwargs)
        self.reveal = reveal

    def clean(self, value, row=None, **kwargs):
        value = super().clean(value, row, **kwargs).upper()
        return KEEP_VALUE if "*" in value else value

    def render(self, value, obj=None, **kwargs):
        if not value:
            return ""
        return value if self.reveal else mask_middle(value, 3, 4)


class KeepValue:
    """Marker: keep what the record has (a masked cell)."""


KEEP_VALUE = KeepValue()


class ChoiceWidget(widgets.Widget):
    """Chinese labels out; codes or labels in either language back in."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.choices = choices
        self.lookup = {}
        with translation.override("zh-hans"):
            self.zh_labels = {code: str(label) for code, label in choices.choices}
        for code, label in choices.choices:
            self.lookup[code.lower()] = code
            self.lookup[self.zh_labels[code].lower()] = code
            with translation.override("en"):
                self.lookup[str(label).lower()] = code

    def clean(self, value, row=None, **kwargs):
        text = str(unescape_formula(value) or "").strip()
        if not text:
            return ""
        try:
            return self.lookup[text.lower()]
        except KeyError:
            allowed = "、".join(str(label) for _code, label in self.choices.choices)
            raise ValueError(
                _("“%(value)s” is not one of: %(allowed)s.") % {"value": text, "allowed": allowed}
            ) from None

    def render(self, value, obj=None, **kwargs):
        return self.zh_labels.get(value, value or "")


class YesNoWidget(widgets.Widget):
    TRUE = {"是", "有", "y", "yes", "true", "1", "√", "✓"}
    FALSE = {"", "否", "无", "n", "no", "false", "0"}

    def clean(self, value, row=None, **kwargs):
        text = str(value if value is not None else "").strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(_("“%(value)s”: write 是 (yes) or leave empty.") % {"value": value})

    def render(self, value, obj=None, **kwargs):
        return "是" if value else ""


class SkillsWidget(widgets.ManyToManyWidget):
    SEPARATORS = re.compile(r"[,，、;；/]")

    def __init__(self, **kwargs):
        super().__init__(Skill, field="name", separator="、", **kwargs)
        self._by_name = None  # loaded once per import: the skill list is short

    def clean(self, value, row=None, **kwargs):
        names = [n.strip() for n in self.SEPARATORS.split(str(value or "")) if n.strip()]
        if not names:
            return []
        if self._by_name is None:
            self._by_name = {}
            for skill in Skill.objects.all():
                self._by_name[skill.name] = skill
                if skill.name_en:
                    self._by_name.setdefault(skill.name_en, skill)
        found = self._by_name
        unknown = [n for n in names if n not in found]
        if unknown:
            raise ValueError(
                _("Unknown skills: %(names)s. An administrator can add them to the list.")
                % {"names": "、".join(unknown)}
            )
        return list({found[n].pk: found[n] for n in names}.values())

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return "、".join(sorted(skill.name for skill in value.all()))


class DateWidget(widgets.DateWidget):
    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)

    def clean(self, value, row=None, **kwargs):
        return super().clean(unescape_formula(value) or None, row, **kwargs)


class YearWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        if value in ("", None):
            return None
        try:
            return int(float(str(value).strip()))
        except ValueError:
            raise ValueError(_("“%(value)s” is not a year.") % {"value": value}) from None


# (attribute, Chinese header, English header, widget factory)
COLUMNS = [
    ("full_name", "姓名", "Full name", TextWidget),
    ("phone", "手机号", "Mobile phone", PhoneWidget),
    ("gender", "性别", "Gender", lambda: ChoiceWidget(Member.Gender)),
    ("birth_year", "出生年份", "Year of birth", YearWidget),
    ("birth_date", "出生日期", "Date of birth", DateWidget),
    ("email", "电子邮箱", "Email", TextWidget),
    ("national_id", "身份证号", "Identity number", None),
    ("personnel_category", "人员类别", "Personnel category",
     lambda: ChoiceWidget(PersonnelCategory)),
    ("political_status", "政治面貌", "Political status", lambda: ChoiceWidget(PoliticalStatus)),
    ("employer", "工作单位", "Employer", TextWidget),
    ("job_title", "职务", "Job title", TextWidget),
    ("industry", "所属行业", "Industry", lambda: ChoiceWidget(Industry)),
    ("skills", "专长技能", "Skills", SkillsWidget),
    ("qualifications", "职业资格", "Professional qualifications", TextWidget),
    ("education", "学历", "Education", lambda: ChoiceWidget(Education)),
    ("district", "服务区域", "District", lambda: ChoiceWidget(District)),
    ("available_weekdays", "工作日可参加", "Available on weekdays", YesNoWidget),
    ("available_weekends", "周末可参加", "Available at weekends", YesNoWidget),
    ("available_evenings", "晚上可参加", "Available in the evenings", YesNoWidget),
    ("bio", "个人简介", "Short bio", TextWidget),
]  # fmt: skip
HEADERS = [zh for _, zh, _, _ in COLUMNS]
HEADER_ALIASES = {
    **{zh: zh for _, zh, _, _ in COLUMNS},
    **{en.lower(): zh for _, zh, en, _ in COLUMNS},
    **{attribute: zh for attribute, zh, _, _ in COLUMNS},
}
REQUIRED_HEADERS = ("姓名", "手机号")


def canonical_header(header) -> str | None:
    text = str(header or "").strip().lstrip("\ufeff")
    return HEADER_ALIASES.get(text) or HEADER_ALIASES.get(text.lower())


class MemberResource(resources.ModelResource):
    """Members by mobile phone: a known phone updates that member, a new one creates.

    Rows are checked one by one (each bad cell is reported with its row and column) but
    written in bulk, with their history: an import of 10,000 rows is a few dozen
    queries per thousand rows, not a dozen per row. Uniqueness (phones, identity
    numbers) is checked for the whole file up front instead of a query per row.
    """

    def __init__(self, *, reveal_national_id: bool = False, actor=None):
        self.reveal_national_id = reveal_national_id
        self.actor = actor if getattr(actor, "is_authenticated", False) else None
        super().__init__()
        for attribute, header, _en, factory in COLUMNS:
            widget = (
                NationalIdWidget(reveal=reveal_national_id)
                if attribute == "national_id"
                else factory()
            )
            self.fields[attribute] = fields.Field(
                attribute=attribute, column_name=header, widget=widget, saves_null_values=False
            )
        self.duplicate_phones: set[str] = set()
        self.id_owners: dict[str, int] = {}
        self.duplicate_ids: set[str] = set()

    class Meta:
        model = Member
        fields = [attribute for attribute, *_ in COLUMNS]
        import_id_fields = ["phone"]
        instance_loader_class = CachedInstanceLoader
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True
        use_bulk = True
        batch_size = 1000
        skip_html_diff = True
        chunk_size = 1000

    def get_queryset(self):
        return Member.objects.prefetch_related("skills")

    def get_export_headers(self, selected_fields=None):
        return list(HEADERS)

    def get_bulk_update_fields(self):
        return [name for name, *_ in COLUMNS if name not in ("phone", "skills")]

    # --- Checking rows --------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self.duplicate_phones = _duplicates(
            self.fields["phone"].widget.clean(value) for value in _column(dataset, "手机号")
        )
        ids = [
            value
            for value in (
                self.fields["national_id"].widget.clean(v) for v in _column(dataset, "身份证号")
            )
            if isinstance(value, str) and value
        ]
        self.duplicate_ids = _duplicates(ids)
        self.id_owners = dict(
            Member.objects.filter(national_id__in=set(ids)).values_list("national_id", "pk")
        )

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        """A cell changes the record only when it holds something: an empty cell (or a
        missing column) keeps the stored value, the clear marker blanks it."""
        if field.column_name not in row:
            return
        raw = row[field.column_name]
        clear = is_clear_marker(raw)
        if not clear and instance.pk is not None and is_empty_cell(raw):
            return
        if field.attribute == "national_id":
            value = "" if clear else field.clean(row, **kwargs)
            if value is KEEP_VALUE or value == (instance.national_id or ""):
                return
            if not self.reveal_national_id:
                raise ValueError(_("Only administrators may import identity numbers."))
        if clear:
            setattr(instance, field.attribute, _blank_value(field.attribute))
            return
        super().import_field(field, instance, row, is_m2m, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        """Fields, then the checks that span rows; skills are read now too."""
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        instance.import_skills = None  # None: leave the member's skills as they are
        field = self.fields["skills"]
        raw = row.get(field.column_name)
        if is_clear_marker(raw):
            instance.import_skills = []
        elif field.column_name in row and not (instance.pk and is_empty_cell(raw)):
            try:
                instance.import_skills = field.clean(row)
            except ValueError as error:
                errors["skills"] = [str(error)]
        if not instance.phone:
            errors.setdefault("phone", []).append(_("A mobile phone is required."))
        elif instance.phone in self.duplicate_phones:
            errors.setdefault("phone", []).append(_("This phone appears twice in the file."))
        if instance.national_id:
            if instance.national_id in self.duplicate_ids:
                errors.setdefault("national_id", []).append(
                    _("This identity number appears twice in the file.")
                )
            elif self.id_owners.get(instance.national_id, instance.pk) != instance.pk:
                errors.setdefault("national_id", []).append(
                    _("Another member already has this identity number.")
                )
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """Field validation per row; uniqueness was checked for the whole file above (the
        database constraints stay the final guard)."""
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(
                exclude=list(errors), validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        self.row_update = None

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """Unchanged when no cell changes a stored value; what does change is kept for the
        preview (``row_result.update``)."""
        if import_validation_errors or original is None:
            return False
        if original.pk is None:
            return False
        changes = self.changes(original, instance)
        self.row_update = RowUpdate(original.full_name, original.masked_phone, changes)
        # A pending invitation may have gone to the old address: the import withdraws it.
        instance.import_contact_changed = instance.email != original.email
        return not changes

    def changes(self, original: Member, instance: Member) -> list[FieldChange]:
        found = []
        for attribute, header, _en, _factory in COLUMNS:
            field = self.fields[attribute]
            if attribute == "skills":
                if instance.import_skills is None:
                    continue
                old = sorted(skill.name for skill in original.skills.all())
                new = sorted(skill.name for skill in instance.import_skills)
                if old != new:
                    found.append(FieldChange(header, "、".join(old), "、".join(new)))
                continue
            old, new = field.get_value(original), field.get_value(instance)
            if old != new:
                found.append(FieldChange(header, _shown(field, old), _shown(field, new)))
        return found

    def after_import_row(self, row, row_result, **kwargs):
        super().after_import_row(row, row_result, **kwargs)
        row_result.update = self.row_update

    def before_save_instance(self, instance, row, **kwargs):
        if instance.birth_date and not instance.birth_year:
            instance.birth_year = instance.birth_date.year

    # --- Writing in bulk, with history ----------------------------------------------

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.create_instances and (using_transactions or not dry_run):
            try:
                created = bulk_create_with_history(
                    self.create_instances,
                    Member,
                    batch_size=batch_size,
                    default_user=self.actor,
                    default_change_reason=MemberEvent.IMPORTED,
                )
                for new, old in zip(created, self.create_instances, strict=True):
                    new.import_skills = old.import_skills
                self.after_bulk_save(created, created=True)
            except Exception as error:  # noqa: BLE001 - reported as the import's error
                self.handle_import_error(result, error, raise_errors)
            finally:
                self.create_instances.clear()

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.update_instances and (using_transactions or not dry_run):
            try:
                bulk_update_with_history(
                    self.update_instances,
                    Member,
                    self.get_bulk_update_fields(),
                    batch_size=batch_size,
                    default_user=self.actor,
                    default_change_reason=MemberEvent.IMPORTED,
                )
                self.after_bulk_save(list(self.update_instances), created=False)
            except Exception as error:  # noqa: BLE001
                self.handle_import_error(result, error, raise_errors)
            finally:
                self.update_instances.clear()

    def after_bulk_save(self, members: list[Member], *, created: bool) -> None:
        """Skills of the saved members, replaced in two queries per batch."""
        with_skills = [m for m in members if m.import_skills is not None]
        if not with_skills:
            return
        through = Member.skills.through
        if not created:
            through.objects.filter(member_id__in=[m.pk for m in with_skills]).delete()
        through.objects.bulk_create(
            [through(member_id=m.pk, skill_id=s.pk) for m in with_skills for s in m.import_skills]
        )

    # --- Export -------------------------------------------------------------------------

    def export_field(self, field, instance, **kwargs):
        """Every exported cell, also in Django admin's export, is escaped against formulas."""
        return escape_formula(super().export_field(field, instance, **kwargs))

    def export_row(self, member) -> list:
        return self.export_resource(member)


@dataclass(frozen=True)
class FieldChange:
    column: str
    old: str
    new: str


@dataclass(frozen=True)
class RowUpdate:
    """A known member as a row would change them: who was matched, and what changes."""

    name: str
    phone: str  # masked
    changes: list[FieldChange]


def _blank_value(attribute: str):
    model_field = Member._meta.get_field(attribute)
    if isinstance(model_field, BooleanField):
        return False
    return None if model_field.null else ""


def _shown(field, value) -> str:
    """A value as the file would show it (choice labels, 是/否, masked identity numbers)."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return ""
    if isinstance(field.widget, TextWidget) and not isinstance(field.widget, NationalIdWidget):
        return str(value)  # as stored: no formula escaping on a web page
    return str(field.widget.render(value))


def _column(dataset, header: str) -> list:
    return dataset[header] if header in (dataset.headers or []) else []


def _duplicates(values) -> set:
    seen, duplicates = set(), set()
    for value in values:
        if value and value in seen:
            duplicates.add(value)
        seen.add(value)
    return duplicates

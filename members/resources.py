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

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import BooleanField
from django.utils.translation import gettext as _
from import_export import fields, resources
from import_export.instance_loaders import ModelInstanceLoader
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from members.cells import (
    KEEP_VALUE,
    ChoiceWidget,
    DateWidget,
    NationalIdWidget,
    PhoneWidget,
    SkillsWidget,
    TextWidget,
    YearWidget,
    YesNoWidget,
    export_cell,
    is_clear_marker,
    is_empty_cell,
)
from members.models import (
    District,
    Education,
    Industry,
    Member,
    MemberEvent,
    PersonnelCategory,
    PoliticalStatus,
)
from members.services import invitations_withdraw
from members.validators import mask_phone
from volunteer_portal.audit import bulk_updated

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


class WindowedInstanceLoader(ModelInstanceLoader):
    """Known members by phone, loaded for a window of ``WINDOW`` rows at a time, in one
    query each: rows are imported in file order, so each window loads once. (django-import-
    export's cached loader holds every member of the file, with their skills, for the
    whole import.)"""

    WINDOW = 1000

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.phone = resource.fields["phone"]
        self.window_of: dict[str, int] = {}
        self.windows: list[list[str]] = []
        if dataset is not None and self.phone.column_name in (dataset.headers or []):
            for value in dataset[self.phone.column_name]:
                phone = self.phone.widget.clean(value)
                if phone and phone not in self.window_of:
                    if not self.windows or len(self.windows[-1]) == self.WINDOW:
                        self.windows.append([])
                    self.window_of[phone] = len(self.windows) - 1
                    self.windows[-1].append(phone)
        self.current, self.members = None, {}

    def get_instance(self, row):
        phone = self.phone.clean(row)
        window = self.window_of.get(phone)
        if window is None:
            return None
        if window != self.current:
            self.current = window
            found = self.get_queryset().filter(phone__in=self.windows[window])
            self.members = {member.phone: member for member in found}
        return self.members.get(phone)


class MemberResource(resources.ModelResource):
    """Members by mobile phone: a known phone updates that member, a new one creates.

    Rows are checked one by one (each bad cell is reported with its row and column) but
    written in bulk, with their history: an import of 10,000 rows is a few dozen
    queries per thousand rows, not a dozen per row. Uniqueness (phones, identity
    numbers) is checked for the whole file up front instead of a query per row.
    """

    def __init__(self, *, reveal_national_id: bool = False, actor=None, budget=None):
        self.reveal_national_id = reveal_national_id
        self.actor = actor if getattr(actor, "is_authenticated", False) else None
        self.budget = budget  # a spreadsheets.TimeBudget: the web stops a slow import
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
        self.original: dict | None = None
        self.duplicate_phones: set[str] = set()
        self.id_owners: dict[str, set[int]] = {}
        self.duplicate_ids: set[str] = set()

    class Meta:
        model = Member
        fields = [attribute for attribute, *_ in COLUMNS]
        import_id_fields = ["phone"]
        instance_loader_class = WindowedInstanceLoader
        skip_diff = True  # skip_row compares with ``self.original``
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
        # Several members may hold one number (a person's own form accepts it, for an
        # administrator to merge them): a row may keep its member's number.
        self.id_owners = {}
        owners = Member.objects.filter(national_id__in=set(ids)).values_list("national_id", "pk")
        for number, pk in owners:
            self.id_owners.setdefault(number, set()).add(pk)

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
            holders = self.id_owners.get(instance.national_id, set())
            if instance.national_id in self.duplicate_ids and instance.pk not in holders:
                errors.setdefault("national_id", []).append(
                    _("This identity number appears twice in the file.")
                )
            elif holders and instance.pk not in holders:
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

    def import_row(self, row, instance_loader, **kwargs):
        """Out of time: stop (outside the row's error handling, so the whole import rolls
        back and the caller tells the user).

        Whether the row's result keeps the member is asked per import: django-import-export
        4.4 sets ``Meta.store_instance`` for good the first time an import asks for it
        (Django admin's does), after which every import in that process, 50,000 rows from
        the command line too, kept every member it read."""
        if self.budget is not None:
            self.budget.check()
        self._meta.store_instance = kwargs.get("retain_instance_in_row_result", False)
        return super().import_row(row, instance_loader, **kwargs)

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        self.row_update = None

    def after_init_instance(self, instance, new, row, **kwargs):
        """A known member's stored values, before the row's cells change them: what
        ``skip_row`` compares with. (Not django-import-export's diff, which deep-copies
        every member and keeps the copy in the result: 900 MB for 50,000 rows.)"""
        super().after_init_instance(instance, new, row, **kwargs)
        self.original = None
        if not new:
            self.original = {attribute: self.fields[attribute].get_value(instance)
                             for attribute, *_ in COLUMNS if attribute != "skills"}  # fmt: skip
            self.original["skills"] = sorted(skill.name for skill in instance.skills.all())

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """Unchanged when no cell changes a stored value; what does change is kept for the
        preview (``row_result.update``)."""
        original = self.original  # the diff's copy (``original``) is off: skip_diff
        if import_validation_errors or original is None:
            return False
        changes = self.changes(original, instance)
        self.row_update = RowUpdate(original["full_name"], mask_phone(original["phone"]), changes)
        # A pending invitation may have gone to the old address: the import withdraws it.
        instance.import_contact_changed = instance.email != original["email"]
        return not changes

    def changes(self, original: dict, instance: Member) -> list[FieldChange]:
        found = []
        for attribute, header, _en, _factory in COLUMNS:
            field = self.fields[attribute]
            if attribute == "skills":
                if instance.import_skills is None:
                    continue
                old = original["skills"]
                new = sorted(skill.name for skill in instance.import_skills)
                if old != new:
                    found.append(FieldChange(header, "、".join(old), "、".join(new)))
                continue
            old, new = original[attribute], field.get_value(instance)
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
        """Skills of the saved members, replaced in two queries per batch; a pending
        invitation of a member whose email changed stops working (it went to the old one);
        what caches members' rows is told (bulk writes send no post_save)."""
        bulk_updated.send(sender=Member, objs=members)
        if not created:
            contact_changed = [m.pk for m in members if getattr(m, "import_contact_changed", 0)]
            if contact_changed:
                invitations_withdraw(actor=self.actor, member_ids=contact_changed)
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
        """Every exported cell, also in Django admin's export, is escaped against formulas
        and holds no control character a worksheet refuses."""
        return export_cell(super().export_field(field, instance, **kwargs))


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

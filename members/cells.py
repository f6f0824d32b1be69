"""Spreadsheet cells of the talent database, in and out: one widget per kind of column
(text, phone, identity number, choice, yes/no, skills, date, year), the formula escaping
that keeps an exported cell from running in a spreadsheet, and the markers an import
reads (an empty cell keeps a value, ``#清空`` blanks it)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from import_export import widgets

from members.models import (
    Skill,
)
from members.validators import mask_middle
from members.validators import normalise_phone as normalise_typed_phone
from volunteer_portal.forms import validate_multi_line

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


# Control characters a worksheet cannot hold (openpyxl refuses the cell: a 500).
WORKSHEET_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def export_cell(value):
    """A stored value as an exported cell: a formula escaped, and a control character no
    worksheet can hold (older data, or typed into admin) shown as U+FFFD."""
    if isinstance(value, str):
        value = WORKSHEET_ILLEGAL.sub("\ufffd", value)
    return escape_formula(value)


def unescape_formula(value):
    if isinstance(value, str) and value.startswith("'") and value[1:2] and value[1] in "=+-@\t\r":
        return value[1:]
    return value


def normalise_phone(value) -> str:
    text = str(value or "").strip()
    if text.endswith(".0"):  # a spreadsheet that stored the phone as a number
        text = text[:-2]
    return normalise_typed_phone(text)


class TextWidget(widgets.CharWidget):
    # The forms' rule (volunteer_portal.forms): no control characters in text. Phones and
    # identity numbers are whole columns read up front; their own validators refuse them.
    refuse_control_characters = True

    def clean(self, value, row=None, **kwargs):
        value = unescape_formula(value)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        try:
            if self.refuse_control_characters:
                validate_multi_line(text)
        except ValidationError as error:
            raise ValueError(error.messages[0]) from None
        return text

    def render(self, value, obj=None, **kwargs):
        return escape_formula("" if value is None else str(value))


class PhoneWidget(TextWidget):
    refuse_control_characters = False

    def clean(self, value, row=None, **kwargs):
        return normalise_phone(super().clean(value, row, **kwargs))


class NationalIdWidget(TextWidget):
    """Exported masked unless the exporter may see it; a masked value means "unchanged"."""

    refuse_control_characters = False

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

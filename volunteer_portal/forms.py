"""What every form of the portal shares, Django admin's included: text is plain text, and
ids fit the database.

Plain text: no control characters. PostgreSQL refuses a NUL byte in any text (Django's
form fields refuse that one already), and the others (an escape, a backspace, the C1
controls) have no business in a name or a report: they break spreadsheets (openpyxl
refuses them in a cell: the export was a 500), terminals and other software that reads our
exports. Tabs and line breaks are kept in multi-line fields (a textarea); a single-line
field takes one line. The same rule holds for roster imports (``members.cells``).
"""

from __future__ import annotations

import re

from django import forms
from django.contrib.admin import widgets as admin_widgets
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# Unicode's control characters (category Cc): C0, DEL and C1.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile(r"[\t\n\r]")


def validate_multi_line(value) -> None:
    """Text of one or more lines: tabs and line breaks, but no other control character."""
    if isinstance(value, str) and _CONTROL.search(value):
        raise ValidationError(
            _("Remove the invisible control characters from this text."),
            code="control_characters",
        )


def validate_single_line(value) -> None:
    """One line of text: no control character at all, line breaks and tabs included."""
    validate_multi_line(value)
    if isinstance(value, str) and _LINE_BREAK.search(value):
        raise ValidationError(
            _("This field takes one line: remove the line breaks."), code="line_breaks"
        )


def refuse_control_characters(fields) -> None:
    """Give every text field in ``fields`` the rule: multi-line for a textarea, else
    single-line."""
    for field in fields.values():
        if isinstance(field, forms.CharField):
            multi = isinstance(field.widget, forms.Textarea)
            field.validators.append(validate_multi_line if multi else validate_single_line)


class PlainTextMixin:
    """For a form: its text fields refuse control characters (see the module's docstring)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_control_characters(self.fields)


# The largest id a database integer column holds (bigint); a bigger one is no id at all.
MAX_ID = 2**63 - 1


class ModelMultipleIdChoiceField(forms.ModelMultipleChoiceField):
    """A choice of several rows by id, refusing a value that is no id before it reaches the
    database (SQLite cannot even compare an integer beyond 64 bits: a 500)."""

    def _check_values(self, value):
        for pk in value if self.to_field_name is None else ():
            text = str(pk)
            if not re.fullmatch(r"[0-9]{1,19}", text) or int(text) > MAX_ID:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


def _is_id(value, target) -> bool:
    """Whether ``value`` could be a row's id in ``target`` (the field a relation points to)."""
    if isinstance(target, models.IntegerField):  # AutoField and BigAutoField included
        text = str(value)
        return bool(re.fullmatch(r"[0-9]{1,19}", text)) and int(text) <= MAX_ID
    return True


class _IdsOnlyAutocomplete:
    """Django admin's autocomplete looks the submitted ids up to show them again with the
    form's errors: text where an id belongs made that lookup a 500 (a ValueError), and so
    did an integer beyond 64 bits on SQLite. Such values are left out of the lookup; the
    field's own error says what was wrong."""

    def optgroups(self, name, value, attr=None):
        target = self.field.target_field
        return super().optgroups(name, [v for v in value if _is_id(v, target)], attr)


class IdAutocompleteSelect(_IdsOnlyAutocomplete, admin_widgets.AutocompleteSelect):
    pass


class IdAutocompleteSelectMultiple(_IdsOnlyAutocomplete, admin_widgets.AutocompleteSelectMultiple):
    pass


class AdminInputMixin:
    """For a ModelAdmin or an inline: the portal's rules for input apply in Django admin
    too (plain text; ids that are ids)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None:
            refuse_control_characters({db_field.name: field})
        return field

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = IdAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", ModelMultipleIdChoiceField)
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = IdAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class AdminInlineInputMixin(AdminInputMixin):
    """For an inline: its rows as well, and no more forms than rows plus a few new ones. A
    forged TOTAL_FORMS otherwise builds up to Django's own cap of 2,000 forms, each one
    checked and rendered again with its errors: a worker held for 15 seconds."""

    new_rows_max = 50

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)  # a new class for this request
        rows = 0
        if obj is not None and obj.pk is not None:
            rows = formset.model._default_manager.filter(**{formset.fk.name: obj}).count()
        formset.absolute_max = rows + self.new_rows_max
        return formset

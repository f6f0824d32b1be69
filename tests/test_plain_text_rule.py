"""The portal's rule for text (volunteer_portal.forms): no control characters, line breaks
only where a field has several lines, and every form that stores text applies it."""

import inspect
import unicodedata

import pytest
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from activities import forms as activity_forms
from groups import forms as group_forms
from members import forms as member_forms
from volunteer_portal.forms import (
    AdminInputMixin,
    PlainTextMixin,
    validate_multi_line,
    validate_single_line,
)

CONTROL = [chr(c) for c in range(0x110) if unicodedata.category(chr(c)) == "Cc"]
KEPT_IN_MANY_LINES = {"\t", "\n", "\r"}


@pytest.mark.parametrize("char", CONTROL, ids=[f"U+{ord(c):04X}" for c in CONTROL])
def test_control_characters_are_refused_and_line_breaks_only_in_many_lines(char):
    text = f"张{char}三"
    with pytest.raises(ValidationError):
        validate_single_line(text)
    if char in KEPT_IN_MANY_LINES:
        validate_multi_line(text)
    else:
        with pytest.raises(ValidationError):
            validate_multi_line(text)


@pytest.mark.parametrize(
    "text",
    [
        "陈小明",
        "𠀀𪚥",
        "志愿😀👨‍👩‍👧",
        "abc\u202eexe",
        "<script>",
        "{{ 7*7 }}",
        "=SUM(1)",
        "O'Brien",
    ],
)
def test_ordinary_text_of_any_script_passes(text):
    validate_single_line(text)
    validate_multi_line(text)


# Forms that store no text of their own: they look something up or take a password.
STORE_NOTHING = {
    "PortalAuthenticationForm",
    "PortalPasswordResetForm",
    "NewPasswordForm",
    "InvitationAcceptForm",
    "ParticipantAddForm",
    "ImportUploadForm",
    "AttendanceForm",
}


def portal_forms():
    for module in (member_forms, group_forms, activity_forms):
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, forms.BaseForm):
                yield pytest.param(cls, id=name)


@pytest.mark.parametrize("form_class", list(portal_forms()))
def test_every_portal_form_that_stores_text_applies_the_rule(form_class):
    text_fields = [
        name for name, field in form_class.base_fields.items() if isinstance(field, forms.CharField)
    ]
    if form_class.__name__ in STORE_NOTHING or not text_fields:
        return
    assert issubclass(form_class, PlainTextMixin), f"{form_class.__name__}: {text_fields}"


def test_the_rule_follows_the_widget(db):
    form = member_forms.MemberProfileForm()
    assert validate_single_line in form.fields["full_name"].validators
    assert validate_multi_line in form.fields["bio"].validators  # a textarea


def test_django_admin_applies_the_rule_to_the_portals_models():
    portal = ("members", "groups", "activities")
    missing = [
        type(model_admin).__name__
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in portal and not isinstance(model_admin, AdminInputMixin)
    ]
    assert not missing

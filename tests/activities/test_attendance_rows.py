"""The attendance sheet's inputs are written by its Jinja2 partial, not drawn by Django's
widget templates (four renders a row were most of a 500-person sheet's time): they must be
the markup Django would draw, in every state a row can be in."""

import datetime
import re

import pytest
from django.template import engines
from django.utils import timezone, translation

from activities.forms import AttendanceFormSet, attendance_initial
from activities.models import SignUp
from tests.factories import ActivityFactory, SignUpFactory

FIELDS = ("signup", "attended", "checked_in_at", "checked_out_at")


def flat(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def rows(formset) -> str:
    template = engines["jinja2"].get_template("activities/_attendance_rows.html")
    return flat(template.template.render({"formset": formset}))


def assert_drawn_as_django_draws(formset):
    html = rows(formset)
    for form in formset:
        for name in FIELDS:
            assert flat(str(form[name])) in html, (name, str(form[name]))
        for errors in form.errors.values():
            for error in errors:
                assert str(error).replace('"', "&#34;") in html or str(error) in html


@pytest.fixture
def signups(db):
    activity = ActivityFactory()
    made = [SignUpFactory(activity=activity, status=SignUp.Status.CONFIRMED) for _ in range(3)]
    start = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=2)
    made[1].attended, made[1].checked_in_at = True, start
    made[1].checked_out_at = start + datetime.timedelta(hours=1)
    made[2].attended = False
    for signup in made:
        signup.save()
    return list(SignUp.objects.filter(pk__in=[s.pk for s in made]).select_related("member"))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_fresh_sheet_is_drawn_as_django_draws_it(signups, language):
    with translation.override(language):
        formset = AttendanceFormSet(initial=attendance_initial(signups), signups=signups)
        assert_drawn_as_django_draws(formset)
        html = rows(formset)
    assert 'value="true" selected' in html and 'value="false" selected' in html
    assert 'value="unknown" selected' in html
    for signup in signups:
        assert signup.member.full_name in html


def test_a_sheet_sent_back_with_errors_is_drawn_as_django_draws_it(signups):
    data = {"form-TOTAL_FORMS": "4", "form-INITIAL_FORMS": "3"}
    rows_sent = [
        (signups[0].pk, "true", "2026-01-01T10:00", "2026-01-01T09:00"),  # out before in
        (signups[1].pk, "maybe", "not a time", ""),  # made-up values
        (signups[2].pk, "false", "", "2026-01-01T09:00"),  # out with no in
        (999999, "unknown", "", ""),  # someone gone since the page was loaded
    ]
    for i, (signup, attended, start, end) in enumerate(rows_sent):
        data.update({
            f"form-{i}-signup": str(signup), f"form-{i}-attended": attended,
            f"form-{i}-checked_in_at": start, f"form-{i}-checked_out_at": end,
        })  # fmt: skip
    with translation.override("zh-hans"):
        formset = AttendanceFormSet(data, initial=attendance_initial(signups), signups=signups)
        assert not formset.is_valid()
        assert_drawn_as_django_draws(formset)
        html = rows(formset)
    assert html.count('aria-invalid="true"') == sum(
        1 for form in formset for name in FIELDS[1:] if form[name].errors
    )
    assert "&lt;" not in html  # nothing escaped twice


def test_a_name_that_looks_like_markup_is_shown_as_text(signups):
    signups[0].member.full_name = '<img src=x onerror="alert(1)">'
    formset = AttendanceFormSet(initial=attendance_initial(signups), signups=signups)
    html = rows(formset)
    assert "<img" not in html and "&lt;img src=x" in html

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.models import Activity, Brand, HoursCorrectionRequest, SignUp
from members.images import process_photo
from members.models import Skill
from volunteer_portal.forms import ModelMultipleIdChoiceField, PlainTextMixin

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class DateTimeField(forms.DateTimeField):
    """Refuses dates out of range with a message (year 1 minus 8 hours would overflow)."""

    def to_python(self, value):
        try:
            result = super().to_python(value)
        except OverflowError:
            raise forms.ValidationError(
                _("Give a date between the years 2000 and 2100."), code="out_of_range"
            ) from None
        if result is not None and not 2000 <= result.year <= 2100:
            raise forms.ValidationError(
                _("Give a date between the years 2000 and 2100."), code="out_of_range"
            )
        return result


class ActivityForm(PlainTextMixin, forms.ModelForm):
    cover_upload = forms.FileField(
        label=_("Cover image"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/*"}),
        help_text=_("JPEG, PNG or WebP, up to 8 MB."),
    )

    class Meta:
        model = Activity
        fields = [
            "title", "kind", "themes", "brand", "description", "location", "district",
            "starts_at", "ends_at", "signup_opens_at", "signup_closes_at", "capacity",
            "offer_hours", "eligibility", "skills_wanted",
        ]  # fmt: skip
        widgets = {
            "starts_at": DATETIME,
            "ends_at": DATETIME,
            "signup_opens_at": DATETIME,
            "signup_closes_at": DATETIME,
            "themes": forms.CheckboxSelectMultiple,
            "skills_wanted": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        field_classes = {
            **dict.fromkeys(
                ["starts_at", "ends_at", "signup_opens_at", "signup_closes_at"], DateTimeField
            ),
            **dict.fromkeys(["themes", "skills_wanted"], ModelMultipleIdChoiceField),
        }

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.processed_cover = None
        self.fields["brand"].queryset = Brand.objects.filter(group=group)
        self.fields["capacity"].max_value = 10_000
        self.fields["capacity"].widget.attrs["max"] = 10_000
        self.fields["capacity"].validators.append(MaxValueValidator(10_000))
        self.fields["offer_hours"].validators.append(MaxValueValidator(720))
        self.fields["offer_hours"].widget.attrs["max"] = 720
        self.fields["skills_wanted"].queryset = Skill.objects.order_by("name")
        for name in ("starts_at", "ends_at", "signup_opens_at", "signup_closes_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        if not self.instance.times_editable():
            for name in ("starts_at", "ends_at"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _(
                    "The activity has started: its times no longer change."
                )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                _("About the activity"),
                "title",
                Div(Div("kind", css_class="col-md-6"), Div("brand", css_class="col-md-6"),
                    css_class="row"),
                Div("themes", css_class="skill-checkboxes"),
                "description",
                "cover_upload",
            ),
            Fieldset(
                _("When and where"),
                Div(Div("starts_at", css_class="col-md-6"), Div("ends_at", css_class="col-md-6"),
                    css_class="row"),
                Div(Div("location", css_class="col-md-8"), Div("district", css_class="col-md-4"),
                    css_class="row"),
            ),
            Fieldset(
                _("Sign-up"),
                Div(Div("signup_opens_at", css_class="col-md-6"),
                    Div("signup_closes_at", css_class="col-md-6"), css_class="row"),
                Div(Div("capacity", css_class="col-md-4"), Div("offer_hours", css_class="col-md-4"),
                    Div("eligibility", css_class="col-md-4"), css_class="row"),
                Div("skills_wanted", css_class="skill-checkboxes"),
            ),
        )  # fmt: skip
        self.helper.add_input(Submit("submit", _("Save")))

    def clean_cover_upload(self):
        upload = self.cleaned_data.get("cover_upload")
        if upload:
            self.processed_cover = process_photo(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        closes = cleaned.get("signup_closes_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The activity must end after it starts."))
        if starts and closes and closes > starts:
            self.add_error("signup_closes_at", _("Sign-up must close by the start."))
        opens = cleaned.get("signup_opens_at")
        if not closes and not self.has_error("signup_closes_at"):
            closes = starts  # no closing time: sign-up closes at the start
        if opens and closes and opens >= closes:
            self.add_error("signup_opens_at", _("Sign-up must open before it closes."))
        return cleaned


class CompleteForm(PlainTextMixin, forms.ModelForm):
    class Meta:
        model = Activity
        fields = ["beneficiaries", "report"]
        widgets = {"report": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Mark as completed")))


class CancelActivityForm(PlainTextMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to everyone signed up)"), required=False, max_length=300
    )


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True  # Django's documented way to take several files


class MultipleFileField(forms.FileField):
    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class PhotoUploadForm(PlainTextMixin, forms.Form):
    photos = MultipleFileField(
        label=_("Photos"),
        widget=MultipleFileInput(attrs={"multiple": True, "accept": "image/*"}),
        help_text=_("Choose several at once; up to 8 MB each. Location data is removed."),
    )
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.processed = []
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", _("Upload")))

    def clean_photos(self):
        files = self.cleaned_data.get("photos") or []
        if not files:
            raise forms.ValidationError(_("Choose at least one photo."))
        if len(files) > 30:
            raise forms.ValidationError(_("At most 30 photos at a time."))
        errors = []
        for upload in files:
            try:
                self.processed.append(process_photo(upload))
            except forms.ValidationError as error:
                errors.append(f"{upload.name}: {' '.join(error.messages)}")
        if errors:
            raise forms.ValidationError(errors)
        return files


class ParticipantAddForm(forms.Form):
    """Add someone by phone: only members the coordinator manages (their groups' rosters),
    so the form cannot be used to find out who owns any phone number."""

    phone = forms.CharField(
        label=_("Member's mobile phone"), max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )  # fmt: skip

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean_phone(self):
        from members.permissions import member_policy
        from members.validators import normalise_phone

        phone = normalise_phone(self.cleaned_data["phone"])
        member = member_policy.instances_for(self.actor, "manage").filter(phone=phone).first()
        if member is None:
            raise forms.ValidationError(
                _("None of your groups' members has this phone. Add them to the roster first.")
            )
        self.member = member
        return phone


class PresentSelect(forms.NullBooleanSelect):
    """Present, absent, or not said yet (—)."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", "—"), ("true", _("Present")), ("false", _("Absent"))]


def _attendance_time():
    return forms.DateTimeInput(
        attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M"
    )


class AttendanceForm(forms.Form):
    """One row of the attendance sheet. Its widgets are made once, with the class (a form is
    made per row: making them per form was a tenth of a 500-person sheet's time)."""

    signup = forms.IntegerField(widget=forms.HiddenInput)  # the formset's KnownSignUpField
    attended = forms.NullBooleanField(
        label=_("Present"),
        required=False,
        widget=PresentSelect(attrs={"class": "form-select"}),
    )
    checked_in_at = DateTimeField(
        label=_("In"), required=False, widget=_attendance_time(), input_formats=["%Y-%m-%dT%H:%M"]
    )
    checked_out_at = DateTimeField(
        label=_("Out"), required=False, widget=_attendance_time(), input_formats=["%Y-%m-%dT%H:%M"]
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("checked_in_at"), cleaned.get("checked_out_at")
        if end and not start:
            self.add_error("checked_in_at", _("Give the check-in time too."))
        elif start and end and end <= start:
            self.add_error("checked_out_at", _("Check-out must be after check-in."))
        return cleaned


class KnownSignUpField(forms.Field):
    """A row's sign-up, one of the sheet's (already loaded): checked against them in
    memory, so a sheet of n rows costs neither n queries nor n lists of n ids."""

    widget = forms.HiddenInput
    default_error_messages = {
        "invalid_choice": _("This participant is no longer on the list. Reload the page.")
    }

    def __init__(self, *, by_pk: dict, **kwargs):
        self.by_pk = by_pk
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return value.pk if isinstance(value, SignUp) else value

    def has_changed(self, initial, data):
        return str(self.prepare_value(initial) or "") != str(data or "")

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.by_pk[int(str(value))]
        except (KeyError, ValueError):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None


class BaseAttendanceFormSet(forms.BaseFormSet):
    def __init__(self, *args, signups, **kwargs):
        self.signups = signups
        self.by_pk = {signup.pk: signup for signup in signups}  # once, for every row
        # A row per participant (and a few for those gone since the page was loaded, who
        # get their row's error): a forged TOTAL_FORMS of a million builds no more forms
        # than that (Django's own cap is 2,000, each one rendered again with its errors).
        self.absolute_max = len(signups) + 10
        super().__init__(*args, **kwargs)

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.fields["signup"] = KnownSignUpField(by_pk=self.by_pk)
        if i < len(self.signups):
            form.signup_obj = self.signups[i]
        return form


AttendanceFormSet = forms.formset_factory(AttendanceForm, formset=BaseAttendanceFormSet, extra=0)


def attendance_initial(signups) -> list[dict]:
    return [
        {
            "signup": s.pk,
            "attended": s.attended,
            "checked_in_at": s.checked_in_at and timezone.localtime(s.checked_in_at),
            "checked_out_at": s.checked_out_at and timezone.localtime(s.checked_out_at),
        }
        for s in signups
    ]


class HoursForm(PlainTextMixin, forms.Form):
    hours = forms.DecimalField(label=_("Hours"), min_value=0, max_value=240, decimal_places=2)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class CorrectionRequestForm(PlainTextMixin, forms.ModelForm):
    class Meta:
        model = HoursCorrectionRequest
        fields = ["requested_hours", "reason"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requested_hours"].label = _("The hours you think are right")
        self.fields["reason"].label = _("Why")


class CorrectionDecisionForm(PlainTextMixin, forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("reject", _("Reject"))])
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)

"""The staff's forms: one per move of a request (what its service needs), and entering a
request on someone's behalf (a phone call, a walk-in, an event)."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from activities.forms import DATETIME, DateTimeField
from groups.models import ServiceGroup
from members.models import Skill
from members.validators import normalise_phone, validate_mobile_phone
from service_requests.models import ServiceRequest
from volunteer_portal.forms import ModelMultipleIdChoiceField, PlainTextMixin

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class MoveForm(PlainTextMixin, forms.Form):
    """A move's form: its fields are the service's arguments (``service_kwargs``). The
    page wraps it in its own ``<form>``, posted to the move's address."""

    def __init__(self, *args, service_request: ServiceRequest, **kwargs):
        self.service_request = service_request
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page's <form> has it

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class DispatchForm(MoveForm):
    group = forms.ModelChoiceField(
        label=_("Group"), queryset=ServiceGroup.objects.none(), empty_label=None
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = ServiceGroup.objects.active()
        self.fields["group"].initial = self.service_request.wanted_group_id


class AcceptForm(MoveForm):
    volunteers_needed = forms.IntegerField(
        label=_("Volunteers needed"),
        min_value=1,
        max_value=1000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("The activity gets this many places."),
    )
    starts_at = DateTimeField(label=_("Starts"), widget=DATETIME)
    ends_at = DateTimeField(label=_("Ends"), widget=DATETIME)
    location = forms.CharField(label=_("Location"), max_length=200)
    skills = ModelMultipleIdChoiceField(
        label=_("Skills needed"),
        queryset=Skill.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skills"].queryset = Skill.objects.order_by("name")
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = DATETIME_FORMATS
        self.helper.layout = Layout(
            "volunteers_needed",
            Div(
                Div("starts_at", css_class="col-sm-6"),
                Div("ends_at", css_class="col-sm-6"),
                css_class="row",
            ),
            "location",
            Div("skills", css_class="skill-checkboxes"),
        )

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must be after the start."))
        return cleaned


class DeclineForm(MoveForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For the administrators, so the request finds the right group."),
    )


class CompleteForm(MoveForm):
    delivery_notes = forms.CharField(
        label=_("Delivery notes"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was done, for the record."),
    )
    people_served = forms.IntegerField(
        label=_("People served"),
        min_value=0,
        max_value=1_000_000,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class CancelForm(MoveForm):
    reason = forms.CharField(
        label=_("What the requester said"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Who asked to withdraw it, how and when (a call on 3 May, say)."),
    )
    confirm = forms.BooleanField(
        label=_("The requester asked for this. Its activity is cancelled if it has not started."),
        error_messages={"required": _("Tick the box to confirm that the requester asked.")},
    )

    def service_kwargs(self) -> dict:
        return {"reason": self.cleaned_data["reason"]}


class NoFieldsForm(MoveForm):
    """Start, close: a button only."""


FORMS: dict[str, type[MoveForm]] = {
    "dispatch": DispatchForm,
    "accept": AcceptForm,
    "decline": DeclineForm,
    "start": NoFieldsForm,
    "complete": CompleteForm,
    "close": NoFieldsForm,
    "cancel": CancelForm,
}


# --- Entering a request on someone's behalf -------------------------------------------------

STAFF_CHANNELS = [
    choice
    for choice in ServiceRequest.Channel.choices
    if choice[0] != ServiceRequest.Channel.ONLINE
]


class RequestEnterForm(PlainTextMixin, forms.ModelForm):
    """The public form's fields, plus how the request came in; the person agreed aloud."""

    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    channel = forms.ChoiceField(label=_("How the request came in"), choices=STAFF_CHANNELS)
    consent = forms.BooleanField(
        label=_(
            "The requester agrees to be contacted about this request and was told how their "
            "data is kept (the privacy notice)."
        ),
    )

    class Meta:
        model = ServiceRequest
        fields = [
            "channel", "requester_name", "organisation", "phone", "email", "district",
            "wanted_group", "description", "preferred_dates", "beneficiaries",
        ]  # fmt: skip
        labels = {"requester_name": _("Name of the requester")}
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        group = self.fields["wanted_group"]
        group.queryset = ServiceGroup.objects.active()
        group.empty_label = _("Not sure")
        group.help_text = ""
        self.fields["beneficiaries"].widget.attrs.update(inputmode="numeric", max=1_000_000)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "channel",
            Div(
                Div("requester_name", css_class="col-md-6"),
                Div("organisation", css_class="col-md-6"),
                css_class="row",
            ),
            Div(
                Div("phone", css_class="col-md-6"),
                Div("email", css_class="col-md-6"),
                css_class="row",
            ),
            Div(
                Div("district", css_class="col-md-6"),
                Div("wanted_group", css_class="col-md-6"),
                css_class="row",
            ),
            "description",
            Div(
                Div("preferred_dates", css_class="col-md-8"),
                Div("beneficiaries", css_class="col-md-4"),
                css_class="row",
            ),
            "consent",
        )
        self.helper.add_input(Submit("submit", _("Enter the request")))

    def clean_phone(self):
        phone = normalise_phone(self.cleaned_data["phone"])
        validate_mobile_phone(phone)
        return phone

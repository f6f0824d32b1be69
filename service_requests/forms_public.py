"""The public's forms: ordering a service (with its honeypot), rating it, and finding it
again by its tracking code."""

from __future__ import annotations

import re
import unicodedata

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Layout, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groups.models import ServiceGroup
from members.models import District
from members.validators import normalise_phone, validate_mobile_phone
from service_requests.models import CODE_ALPHABET, CODE_LENGTH, ServiceRequest
from volunteer_portal.forms import PlainTextMixin


class _NeverFilled(forms.TextInput):
    """The honeypot's input: shown empty again, so a person whose browser filled it in
    can simply send the form once more."""

    def format_value(self, value):
        return None


class RequestForm(PlainTextMixin, forms.ModelForm):
    """The public's order. ``website`` is a honeypot: hidden by the stylesheet (class
    ``request-extra``), left empty by people, filled in by form-filling robots."""

    phone = forms.CharField(
        label=gettext_lazy("Mobile phone"),
        max_length=30,
        help_text=gettext_lazy("The group calls you on it to agree the details."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    wanted_group = forms.ModelChoiceField(
        label=gettext_lazy("Kind of help"),
        queryset=ServiceGroup.objects.active(),
        required=False,
        blank=True,
        empty_label=gettext_lazy("Not sure: please find the right group for me"),
        widget=forms.RadioSelect,
    )
    website = forms.CharField(
        label=gettext_lazy("Leave this field empty"),
        required=False,
        max_length=200,
        widget=_NeverFilled(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    consent = forms.BooleanField(
        label=gettext_lazy("I agree to be contacted and to the privacy notice"),
        error_messages={
            "required": gettext_lazy("Please agree, so that the group may contact you.")
        },
    )

    class Meta:
        model = ServiceRequest
        fields = [
            "requester_name",
            "organisation",
            "phone",
            "email",
            "district",
            "wanted_group",
            "description",
            "preferred_dates",
            "beneficiaries",
        ]
        widgets = {
            "requester_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "organisation": forms.TextInput(attrs={"autocomplete": "organization"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "description": forms.Textarea(attrs={"rows": 4}),
            "beneficiaries": forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
        }
        help_texts = {
            "email": gettext_lazy("Optional: we tell you there when your request moves on."),
            "description": gettext_lazy(
                "What should the volunteers do, for whom, and where? A few sentences."
            ),
            "preferred_dates": gettext_lazy("For example: weekends in May, or before 20 June."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", _("Choose a district")), *District.choices]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            *self.Meta.fields,
            Div("website", css_class="request-extra"),
            HTML('{% include "service_requests/_privacy_notice.html" %}'),
            "consent",
        )
        self.helper.add_input(
            Submit("submit", _("Send my request"), css_class="w-100", css_id="send-request")
        )

    def clean_phone(self):
        phone = normalise_phone(self.cleaned_data["phone"])
        validate_mobile_phone(phone)
        return phone

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):
            # A robot, or a browser filling in every field: refused quietly (nothing
            # saved); a person can send the form again as it is.
            raise ValidationError(
                _("Your request could not be sent. Please check it and send it again."),
                code="refused",
            )
        return cleaned


class RatingForm(PlainTextMixin, forms.Form):
    rating = forms.TypedChoiceField(
        label=gettext_lazy("Your rating"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
        error_messages={
            "required": gettext_lazy("Choose from one to five stars."),
            "invalid_choice": gettext_lazy("Choose from one to five stars."),
        },
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


class LookupForm(PlainTextMixin, forms.Form):
    """The tracking code typed from a receipt or an email: in any case, with or without the
    spaces or dashes it may be written with."""

    code = forms.CharField(
        label=gettext_lazy("Tracking code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "font-monospace",
                "placeholder": "ABCD EFGH JKMN",
            }
        ),
    )

    def clean_code(self):
        typed = unicodedata.normalize("NFKC", self.cleaned_data["code"])  # full-width ＡＢ
        code = re.sub(r"[\s\-_.·—–－]", "", typed).upper()
        if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
            raise forms.ValidationError(
                gettext_lazy(
                    "A tracking code has 12 letters and digits, as on your receipt "
                    "(no 0, 1, I, L or O)."
                ),
                code="format",
            )
        return code

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from groups.models import ServiceGroup

EMBLEM_MAX_BYTES = 2 * 1024 * 1024


class ServiceGroupProfileForm(forms.ModelForm):
    """What a coordinator may change about their group: mission texts and emblem."""

    class Meta:
        model = ServiceGroup
        fields = ["mission_zh", "mission_en", "emblem"]
        widgets = {
            "mission_zh": forms.Textarea(attrs={"rows": 4}),
            "mission_en": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save")))

    def clean_emblem(self):
        emblem = self.cleaned_data.get("emblem")
        if emblem and getattr(emblem, "size", 0) > EMBLEM_MAX_BYTES:
            raise forms.ValidationError(
                _("The emblem may be at most %(size)s MB.") % {"size": 2},
                code="too_large",
            )
        return emblem

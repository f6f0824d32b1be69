from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout, Submit
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from groups.models import Membership, ServiceGroup
from members.images import process_photo
from members.spreadsheets import ImportFileError, check_upload_size
from volunteer_portal.forms import PlainTextMixin


class ServiceGroupProfileForm(PlainTextMixin, forms.ModelForm):
    """What a coordinator may change about their group: mission texts and emblem."""

    emblem_upload = forms.FileField(
        label=_("New emblem"),
        required=False,
        help_text=_("A square JPEG or PNG works best; up to 8 MB."),
        widget=forms.FileInput(attrs={"accept": "image/*"}),
    )
    remove_emblem = forms.BooleanField(label=_("Remove the current emblem"), required=False)

    class Meta:
        model = ServiceGroup
        fields = ["mission_zh", "mission_en"]
        widgets = {
            "mission_zh": forms.Textarea(attrs={"rows": 4}),
            "mission_en": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.processed_emblem = None
        emblem_fields = ["emblem_upload"]
        if self.instance.emblem:
            emblem_fields.insert(
                0, HTML('{% include "groups/_emblem.html" with size_class="emblem-lg mb-2" %}')
            )
            emblem_fields.append("remove_emblem")
        else:
            del self.fields["remove_emblem"]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(_("Mission"), "mission_zh", "mission_en"),
            Fieldset(_("Emblem"), *emblem_fields),
        )
        self.helper.add_input(Submit("submit", _("Save")))

    def clean_emblem_upload(self):
        upload = self.cleaned_data.get("emblem_upload")
        if upload:
            self.processed_emblem = process_photo(upload)
        return upload


class ApplicationForm(PlainTextMixin, forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["motivation"]
        widgets = {"motivation": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["motivation"].label = _("Why would you like to join, and how can you help?")
        self.fields["motivation"].required = True
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Send my application")))


class RejectionForm(PlainTextMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The applicant sees this."),
    )


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file"),
        help_text=_("CSV (UTF-8 or GB18030) or Excel .xlsx, with the template's columns."),
        widget=forms.FileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limits = _(
            "At most %(rows)s rows and %(size)s MB; a large file is checked in the background."
        ) % {
            "rows": max(settings.IMPORT_MAX_ROWS, settings.IMPORT_BACKGROUND_MAX_ROWS),
            "size": f"{settings.IMPORT_MAX_UPLOAD_BYTES / 2**20:g}",
        }
        self.fields["file"].help_text = f"{self.fields['file'].help_text} {limits}"
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Check the file")))

    def clean_file(self):
        """The size, before anything reads the upload (the rest: ``members.spreadsheets``)."""
        upload = self.cleaned_data["file"]
        try:
            check_upload_size(upload.size)
        except ImportFileError as error:
            raise forms.ValidationError(str(error), code="too_large") from None
        return upload

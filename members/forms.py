from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from members.images import process_photo
from members.models import DeletionRequest, Member, Skill
from members.validators import normalise_phone, validate_mobile_phone
from volunteer_portal.forms import ModelMultipleIdChoiceField, PlainTextMixin
from volunteer_portal.mail import queue_email


class PortalAuthenticationForm(AuthenticationForm):
    """Django's login form; the username field also takes the mobile phone."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The username or mobile phone, or the password, is not right."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username or mobile phone")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", _("Log in"), css_class="w-100"))


class PortalPasswordResetForm(PasswordResetForm):
    """Django's reset form. The email goes out in the account's language when it has one,
    through the outbox (volunteer_portal.mail)."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        language = getattr(context.get("user"), "language", "") or translation.get_language()
        with translation.override(language):
            subject = loader.render_to_string(subject_template_name, context)
            body = loader.render_to_string(email_template_name, context)
            html = (
                loader.render_to_string(html_email_template_name, context)
                if html_email_template_name
                else ""
            )
        queue_email(to=to_email, subject=subject, body=body, html_body=html, from_email=from_email)


class NewPasswordForm(forms.Form):
    """A new account's password, typed twice and checked by Django's validators against
    the person it is for (``password_owner``)."""

    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def password_owner(self, cleaned: dict):
        """The account the password is for, as far as the form knows it (the validators
        refuse a password too close to the phone, the email or the name)."""
        from members.models import User

        return User(
            username=cleaned.get("phone") or "",
            email=cleaned.get("email") or "",
            first_name=cleaned.get("full_name") or "",
        )

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            try:
                password_validation.validate_password(p1, self.password_owner(cleaned))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class SignupForm(PlainTextMixin, NewPasswordForm):
    full_name = forms.CharField(label=_("Full name"), max_length=100)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        help_text=_("You can log in with it."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(label=_("Email"), help_text=_("For password resets and notices."))
    field_order = ["full_name", "phone", "email", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Create my account"), css_class="w-100"))

    def clean_phone(self):
        phone = normalise_phone(self.cleaned_data["phone"])
        validate_mobile_phone(phone)
        if Member.objects.filter(phone=phone).exists():
            raise forms.ValidationError(
                _(
                    "This mobile phone is already registered. Log in instead, or ask your "
                    "group's coordinator if you have no password yet."
                ),
                code="phone_taken",
            )
        return phone


class InvitationAcceptForm(NewPasswordForm):
    """The invited person chooses a password; the username is their mobile phone."""

    def __init__(self, *args, member: Member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member
        self.helper = FormHelper()
        self.helper.add_input(
            Submit("submit", _("Create my account"), css_class="w-100", css_id="accept")
        )

    def password_owner(self, cleaned: dict):
        from members.models import User

        return User(
            username=self.member.phone,
            email=self.member.email,
            first_name=self.member.full_name[:150],
        )


AVAILABILITY_FIELDS = ("available_weekdays", "available_weekends", "available_evenings")


class MemberProfileForm(PlainTextMixin, forms.ModelForm):
    """The member record, for the member themself and for their coordinators.

    The identity number is only in the form for those who may see it in full (the
    member and admins); coordinators see it masked on the detail page instead.
    """

    photo_upload = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=_("JPEG, PNG or WebP, up to 8 MB. Location data is removed."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    remove_photo = forms.BooleanField(label=_("Remove the current photo"), required=False)

    class Meta:
        model = Member
        fields = [
            "full_name",
            "gender",
            "birth_year",
            "birth_date",
            "phone",
            "email",
            "national_id",
            "personnel_category",
            "political_status",
            "employer",
            "job_title",
            "industry",
            "skills",
            "qualifications",
            "education",
            "district",
            *AVAILABILITY_FIELDS,
            "bio",
        ]
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "skills": forms.CheckboxSelectMultiple,
            "qualifications": forms.Textarea(attrs={"rows": 2}),
            "bio": forms.Textarea(attrs={"rows": 3}),
            "phone": forms.TextInput(attrs={"inputmode": "tel"}),
        }
        field_classes = {"skills": ModelMultipleIdChoiceField}

    def __init__(
        self,
        *args,
        show_national_id: bool = True,
        reveal_taken_id: bool = True,
        submit_label=None,
        **kwargs,
    ):
        # The person's own form does not say that an identity number belongs to someone
        # else (that would tell anyone with an account who is in the database): it is
        # accepted, and the two records wait for an administrator to merge them.
        self.reveal_taken_id = reveal_taken_id
        super().__init__(*args, **kwargs)
        self.processed_photo = None
        if not show_national_id:
            del self.fields["national_id"]
        self.fields["skills"].queryset = Skill.objects.order_by("name")
        self.fields["skills"].label = ""  # the fieldset's legend says it
        if not (self.instance and self.instance.photo):
            del self.fields["remove_photo"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.include_media = False
        basics = [
            Div(
                Div("full_name", css_class="col-md-6"),
                Div("gender", css_class="col-md-6"),
                css_class="row",
            ),
            Div(
                Div("birth_year", css_class="col-md-6"),
                Div("birth_date", css_class="col-md-6"),
                css_class="row",
            ),
            Div(
                Div("phone", css_class="col-md-6"),
                Div("email", css_class="col-md-6"),
                css_class="row",
            ),
        ]
        if show_national_id:
            basics.append("national_id")
        photo = ["photo_upload"] + (["remove_photo"] if "remove_photo" in self.fields else [])
        self.helper.layout = Layout(
            Fieldset(_("About you"), *basics),
            Fieldset(
                _("Work and background"),
                Div(
                    Div("personnel_category", css_class="col-md-6"),
                    Div("political_status", css_class="col-md-6"),
                    css_class="row",
                ),
                Div(
                    Div("employer", css_class="col-md-6"),
                    Div("job_title", css_class="col-md-6"),
                    css_class="row",
                ),
                Div(
                    Div("industry", css_class="col-md-6"),
                    Div("education", css_class="col-md-6"),
                    css_class="row",
                ),
                "qualifications",
            ),
            Fieldset(_("Skills"), Div("skills", css_class="skill-checkboxes")),
            Fieldset(_("Where and when you can serve"), "district", *AVAILABILITY_FIELDS),
            Fieldset(_("More about you"), "bio", *photo),
        )
        self.helper.add_input(Submit("submit", submit_label or _("Save")))

    def _taken(self, field: str, value: str) -> bool:
        others = Member.objects.filter(**{field: value})
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        return bool(value) and others.exists()

    def clean_phone(self):
        phone = normalise_phone(self.cleaned_data.get("phone", ""))
        if self._taken("phone", phone):
            raise forms.ValidationError(
                _("Another member already has this mobile phone."), code="phone_taken"
            )
        return phone

    def clean_national_id(self):
        national_id = (self.cleaned_data.get("national_id") or "").strip().upper()
        if self.reveal_taken_id and self._taken("national_id", national_id):
            raise forms.ValidationError(
                _("Another member already has this identity number."), code="id_taken"
            )
        return national_id

    def clean_photo_upload(self):
        upload = self.cleaned_data.get("photo_upload")
        if upload:
            self.processed_photo = process_photo(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        birth_date, birth_year = cleaned.get("birth_date"), cleaned.get("birth_year")
        if birth_date and birth_year and birth_date.year != birth_year:
            self.add_error("birth_year", _("The year of birth does not match the date of birth."))
        elif birth_date:
            cleaned["birth_year"] = birth_date.year
        return cleaned

    def profile_data(self) -> dict:
        """The cleaned model fields, for the service (skills and photo apart)."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name in self._meta.fields and name != "skills"
        }


class DeletionRequestForm(PlainTextMixin, forms.ModelForm):
    class Meta:
        model = DeletionRequest
        fields = ["reason"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = _("Why (optional)")
        self.helper = FormHelper()
        # The page writes the <form> and its CSRF field (members/me.html): the fields drawn
        # here hold nothing of the visitor's, so they are drawn once per language.
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.add_input(
            Submit("submit", _("Ask for my data to be deleted"), css_class="btn-outline-danger")
        )

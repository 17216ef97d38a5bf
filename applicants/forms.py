from crispy_forms_gds.choices import Choice
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fieldset, Layout, Size, Submit
from django import forms

from config.formfields import MoneyField

from .choices import (
    STRUCTURES_NEEDING_CHARITY_NUMBER,
    STRUCTURES_NEEDING_COMPANY_NUMBER,
    AlternativeFormat,
    ContactMethod,
    District,
    LegalStructure,
    MembershipRole,
)
from .models import DocumentKind, Organisation
from .uploads import ALLOWED_DESCRIPTION, max_upload_megabytes
from .validators import (
    normalise_account_number,
    normalise_charity_number,
    normalise_company_number,
    normalise_postcode,
    normalise_sort_code,
    normalise_telephone,
)


class OrganisationForm(forms.ModelForm):
    annual_income = MoneyField(
        label="Annual income",
        label_noun="your organisation's annual income",
        help_text="From your latest accounts, in pounds.",
    )
    legal_structure = forms.ChoiceField(
        label="What kind of organisation is it?",
        choices=LegalStructure.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what kind of organisation it is"},
    )
    district = forms.ChoiceField(
        label="Which district is it based in?",
        choices=District.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the district it is based in"},
    )
    # Longer than the stored values, so that "le19  4ab" or "1 123 456"
    # reach the normalisers below and get their specific messages.
    postcode = forms.CharField(
        label="Postcode",
        max_length=20,
        error_messages={
            "required": "Enter the postcode",
            "max_length": "Enter a real postcode, like LE3 8RA",
        },
    )
    charity_number = forms.CharField(
        label="Charity number (if registered)",
        max_length=20,
        required=False,
        error_messages={"max_length": "Enter a charity number of 6 or 7 digits, like 1123456"},
    )
    company_number = forms.CharField(
        label="Company number (if registered)",
        max_length=20,
        required=False,
        error_messages={
            "max_length": "Enter a company number of 8 characters, like 01234567 or SC123456"
        },
    )

    class Meta:
        model = Organisation
        fields = Organisation.PROFILE_FIELDS
        labels = {
            "name": "Organisation name",
            "charity_number": "Charity number (if registered)",
            "company_number": "Company number (if registered)",
            "address_line_1": "Address line 1",
            "address_line_2": "Address line 2 (optional)",
            "town": "Town or village",
            "postcode": "Postcode",
            "parish": "Parish (optional)",
            "communities_served": "Which communities do you serve? (optional)",
            "volunteers_count": "How many volunteers do you have?",
        }
        error_messages = {
            "name": {"required": "Enter the organisation's name"},
            "address_line_1": {"required": "Enter the first line of the address"},
            "town": {"required": "Enter the town or village"},
            "postcode": {"required": "Enter the postcode"},
            "volunteers_count": {
                "required": "Enter the number of volunteers, or 0",
                "invalid": "Enter the number of volunteers as a whole number, like 12",
                "min_value": "Enter the number of volunteers as a whole number, like 12",
            },
        }

    def __init__(self, *args, submit_label: str = "Save organisation", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("name"),
            Field.radios("legal_structure", legend_size=Size.SMALL),
            Field.text("charity_number", field_width=10),
            Field.text("company_number", field_width=10),
            Fieldset(
                Field.text("address_line_1"),
                Field.text("address_line_2"),
                Field.text("town", field_width=20),
                Field.text("postcode", field_width=10),
                legend="Address",
                legend_size=Size.SMALL,
            ),
            Field.radios("district", legend_size=Size.SMALL),
            Field.text("parish", field_width=20),
            Field.text("annual_income", field_width=10),
            Field.textarea("communities_served", rows=3),
            Field.text("volunteers_count", field_width=5),
            Submit("save", submit_label),
        )

    def clean_postcode(self):
        return normalise_postcode(self.cleaned_data["postcode"])

    def clean_charity_number(self):
        value = self.cleaned_data.get("charity_number", "").strip()
        return normalise_charity_number(value) if value else ""

    def clean_company_number(self):
        value = self.cleaned_data.get("company_number", "").strip()
        return normalise_company_number(value) if value else ""

    def clean(self):
        cleaned = super().clean()
        structure = cleaned.get("legal_structure")
        for field, needed_by, message in [
            ("charity_number", STRUCTURES_NEEDING_CHARITY_NUMBER, "Enter your charity number"),
            ("company_number", STRUCTURES_NEEDING_COMPANY_NUMBER, "Enter your company number"),
        ]:
            # A number that failed its own check already has a message.
            missing = not cleaned.get(field) and field not in self.errors
            if structure in needed_by and missing:
                self.add_error(field, message)
        return cleaned


class AccessNeedsForm(forms.Form):
    alternative_formats = forms.MultipleChoiceField(
        label="Do you need information from us in another format?",
        help_text="Select all that apply.",
        choices=AlternativeFormat.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose formats from the list"},
    )
    alternative_format_language = forms.CharField(
        label="If you need another language, which one?",
        max_length=100,
        required=False,
        error_messages={"max_length": "The language must be 100 characters or fewer"},
    )
    contact_methods = forms.MultipleChoiceField(
        label="How would you like us to contact you?",
        help_text="Select all that apply. We use email if you do not choose.",
        choices=ContactMethod.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose ways to contact you from the list"},
    )
    contact_telephone = forms.CharField(
        label="Telephone number (if you would like us to telephone you)",
        help_text="For example, 0116 496 0123",
        max_length=30,
        required=False,
        error_messages={"max_length": "Enter a telephone number, like 0116 496 0123"},
    )
    alternative_format_request = forms.CharField(
        label="Is there anything else we should know about how to contact you or "
        "share information? (optional)",
        help_text="For example, the best time to call, or that your secretary is deaf "
        "and prefers email.",
        max_length=500,
        required=False,
        widget=forms.Textarea,
        error_messages={"max_length": "This must be 500 characters or fewer"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_telephone"].widget.input_type = "tel"
        self.fields["contact_telephone"].widget.attrs["autocomplete"] = "tel"
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.checkboxes("alternative_formats", legend_size=Size.SMALL),
            Field.text("alternative_format_language", field_width=20),
            Field.checkboxes("contact_methods", legend_size=Size.SMALL),
            Field.text("contact_telephone", field_width=20),
            Field.textarea("alternative_format_request", rows=3, max_characters=500),
            Submit("save", "Save access needs"),
        )

    def clean_contact_telephone(self):
        value = self.cleaned_data.get("contact_telephone", "").strip()
        return normalise_telephone(value) if value else ""

    def clean(self):
        cleaned = super().clean()
        formats = cleaned.get("alternative_formats") or []
        if AlternativeFormat.ANOTHER_LANGUAGE in formats:
            if not cleaned.get("alternative_format_language", "").strip() and not self.has_error(
                "alternative_format_language"
            ):
                self.add_error("alternative_format_language", "Enter the language you need")
        elif "alternative_formats" in cleaned:
            # As with a conditionally revealed question, an answer to a
            # question that no longer applies is not kept.
            cleaned["alternative_format_language"] = ""
        methods = cleaned.get("contact_methods") or []
        if (
            ContactMethod.TELEPHONE in methods
            and not cleaned.get("contact_telephone")
            and not self.has_error("contact_telephone")
        ):
            self.add_error(
                "contact_telephone", "Enter a telephone number, or do not choose telephone"
            )
        if "alternative_format_language" in cleaned:
            cleaned["alternative_format_language"] = cleaned["alternative_format_language"].strip()
        return cleaned


class BankDetailsForm(forms.Form):
    account_name = forms.CharField(
        label="Name on the account",
        max_length=100,
        error_messages={
            "required": "Enter the name on the account",
            "max_length": "The name on the account must be 100 characters or fewer",
        },
    )
    sort_code = forms.CharField(
        label="Sort code",
        help_text="Must be 6 digits long, for example 30-94-30",
        error_messages={"required": "Enter a sort code"},
    )
    account_number = forms.CharField(
        label="Account number",
        help_text="Must be 8 digits long, for example 00733445",
        error_messages={"required": "Enter an account number"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account_name"].widget.attrs.update({"spellcheck": "false"})
        for name in ("sort_code", "account_number"):
            self.fields[name].widget.attrs.update(
                {"inputmode": "numeric", "spellcheck": "false", "autocomplete": "off"}
            )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("account_name"),
            Field.text("sort_code", field_width=5),
            Field.text("account_number", field_width=10),
            Submit("save", "Save bank details"),
        )

    def clean_sort_code(self):
        return normalise_sort_code(self.cleaned_data["sort_code"])

    def clean_account_number(self):
        return normalise_account_number(self.cleaned_data["account_number"])


ROLE_CHOICES = [
    Choice(
        MembershipRole.OWNER,
        "Owner",
        hint="Can change everything, including bank details, and manage members.",
    ),
    Choice(
        MembershipRole.EDITOR,
        "Editor",
        hint="Can change the organisation's details, documents, bank details and applications.",
    ),
    Choice(
        MembershipRole.VIEWER,
        "Viewer",
        hint="Can see the organisation's details and applications, but not change them.",
    ),
]


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        help_text="We will email them a link to join. The link works for 14 days.",
        max_length=254,
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "Enter an email address in the correct format, like name@example.com",
        },
    )
    role = forms.ChoiceField(
        label="What will they be able to do?",
        choices=ROLE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what they will be able to do",
            "invalid_choice": "Choose what they will be able to do",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update({"spellcheck": "false", "autocomplete": "off"})
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("email"),
            Field.radios("role", legend_size=Size.SMALL),
            Submit("invite", "Send invitation"),
        )


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(
        label="What can they do?",
        choices=ROLE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what they can do",
            "invalid_choice": "Choose what they can do",
        },
    )

    def __init__(self, *args, legend: str = "What can they do?", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].label = legend
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.radios("role", legend_size=Size.LARGE, legend_tag="h1"),
            Submit("save", "Save"),
        )


class DocumentUploadForm(forms.Form):
    file = forms.FileField(
        label="Upload a file",
        error_messages={
            "required": "Select a file",
            "empty": "The selected file is empty",
            "invalid": "Select a file",
            "missing": "Select a file",
        },
    )

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = f"Upload your {DocumentKind(kind).label.lower()}"
        self.fields["file"].help_text = (
            f"A {ALLOWED_DESCRIPTION} file, smaller than {max_upload_megabytes()}MB."
        )
        self.fields["file"].max_length = None
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field("file"),
            Submit("upload", "Upload document"),
        )


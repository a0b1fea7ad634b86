from django import forms
from django.utils.translation import gettext_lazy as _

from api.models import ApiToken
from crm.submissions import new_token, submission_field


class ApiTokenForm(forms.ModelForm):
    """A new token: its name and scope; a one-time token makes a double submission one API token."""

    submission = submission_field()

    class Meta:
        model = ApiToken
        fields = ["name", "scope"]
        widgets = {"scope": forms.RadioSelect}
        help_texts = {"name": _("What the token is for, such as “Billing sync”.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("submission", new_token())

    def clean_name(self):
        return self.cleaned_data["name"].strip()

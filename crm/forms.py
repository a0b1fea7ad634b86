from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crm.models import Contact, Tag, assignable_owners
from crm.submissions import new_token, submission_field


class TagsField(forms.CharField):
    """Tags typed as a comma-separated list, cleaned to a sorted list of unique names."""

    max_tag_length = Tag._meta.get_field("name").max_length

    def to_python(self, value):
        text = super().to_python(value)
        names = sorted({part.strip() for part in text.split(",") if part.strip()}, key=str.lower)
        too_long = [name for name in names if len(name) > self.max_tag_length]
        if too_long:
            raise ValidationError(
                _("A tag can have at most %(max)d characters."), params={"max": self.max_tag_length}
            )
        return names

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value)
        return value


class ContactForm(forms.ModelForm):
    tags = TagsField(label=_("Tags"), required=False, max_length=500, help_text=_("Separate tags with commas."))
    # The version the editor read: a save based on an older one is refused (see crm.services).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    # A new contact's one-time token: the same submission posted twice makes one contact.
    submission = submission_field()

    class Meta:
        model = Contact
        fields = ["kind", "name", "organisation", "email", "phone", "website", "address", "owner"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = assignable_owners(user)
        self.fields["owner"].empty_label = None
        if not self.instance.pk:
            self.fields["owner"].initial = user.pk
        organisations = Contact.objects.visible_to(user).organisations()
        if self.instance.pk:
            organisations = organisations.exclude(pk=self.instance.pk)
        self.fields["organisation"].queryset = organisations
        if self.instance.pk:
            self.initial["tags"] = [tag.name for tag in self.instance.tags.all()]
            self.initial["version"] = self.instance.version
            self.fields["version"].required = True
            del self.fields["submission"]
        else:
            self.initial["submission"] = new_token()
            del self.fields["version"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == Contact.Kind.ORGANISATION and cleaned.get("organisation"):
            self.add_error("organisation", _("An organisation cannot belong to another organisation."))
        return cleaned

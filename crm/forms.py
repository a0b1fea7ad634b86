from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from django.urls import reverse

from crm import choices
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

    def validate(self, value):
        super().validate(value)
        for name in value:  # each tag by the rules of a tag's name
            for validator in Tag._meta.get_field("name").validators:
                validator(name)

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
        # An admin may assign a thousand people and a manager sees thousands of organisations:
        # these offer the chosen one and a search, never every row.
        field_classes = {"owner": choices.SearchedChoiceField, "organisation": choices.SearchedChoiceField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # The words searched: posted with the form, or carried over when it is shown again (`again`).
        searched = self.data if self.is_bound else self.initial
        self.fields["owner"].search_in(
            choices.owners(user), url=reverse("contact_owner_choices"), label=_("Find a person"),
            search=str(searched.get("owner_q", "")),
        )
        if not self.instance.pk:
            self.fields["owner"].initial = user.pk
        self.fields["organisation"].search_in(
            choices.organisations(user, besides=self.instance.pk), url=reverse("contact_organisation_choices"),
            label=_("Find an organisation"),
            search=str(searched.get("organisation_q", "")), empty_label=_("No organisation"),
        )
        if self.instance.pk:
            self.initial.setdefault("tags", [tag.name for tag in self.instance.tags.all()])
            self.initial.setdefault("version", self.instance.version)
            self.fields["version"].required = True
            del self.fields["submission"]
        else:
            self.initial.setdefault("submission", new_token())
            del self.fields["version"]
        self.user = user

    def finding(self) -> bool:
        """Whether a choice's "Find" button (the search without JavaScript) sent the form."""
        return self.is_bound and any(f"{name}_find" in self.data for name in ("owner", "organisation"))

    def again(self) -> "ContactForm":
        """The posted form shown again, unsaved and without errors, its choices searched as asked:
        the same values, the version read and the one-time token kept."""
        return ContactForm(instance=self.instance if self.instance.pk else None, user=self.user,
                           initial=self.data.dict())

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == Contact.Kind.ORGANISATION and cleaned.get("organisation"):
            self.add_error("organisation", _("An organisation cannot belong to another organisation."))
        return cleaned


def _chosen_field():
    return forms.IntegerField(label=_("Chosen"), required=False, min_value=1, max_value=2**63 - 1)


def _search_field():
    return forms.CharField(label=_("Find"), required=False, max_length=choices.SEARCH_LENGTH)


class OwnerSearchForm(forms.Form):
    """What the contact form's owner choice (`crm.choices`) asks as its box is typed in: the words,
    and the person already chosen."""

    owner = _chosen_field()
    owner_q = _search_field()


class OrganisationSearchForm(forms.Form):
    """The same for the contact form's organisation."""

    organisation = _chosen_field()
    organisation_q = _search_field()


class IdsField(forms.Field):
    """The ticked rows' ids, as the checkboxes post them (`ids=1&ids=2`)."""

    widget = forms.MultipleHiddenInput
    max_ids = 1000

    def to_python(self, value):
        values = [value] if isinstance(value, str) else list(value or [])
        if len(values) > self.max_ids:
            raise ValidationError(_("Select at most %(max)d rows, or all contacts matching the filter."),
                                  params={"max": self.max_ids})
        try:
            ids = [int(item) for item in values]
        except (TypeError, ValueError):
            raise ValidationError(_("The selected rows are not valid: reload the list and select again.")) from None
        if any(item <= 0 or item > 2**63 - 1 for item in ids):
            raise ValidationError(_("The selected rows are not valid: reload the list and select again."))
        return sorted(set(ids))


class BulkForm(forms.Form):
    """A bulk action on the ticked rows, or on every row matching the list's filter."""

    action = forms.ChoiceField(label=_("Action"), error_messages={
        "required": _("Choose an action."), "invalid_choice": _("Unknown action."),
    })
    ids = IdsField(required=False)
    all_matching = forms.BooleanField(required=False)
    query = forms.CharField(required=False, max_length=4000, widget=forms.HiddenInput)
    owner = forms.ModelChoiceField(
        label=_("New owner"), queryset=None, required=False,
        empty_label=_("Choose the new owner…"),
        error_messages={"invalid_choice": _("You may not make this person the owner of contacts.")},
    )
    # The owner choice's search: the bar's box (htmx), or the step that offers the choice without JavaScript.
    owner_q = forms.CharField(label=_("Find a person"), required=False, max_length=100)
    owner_search = forms.BooleanField(required=False)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=Tag._meta.get_field("name").max_length)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    # The confirmation's one-time token: posted twice, a background job is made once.
    submission = submission_field()

    def __init__(self, *args, user, can_export: bool = True, **kwargs):
        from crm import bulk

        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = assignable_owners(user)
        self.fields["action"].choices = [
            (key, label) for key, label in bulk.ACTIONS if can_export or key != bulk.EXPORT
        ]
        self.fields["tag"].validators.extend(Tag._meta.get_field("name").validators)

    def clean_tag(self):
        return self.cleaned_data["tag"].strip()

    def clean(self):
        from crm import bulk

        data = super().clean()
        action = data.get("action")
        # Unconfirmed, a missing owner is asked for on the next step (`chooses_owner`).
        if action == bulk.OWNER and data.get("confirmed") and not data.get("owner") and "owner" not in self.errors:
            self.add_error("owner", _("Choose the new owner."))
        if action in (bulk.TAG_ADD, bulk.TAG_REMOVE) and not data.get("tag") and "tag" not in self.errors:
            self.add_error("tag", _("Type the tag."))
        if not data.get("all_matching") and not data.get("ids") and "ids" not in self.errors:
            raise ValidationError(_("Select at least one contact, or all contacts matching the filter."))
        return data

    def chooses_owner(self) -> bool:
        """An owner change still to be confirmed that names no owner (the bar's list is loaded by
        JavaScript) or asks for a search: the next step offers the choice."""
        from crm import bulk

        data = self.cleaned_data
        return data["action"] == bulk.OWNER and not data["confirmed"] and (not data.get("owner") or data["owner_search"])

    def plan(self):
        from crm import bulk

        data = self.cleaned_data
        return bulk.Plan(data["action"], owner=data.get("owner") if data["action"] == bulk.OWNER else None,
                         tag=data.get("tag", "") if data["action"] in (bulk.TAG_ADD, bulk.TAG_REMOVE) else "")


class OwnerChoiceForm(forms.Form):
    """What the bulk bar's owner control is asked for: the action picked, and the name searched."""

    action = forms.CharField(required=False, max_length=20)
    owner_q = forms.CharField(label=_("Find a person"), required=False, max_length=100)

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import Contact
from renewals import columns, queries
from renewals.models import CommunicationOwner, PartnerOrganisation

LAYOUTS = [("dashboard", "dashboard"), ("customer", "customer")]


class DashboardQueryForm(forms.Form):
    """The dashboard's query string: search text, sort and page."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    sort = forms.ChoiceField(label=_("Sort"), required=False)
    page = forms.IntegerField(required=False, min_value=1)

    def __init__(self, data, *, shown):
        super().__init__(data)
        keys = [column.key for column in shown]
        self.fields["sort"].choices = [("", "")] + [(key, key) for key in keys] + [(f"-{key}", f"-{key}") for key in keys]

    def sort_key(self) -> str:
        return self.cleaned_data.get("sort") or columns.DEFAULT_SORT


class PartnerChoiceForm(forms.Form):
    """The dashboard's `partner`: whose dashboard is read, among the partners `user` may open
    (`PartnerOrganisation.objects.visible_to`); none chosen, a partner reads all of their own."""

    partner = forms.ModelChoiceField(label=_("Partner"), queryset=PartnerOrganisation.objects.none(), required=False,
                                     empty_label=_("Choose a partner"))

    def __init__(self, data, *, user):
        super().__init__(data)
        self.fields["partner"].queryset = PartnerOrganisation.objects.visible_to(user)


class ColumnsForm(forms.Form):
    """"Configure columns": the locked ones are always part of the answer, or it is refused."""

    columns = forms.MultipleChoiceField(label=_("Columns"), widget=forms.CheckboxSelectMultiple, required=False)
    q = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)
    sort = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    # The version of the saved columns the picker was read at (0: none saved); see services.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, data=None, *, pickable, chosen, version=0):
        super().__init__(data, initial={"columns": [c.key for c in columns.LOCKED] + chosen, "version": version})
        self.pickable = pickable
        self.fields["columns"].choices = [(c.key, c.label) for c in columns.LOCKED + pickable]

    def clean_columns(self):
        submitted = self.cleaned_data["columns"]
        missing = [c for c in columns.LOCKED if c.key not in submitted]
        if missing:
            raise forms.ValidationError(
                _("%(columns)s cannot be removed: locked columns are always shown.")
                % {"columns": ", ".join(str(c.label) for c in missing)}
            )
        return [c.key for c in self.pickable if c.key in submitted]

    def locked_keys(self):
        return {c.key for c in columns.LOCKED}


class ActionForm(forms.Form):
    """What every in-place action posts: the version the user saw, and where the row is shown."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    layout = forms.ChoiceField(choices=LAYOUTS, required=False, widget=forms.HiddenInput)


class PrimaryContactForm(ActionForm):
    # The queryset is set per change and viewer; declared on contacts so the field says what it offers.
    primary_contact = forms.ModelChoiceField(label=_("Primary customer contact"), queryset=Contact.objects.none(), required=False)

    def __init__(self, data=None, *, change, user):
        super().__init__(data)
        # Only the customer's own people that `user` may see: any other id is "not a valid choice".
        self.fields["primary_contact"].queryset = queries.customer_people(change.customer, user)


class TakeBackForm(ActionForm):
    """"Undo" of a fact recorded by mistake: which one."""

    fact = forms.ChoiceField(choices=[("agreed", _("Customer agreed")), ("cancellation_requested", _("Cancellation requested"))],
                             widget=forms.HiddenInput)


class CommunicationOwnerForm(ActionForm):
    owner = forms.ChoiceField(label=_("Communication owner"), choices=CommunicationOwner.choices)


class PartnerDefaultsForm(forms.Form):
    """A partner organisation's defaults, as its partners set them; `version` is the one read."""

    organisation = forms.IntegerField(widget=forms.HiddenInput)
    default_communication_owner = forms.ChoiceField(
        label=_("Default communication owner"), choices=CommunicationOwner.choices,
        help_text=_("Who talks to the customer about a renewal whose own communication owner is not set."),
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, data=None, *, organisation):
        # One form per organisation on the page: ids of their own, the same field names.
        super().__init__(data, auto_id=f"organisation-{organisation.pk}-%s", initial=self.saved(organisation))
        self.partner = organisation

    @staticmethod
    def saved(organisation) -> dict:
        """The form's values for `organisation` as it is saved."""
        return {"organisation": organisation.pk, "version": organisation.version,
                "default_communication_owner": organisation.default_communication_owner}


def layout_of(data) -> str:
    value = data.get("layout") if data is not None else None
    return value if value in dict(LAYOUTS) else "dashboard"

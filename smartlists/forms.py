from django import forms
from django.utils.translation import gettext_lazy as _

from crm import fields
from crm.submissions import new_token, submission_field
from smartlists.models import SmartList


def version_field(*, required: bool = True) -> forms.IntegerField:
    """The version of the list a form was read at: a save based on an older one is refused (see services)."""
    return forms.IntegerField(label=_("Version"), widget=forms.HiddenInput, required=required, min_value=1)


class SmartListForm(forms.ModelForm):
    version = version_field(required=False)
    # A new list's one-time token: the same submission posted twice makes one list.
    submission = submission_field()

    class Meta:
        model = SmartList
        fields = ["name", "shared"]
        help_texts = {"shared": _("Your manager and teammates (or, for a manager, your team) can see and export it.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A ready-made list's name, in the language of whoever renames it.
            self.initial["name"] = self.instance.display_name
            self.initial["version"] = self.instance.version
            self.fields["version"].required = True
            del self.fields["submission"]
        else:
            self.initial["submission"] = new_token()
            del self.fields["version"]


class ListStateForm(forms.Form):
    """The page's filters and sort, carried by the forms that act on what is shown."""

    query = forms.CharField(label=_("Filters"), required=False, max_length=4000, widget=forms.HiddenInput)
    sort = forms.CharField(label=_("Sort"), required=False, max_length=64, widget=forms.HiddenInput)


class ListWriteForm(ListStateForm):
    """The page's state, posted to change the list: with the version of the list the page was read at."""

    version = version_field()

    def is_stale(self, smartlist: SmartList) -> bool:
        """After `is_valid()`: read at another version than the list's now, whatever else is wrong with it."""
        version = self.cleaned_data.get("version")
        return version is not None and version != smartlist.version


class ColumnsForm(ListWriteForm):
    """One step of the column picker: add a column, remove one, or move one up or down."""

    add = forms.ChoiceField(label=_("Add column"), required=False)
    remove = forms.ChoiceField(label=_("Remove column"), required=False)
    up = forms.ChoiceField(label=_("Move column up"), required=False)
    down = forms.ChoiceField(label=_("Move column down"), required=False)

    def __init__(self, *args, smartlist: SmartList, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = [key for key in smartlist.columns if fields.exists(key)]
        # Only fields of active features can be added; columns a list already has stay movable.
        offered = [f for f in fields.pickable(request) if f.key not in self.current]
        self.fields["add"].choices = [("", _("Choose a column…"))] + [(f.key, f.label) for f in offered]
        for name in ("remove", "up", "down"):
            self.fields[name].choices = [(key, key) for key in self.current]

    def clean(self):
        data = super().clean()
        columns = list(self.current)
        if data.get("add"):
            columns.append(data["add"])
        if data.get("remove"):
            columns.remove(data["remove"])
        for name, step in (("up", -1), ("down", 1)):
            # a column removed in the same post has nowhere to move
            if data.get(name) and data[name] in columns:
                at = columns.index(data[name])
                to = min(max(at + step, 0), len(columns) - 1)
                columns.insert(to, columns.pop(at))
        if not columns:
            raise forms.ValidationError(_("A list needs at least one column."))
        data["columns"] = columns
        return data


class ExportForm(forms.Form):
    bom = forms.BooleanField(label=_("For Excel (UTF-8 with BOM)"), required=False)
    # Raw values under the importer's own field names, to import back (see `export.reimport_chunks`).
    reimport = forms.BooleanField(label=_("For re-import"), required=False)
    # "Prepare the file": the form's one-time token, so the same submission posted twice makes one job.
    submission = submission_field()

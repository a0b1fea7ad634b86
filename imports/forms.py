from django import forms
from django.utils.translation import gettext_lazy as _

from crm import fields
from crm.submissions import new_token, submission_field
from imports.models import Import


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"))
    file = forms.FileField(label=_("CSV file"), help_text=_("UTF-8, with commas or semicolons between the columns, a header line first."))
    submission = submission_field()

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        targets = fields.import_targets(request)
        self.fields["kind"].choices = [(value, label) for value, label in Import.Kind.choices if value in targets]
        self.initial.setdefault("submission", new_token())


class MappingForm(forms.Form):
    """One select per column of the file: the field it fills, or nothing."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, imp: Import, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— do not import —"))] + [
            (f.key, f"{f.label} *" if f.required else str(f.label)) for f in fields.importable(imp.kind, request)
        ]
        self.initial["version"] = imp.version
        for index, header in enumerate(imp.headers):
            name = f"column_{index}"
            self.fields[name] = forms.ChoiceField(label=header or _("(no header)"), choices=choices, required=False)
            self.initial[name] = imp.mapping.get(str(index), "")

    def columns(self):
        return [self[f"column_{index}"] for index in range(len(self.fields) - 1)]

    def chosen(self) -> dict[str, str]:
        return {name.removeprefix("column_"): value for name, value in self.cleaned_data.items() if name.startswith("column_")}


class RunForm(forms.Form):
    mode = forms.ChoiceField(label=_("How to import"), choices=Import.Mode.choices, widget=forms.RadioSelect,
                             initial=Import.Mode.ALL_OR_NOTHING)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

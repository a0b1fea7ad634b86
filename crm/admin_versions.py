"""The Django admin's forms follow the product's rules for two writers and for double submissions.

Change forms carry the version of the row they were read at, in a hidden `read_version` field:
the row's `version` column where the model has one (every write of the product bumps it, and so
does an admin save), else a digest of the values of the fields the form shows (any writer that
changes one of them changes the digest). The save locks the row, compares, and writes nothing if
someone saved it in between: the form comes back with an error that lists the values saved now.
The admin runs a change form's validation and save in one transaction, so the lock taken by the
check holds until the save is committed.

Add forms of models with a `creation_token` carry a one-time token (`crm.submissions`): the same
submission posted twice adds one row, and the second lands on the same page as the first.
"""

import hashlib
import json

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext as _

from crm.dates import DateField
from crm.submissions import create_once, new_token, submission_field

VERSION_FIELD = "read_version"
TOKEN_FIELD = "submission"


def has_version(model) -> bool:
    return _has_field(model, "version")


def has_creation_token(model) -> bool:
    return _has_field(model, "creation_token")


def _has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _model_fields(obj: models.Model, names) -> list[models.Field]:
    fields = []
    for name in names:
        try:
            field = obj._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if field.many_to_many or field.concrete:
            fields.append(field)
    return fields


def _value(obj: models.Model, field: models.Field):
    if field.many_to_many:
        return sorted(getattr(obj, field.name).values_list("pk", flat=True))
    return field.value_from_object(obj)


def version_of(obj: models.Model, names) -> str:
    """What a change form showing the fields `names` of `obj` reads as its version."""
    if has_version(type(obj)):
        return str(obj.version)
    values = {field.name: _value(obj, field) for field in _model_fields(obj, names)}
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _display(obj: models.Model, field: models.Field) -> str:
    if field.many_to_many:
        return ", ".join(str(related) for related in getattr(obj, field.name).all()) or "—"
    if field.choices:
        return str(obj._get_FIELD_display(field)) or "—"
    value = getattr(obj, field.name)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return "—" if value in (None, "") else str(value)


def _same(field: models.Field, saved, posted) -> bool:
    if field.many_to_many:
        return saved == sorted(item.pk for item in posted or [])
    if isinstance(posted, models.Model):
        posted = posted.pk
    return saved == posted or (saved in (None, "") and posted in (None, ""))


class VersionCheck:
    """Mixed into a change form class by `VersionedAdmin.get_form`."""

    def _versioned_names(self) -> list[str]:
        return [name for name in self.fields if name != VERSION_FIELD]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial[VERSION_FIELD] = version_of(self.instance, self._versioned_names())

    def clean(self):
        cleaned = super().clean()
        read = cleaned.get(VERSION_FIELD)
        if read is None:
            return cleaned
        model = type(self.instance)
        saved = model._default_manager.select_for_update().filter(pk=self.instance.pk).first()
        if saved is None:
            raise ValidationError(
                _("Someone else deleted this %(object)s while you were editing it.") % {"object": model._meta.verbose_name},
                code="stale",
            )
        if version_of(saved, self._versioned_names()) != read:
            raise ValidationError(self._stale_messages(saved), code="stale")
        # What the form does not show is saved as it is now, not as it was when the form was loaded.
        for field in model._meta.concrete_fields:
            if field.name not in self.fields:
                setattr(self.instance, field.attname, getattr(saved, field.attname))
        return cleaned

    def _stale_messages(self, saved) -> list[str]:
        messages = [
            _("Someone else changed this %(object)s while you were editing it, so nothing was saved. The values they "
              "saved are listed here; reload the page to edit them.") % {"object": type(saved)._meta.verbose_name}
        ]
        for field in _model_fields(saved, self._versioned_names()):
            if field.name in self.cleaned_data and not _same(field, _value(saved, field), self.cleaned_data[field.name]):
                messages.append(
                    _("%(field)s is now: %(value)s") % {"field": self.fields[field.name].label, "value": _display(saved, field)}
                )
        return messages


class OneSubmission:
    """Mixed into an add form class by `VersionedAdmin.get_form`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial[TOKEN_FIELD] = new_token()


class SubmissionForm(forms.Form):
    submission = submission_field()


def _hidden_field():
    return forms.CharField(widget=forms.HiddenInput, max_length=64)


class VersionedAdmin(admin.ModelAdmin):
    """Put first among a ModelAdmin's bases: its change form checks the version, its add form the token.

    Its dates are the product's dates: refused outside `crm.dates.EARLIEST..LATEST`, as every form of
    the product refuses them (a far date saved here broke the renewals pages for everyone).
    """

    formfield_overrides = {models.DateField: {"form_class": DateField}}

    def _made_by(self, request):
        """The row an add form's token already made, if this POST repeats a submission."""
        form = SubmissionForm(request.POST)
        token = form.cleaned_data["submission"] if form.is_valid() else None
        if token is None:
            return None
        return self.model._default_manager.filter(creation_token=token).first()

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        hidden = VERSION_FIELD if obj is not None else TOKEN_FIELD if has_creation_token(self.model) else None
        if hidden and hidden not in flatten_fieldsets(fieldsets):
            fieldsets = [*fieldsets, (None, {"fields": [hidden], "classes": ["hidden"]})]
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        if "fields" not in kwargs:
            kwargs["fields"] = flatten_fieldsets(self.get_fieldsets(request, obj))
        if kwargs["fields"] is not None:  # the hidden fields are the form's own, not the model's
            kwargs["fields"] = [name for name in kwargs["fields"] if name not in (VERSION_FIELD, TOKEN_FIELD)]
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            return type(form.__name__, (VersionCheck, form), {VERSION_FIELD: _hidden_field()})
        if has_creation_token(self.model):
            return type(form.__name__, (OneSubmission, form), {TOKEN_FIELD: submission_field()})
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id is None and has_creation_token(self.model) and self.has_add_permission(request):
            if (made := self._made_by(request)) is not None:
                return self.response_add(request, made)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if change:
            if has_version(self.model):
                obj.version += 1  # the row's version as locked by the check: product forms read before are stale
            super().save_model(request, obj, form, change)
            return
        token = form.cleaned_data.get(TOKEN_FIELD)
        if token is None:
            super().save_model(request, obj, form, change)
            return
        obj.creation_token = token

        def create():
            super(VersionedAdmin, self).save_model(request, obj, form, change)
            return obj

        row, _created = create_once(self.model._default_manager.all(), token=token, create=create)
        obj.pk, obj._state.adding = row.pk, False  # the same submission raced this one: its row, once

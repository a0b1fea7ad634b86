"""Checking and writing the rows of an import, a batch at a time, with the product's own forms.

Each batch of rows costs the same handful of queries whatever its size (the contacts, owners,
organisations and periods it refers to are read once per batch), so an import's queries grow with
its batches, not its rows. A row is checked by the form a person would fill in (`ContactForm`,
`PeriodForm`): the same required fields, date range, money precision, currency codes and owners the
importer may assign. The plain rows most files are made of are read by a cheap check that takes only
what the form surely accepts, with the same values (`contacts.fast_contact`, the subscriptions app's `fast_period`);
any other row goes through the form, whose messages are the ones reported. On top of that, rows are checked against each other (the same contact twice,
overlapping periods) as they are read; `Checker` keeps what the rows so far have said.

The keys and organisations of the valid contact rows so far are kept in a TEMP table, read and
extended once per batch (`staging.SeenKeys`), so memory stays flat however long the file.

Checking never writes. Writing (`write`) re-checks each batch inside the import's transaction and
writes its valid rows set-based, nothing at all for a row that already holds the same values, and
one audit entry per row written: the rows are COPYed into a TEMP staging table and written by the
app that owns their table, set-based (contacts: `crm.bulk_writes` through `staging.ContactMerge`;
periods: the subscriptions app's hooks through `periods.PeriodStage`); the import's entries are
written here from the staging table.
"""

import copy
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.conf import settings
from django.db import connection
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import gettext as _

from crm import fields
from crm.forms import ContactForm
from crm.models import Contact, assignable_owners
from imports.mapping import normalise
from imports.models import Import
from imports.parsing import Row
from imports import contacts, periods
from imports.staging import ARRAY_PARAMETER, ContactMerge, SeenKeys, keys_parameter, row_condition


@dataclass
class Checked:
    row: Row
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column, reason)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (column, reason), of a valid row
    values: dict = field(default_factory=dict)  # the mapped cells, by field key
    cleaned: dict = field(default_factory=dict)
    existing: object = None  # the row it updates, if any

    @property
    def is_valid(self) -> bool:
        return not self.errors


def _choice_codes(choices) -> dict[str, str]:
    """{normalised code or label in any language: code}, so "Persona" and "person" are both a person."""
    codes = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for code, label in choices:
                codes[normalise(label)] = code
    for code, _label in choices:
        codes[normalise(code)] = code
    return codes


class _SharedFields(dict):
    """A form's fields built once and used by every row's form: Django deep-copies them for each
    form, which was half the time of checking a row. Checking a row reads a field, never changes it."""

    def __deepcopy__(self, memo):
        return self


def _clean_fields(self):
    """Django's `BaseForm._clean_fields` for an unprefixed form without disabled fields, minus the
    bound field it builds for each field (a row's form is never rendered): the same `clean` and
    `clean_<name>` in the same order, the same errors."""
    for name, field in self.fields.items():
        try:
            self.cleaned_data[name] = field.clean(field.widget.value_from_datadict(self.data, self.files, name))
            if hasattr(self, f"clean_{name}"):
                self.cleaned_data[name] = getattr(self, f"clean_{name}")()
        except forms.ValidationError as error:
            self.add_error(name, error)


def rows_form(form_class, *, without=()):
    """`form_class` for checking many rows: the same fields and rules, copied once instead of per row."""
    fields = _SharedFields(copy.deepcopy(form_class.base_fields))
    for name in without:
        del fields[name]
    shared = type(f"Rows{form_class.__name__}", (form_class,), {"__module__": __name__, "_clean_fields": _clean_fields})
    shared.base_fields = fields
    return shared


class Checker:
    """Checks the rows of one import in file order; `target` decides which form and which matches."""

    batch_rows: int | None = None  # rows checked and written at a time; None: `services.BATCH_ROWS`

    def __init__(self, imp: Import, *, for_update: bool = False):
        self.imp, self.user, self.for_update = imp, imp.uploaded_by, for_update
        self.mapping = {int(column): key for column, key in imp.mapping.items()}
        self.import_fields = {f.key: f for f in fields.importable(imp.kind)}
        self.column_of = {key: imp.headers[column] for column, key in self.mapping.items()}

    def column(self, key: str) -> str:
        if key in self.column_of:
            return self.column_of[key]
        if key in self.import_fields:
            return str(self.import_fields[key].label)
        return ""

    def values(self, row: Row) -> dict:
        return {key: row.cells[column].strip() for column, key in self.mapping.items()}

    def finish(self) -> None:
        """After the last batch is written (not when the import is refused, cancelled or fails)."""

    def form_errors(self, checked: Checked, form: forms.BaseForm) -> None:
        for name, messages in form.errors.items():
            column = "" if name == forms.forms.NON_FIELD_ERRORS else self.column(name)
            for message in messages:
                checked.errors.append((column, str(message)))


# Contacts ----------------------------------------------------------------------------------------

CONTACT_FIELDS = ["external_id", "kind", "name", "email", "phone", "website", "address"]


class ContactImportForm(ContactForm):
    """The contact form for one CSV row: the owner by user name and the organisation by name, both
    looked up in what the batch read, so checking a row costs no query."""

    owner = forms.CharField(required=False, max_length=150)
    organisation = forms.CharField(required=False, max_length=200)

    class Meta(ContactForm.Meta):
        fields = CONTACT_FIELDS

    def __init__(self, data, *, instance, owners: dict, organisation_names: set, ambiguous: set, importer):
        # Not ContactForm.__init__: its owner and organisation querysets would be a query per row.
        forms.ModelForm.__init__(self, data, instance=instance)
        for name in ("version", "submission"):  # `rows_form` left them out already
            self.fields.pop(name, None)
        self.owners, self.organisation_names, self.ambiguous, self.importer = (
            owners, organisation_names, ambiguous, importer,
        )

    def clean_owner(self):
        username = self.cleaned_data["owner"].strip()
        if not username:
            return self.instance.owner if self.instance.pk else self.importer
        owner = self.owners.get(username.casefold())
        if owner is None:
            raise forms.ValidationError(
                _("You may not make “%(owner)s” the owner of a contact (no such user among the people you may assign).")
                % {"owner": username}
            )
        return owner

    def clean_organisation(self):
        name = self.cleaned_data["organisation"].strip()
        if not name:
            return ""
        key = name.casefold()
        if key in self.ambiguous:
            raise forms.ValidationError(_("More than one organisation is called “%(name)s”.") % {"name": name})
        if key not in self.organisation_names:
            raise forms.ValidationError(
                _("No organisation you can see is called “%(name)s” (nor does one come before this row in the file).")
                % {"name": name}
            )
        return name

    def validate_unique(self):
        """Uniqueness of the external ID is the importer's match, checked for the batch at once."""

    def _post_clean(self):
        # The model's constraints are checked for the batch too (the match, the kind and
        # organisation rule in `clean`): validating them here would be a query per row.
        self.instance.validate_constraints = lambda *args, **kwargs: None
        try:
            super()._post_clean()
        finally:
            del self.instance.validate_constraints


RowsContactImportForm = rows_form(ContactImportForm, without=("version", "submission"))


class ContactChecker(Checker):
    def __init__(self, imp, **kwargs):
        super().__init__(imp, **kwargs)
        self.owners = {user.username.casefold(): user for user in assignable_owners(self.user)}
        self.kinds = _choice_codes(Contact.Kind.choices)
        # "id:…", "email:…" and "organisation:…" (casefolded names of valid organisation rows) -> line
        self.seen = SeenKeys()
        self.merge = None
        self.visible = Contact.objects.visible_to(self.user)

    def _matches(self, values_list: list[dict]):
        """The batch's contacts among those the importer sees, and the external IDs it names that
        only contacts it does not see have (unique: such a row can be neither that contact nor a
        new one). A contact it does not see is never matched, counted or named."""
        ids = {v["external_id"] for v in values_list if v.get("external_id")}
        emails = {v["email"].casefold() for v in values_list if v.get("email")}
        table = Contact._meta.db_table
        visible_sql, visible_params = row_condition(self.visible)
        with connection.cursor() as cursor:
            # The ids first, each key list one array parameter whatever the batch's size (`external_id
            # <> ''` spelled out: the planner then uses the partial unique index); a batch of new
            # contacts stops here.
            cursor.execute(
                f"SELECT id, external_id, {visible_sql} FROM {table}"
                f" WHERE external_id <> '' AND external_id = ANY({ARRAY_PARAMETER})"
                f" UNION SELECT id, external_id, true FROM {table}"
                f" WHERE email <> '' AND lower(email) = ANY({ARRAY_PARAMETER}) AND {visible_sql}",
                [*visible_params, keys_parameter(ids), keys_parameter(emails), *visible_params],
            )
            matched = cursor.fetchall()
        found = [pk for pk, _external_id, visible in matched if visible]
        taken = {external_id for _pk, external_id, visible in matched if not visible}
        contacts = []
        if found:
            # A row without an owner keeps it: the owners come with the contacts, no query per row.
            contacts = Contact.objects.filter(pk__in=found).select_related("owner")
            if self.for_update:
                contacts = contacts.select_for_update(of=("self",))
            contacts = list(contacts)
        by_id = {c.external_id: c for c in contacts if c.external_id}
        by_email: dict[str, list[Contact]] = {}
        for contact in contacts:
            if contact.email:
                by_email.setdefault(contact.email.casefold(), []).append(contact)
        tags: dict[int, list[str]] = {}
        if "tags" in self.column_of:
            through = Contact.tags.through.objects.filter(contact_id__in=[c.pk for c in contacts])
            for contact_id, name in through.values_list("contact_id", "tag__name"):
                tags.setdefault(contact_id, []).append(name)
        return by_id, by_email, taken, tags

    def _organisations(self, values_list: list[dict]) -> tuple[set[str], set[str]]:
        names = {v["organisation"].casefold() for v in values_list if v.get("organisation")}
        if not names:
            return set(), set()
        found: dict[str, int] = {}
        organisations = self.visible.organisations().annotate(name_key=Lower("name")).filter(name_key__in=names)
        for name in organisations.values_list("name", flat=True):
            found[name.casefold()] = found.get(name.casefold(), 0) + 1
        return set(found), {name for name, count in found.items() if count > 1}

    def check(self, rows: list[Row]) -> list[Checked]:
        batch = [Checked(row=row, values=self.values(row)) for row in rows]
        by_id, by_email, taken, tags = self._matches([c.values for c in batch])
        db_organisations, ambiguous = self._organisations([c.values for c in batch])
        self.seen.load(self._keys([c.values for c in batch]))
        for checked in batch:
            self._check_one(checked, by_id, by_email, taken, tags, db_organisations, ambiguous)
        self.seen.store()
        return batch

    @staticmethod
    def _keys(values_list: list[dict]):
        for values in values_list:
            if values.get("external_id"):
                yield f"id:{values['external_id']}"
            if values.get("email"):
                yield f"email:{values['email'].casefold()}"
            if values.get("organisation"):
                yield f"organisation:{values['organisation'].casefold()}"

    def _find(self, checked: Checked, by_id, by_email) -> Contact | None:
        values = checked.values
        external_id, email = values.get("external_id", ""), values.get("email", "").casefold()
        if external_id and external_id in by_id:
            return by_id[external_id]
        if email:
            # A row with an external ID that no contact has yet may still be a contact saved without one.
            candidates = [c for c in by_email.get(email, []) if not external_id or c.external_id in ("", external_id)]
            if len(candidates) > 1:
                checked.errors.append((self.column("email"), _("More than one contact has this e-mail: give an external ID.")))
                return None
            return candidates[0] if candidates else None
        return None

    def _check_one(self, checked, by_id, by_email, taken, tags, db_organisations, ambiguous):
        values = checked.values
        external_id, email = values.get("external_id", ""), values.get("email", "").casefold()
        for key, column in (("id", "external_id"), ("email", "email")):
            value = external_id if key == "id" else email
            if key == "email" and external_id:
                continue  # with an external ID the row is that contact, whatever its e-mail
            line = self.seen.get(f"{key}:{value}") if value else None
            if line is not None:
                checked.errors.append((self.column(column), _("The same contact is on line %(line)d too.")
                                       % {"line": line}))
        if external_id in taken:
            # Worded as any unusable value: that a contact the importer does not see has it is not said.
            checked.errors.append((self.column("external_id"),
                                   _("This external ID cannot be used: leave it empty or give another one.")))
        if checked.errors:
            return
        existing = self._find(checked, by_id, by_email)
        if checked.errors:
            return
        data = self._form_data(values, existing)
        cleaned, checked.errors = self.cells(
            data, existing=existing, organisation_names=db_organisations | self._file_organisations(values),
            ambiguous=ambiguous,
        )
        if cleaned is None:
            return
        checked.existing = existing
        checked.cleaned = cleaned
        if not external_id and not email:
            # Nothing to match it by: the same file imported again makes this contact again.
            checked.warnings.append(("", _("Neither an external ID nor an e-mail: importing this file again would "
                                           "create this contact again.")))
        if external_id:
            self.seen.add(f"id:{external_id}", checked.row.line)
        if email:
            self.seen.add(f"email:{email}", checked.row.line)
        if cleaned["kind"] == Contact.Kind.ORGANISATION:
            self.seen.add(f"organisation:{cleaned['name'].casefold()}", checked.row.line)

    def cells(self, data: dict, *, existing, organisation_names: set, ambiguous: set) -> tuple[dict | None, list]:
        """(the contact's cleaned values, []) or (None, the form's errors) for a row's data."""
        context = {"owners": self.owners, "organisation_names": organisation_names, "ambiguous": ambiguous}
        cleaned = contacts.fast_contact(data, existing=existing, importer=self.user, **context)
        if cleaned is not None:
            return cleaned, []
        form = RowsContactImportForm(data, instance=existing, importer=self.user, **context)
        if not form.is_valid():
            checked = Checked(row=None)
            self.form_errors(checked, form)
            return None, checked.errors
        return form.cleaned_data, []

    def _file_organisations(self, values: dict) -> set[str]:
        """The row's organisation, if a valid organisation row before it in the file has its name."""
        name = values.get("organisation", "").casefold()
        return {name} if name and self.seen.get(f"organisation:{name}") is not None else set()

    def _form_data(self, values: dict, existing: Contact | None) -> dict:
        if existing is not None:
            data = {name: getattr(existing, name) for name in CONTACT_FIELDS}
        else:
            data = {"kind": Contact.Kind.PERSON}
        data["owner"] = ""
        data["organisation"] = ""
        if existing is not None and existing.organisation_id:
            data["organisation"] = existing.organisation_name_copy
        for key, value in values.items():
            if key == "kind":
                value = self.kinds.get(normalise(value), value) if value else Contact.Kind.PERSON
            data[key] = value
        return data

    # Writing --------------------------------------------------------------------------------------

    def write(self, batch: list[Checked]) -> dict:
        """Write the valid rows of a checked batch, set-based (see `staging.ContactMerge`)."""
        if self.merge is None:
            self.merge = ContactMerge(
                imp=self.imp, user=self.user, with_tags="tags" in self.column_of,
                visible_organisations=self.visible.organisations(),
            )
        return self.merge.write([c for c in batch if c.is_valid])


# Subscription periods ----------------------------------------------------------------------------


class PeriodChecker(Checker):
    """Periods match on their contact and start date; a contact is found by its external ID, e-mail or name.

    Cells are read by the hooks' `fast_period` (the form for any row it does not take), the rest is
    set-based SQL over the file's rows in a staging table (`periods.PeriodStage`)."""

    batch_rows = 2000  # a batch costs the same dozen statements whatever its size

    def __init__(self, imp, **kwargs):
        super().__init__(imp, **kwargs)
        self.hooks = periods.hooks()
        self.period_form = rows_form(self.hooks.form)
        self.frequencies = _choice_codes(self.hooks.model._meta.get_field("billing_frequency").choices)
        self.stage = periods.PeriodStage(imp=imp, user=self.user, hooks=self.hooks, for_update=self.for_update)

    def cells(self, values: dict) -> tuple[dict | None, list[tuple[str, str]]]:
        """(the period's values, []) or (None, the form's errors) for a row's cells."""
        data = periods.form_data(values, self.frequencies, self.hooks.form)
        period = self.hooks.fast_period(data)
        if period is not None:
            return period, []
        form = self.period_form(data)
        if not form.is_valid():
            checked = Checked(row=None)
            self.form_errors(checked, form)
            return None, checked.errors
        period = form.period_data()
        for key in ("mrr", "price"):  # as the column stores it: "50" is 50.00, the same as before
            if period[key] is not None:
                period[key] = period[key].quantize(Decimal("0.01"))
        return period, []

    def check(self, rows: list[Row]) -> list[Checked]:
        batch, staged = [], []
        for row in rows:
            checked = Checked(row=row, values=self.values(row))
            period, checked.errors = self.cells(checked.values)
            batch.append(checked)
            staged.append((row.line, checked.values, period))
        messages = periods._messages()
        found = self.stage.check(staged)
        for checked in batch:
            if checked.row.line in found:
                code, line = found[checked.row.line]
                key, message = messages[code]
                if code in ("same_start", "file_overlap"):
                    message = message % {"line": line}
                if code in ("no_id", "no_email", "two_emails", "no_name", "two_names", "no_contact"):
                    # A row without its contact is reported for that alone: its cells are not its own.
                    checked.errors = [(self.column(key) if key else "", message)]
                else:
                    checked.errors.append((self.column(key), message))
        return batch

    def write(self, batch: list[Checked]) -> dict:
        return self.stage.write(sum(1 for checked in batch if checked.is_valid))

    def finish(self) -> None:
        self.stage.finish()


def checker_for(imp: Import, *, for_update: bool = False) -> Checker:
    return (ContactChecker if imp.kind == Import.Kind.CONTACTS else PeriodChecker)(imp, for_update=for_update)

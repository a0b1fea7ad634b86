"""The contact's own fields, registered in the field registry by `CrmConfig.ready()`."""

import django_filters
from django import forms
from django.contrib.postgres.aggregates import StringAgg
from django.db.models import CharField, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from crm.choices import CHOICES_SHOWN
from crm.fields import ContactField, register
from crm.models import Contact, Tag, User, assignable_of, assignable_owners, person_name


class OwnerFilter(django_filters.Filter):
    """The contacts of one owner, chosen among the people whose contacts the viewer sees (active
    ones: `assignable_owners`, the filterset's `request.user`); anyone else is not a choice, and
    is refused as one. By username, the parameter's value since lists were first saved.

    A list page holds no <select> of every user: up to `CHOICES_SHOWN` people (a rep, a manager's
    team) are a choice, read once; beyond that (an admin's company) the owner's username is typed,
    and checked against the same people (one query when given)."""

    # A choice among users, as the catalogue of forms reads it (tests/reliability): `field` below
    # builds the list, or the typed username, for the request's viewer.
    field_class = forms.ModelChoiceField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, queryset=User.objects.none(), **kwargs)

    def filter(self, qs, value):
        return qs.filter(owner_id=self._owner_ids[value]) if value else qs

    @property
    def field(self):
        if not hasattr(self, "_field"):
            request = getattr(self.parent, "request", None)
            self._field = owner_field(request.user if request is not None else None, label=self.label)
            self._owner_ids = self._field.owner_ids
        return self._field


def owner_field(user, *, label, seen: list[User] | None = None) -> forms.Field:
    """One of the people whose contacts `user` sees (`assignable_owners`), by username, optional:
    a choice among up to `CHOICES_SHOWN` of them, read once, else the username typed and checked
    against the same people (one query when given). Its `owner_ids` holds {username: id} of those
    read (a typed one is added as it validates), and `listed` the people of a choice (None when typed).
    `seen`: `people_seen(user)` when already read (not None): its active ones, with no statement."""
    if seen is None:
        people = _assignable(user)
        listed = list(people[: CHOICES_SHOWN + 1])
    else:
        people, listed = None, assignable_of(seen)
    owner_ids = {person.username: person.pk for person in listed}
    if len(listed) > CHOICES_SHOWN:
        field = TypedOwnerField(_assignable(user) if people is None else people, owner_ids, label=label, required=False)
        field.listed = None
    else:
        field = forms.ChoiceField(label=label, required=False, choices=[
            ("", _("Any owner")), *((person.username, str(person)) for person in listed)])
        field.listed = listed
    field.owner_ids = owner_ids
    return field


def _assignable(user):
    return (assignable_owners(user) if user is not None else User.objects.none()).only(
        "username", "first_name", "last_name")  # what a choice shows (`User.__str__`) and is sent as


class TypedOwnerField(forms.CharField):
    """An owner's username, typed: one of `people`, or refused as a choice that is not one."""

    def __init__(self, people, owner_ids: dict, **kwargs):
        super().__init__(max_length=150, widget=forms.TextInput(attrs={"placeholder": _("Username")}), **kwargs)
        self.people, self.owner_ids = people, owner_ids

    def validate(self, value):
        super().validate(value)
        if value and value not in self.owner_ids:
            found = self.people.filter(username=value).values_list("pk", flat=True).first()
            if found is None:
                raise forms.ValidationError(forms.ChoiceField.default_error_messages["invalid_choice"],
                                            code="invalid_choice", params={"value": value})
            self.owner_ids[value] = found


def _tags_text(reading):
    """The contact's tags joined by ", " in name order, as one text value."""
    tags = Tag.objects.filter(contacts=OuterRef("pk")).order_by().values("contacts")
    joined = Subquery(tags.annotate(text=StringAgg("name", ", ", order_by="name")).values("text"))
    return Coalesce(joined, Value(""), output_field=CharField())


def register_contact_fields():
    for key, label in [
        ("name", _("Name")),
        ("email", _("E-mail")),
        ("phone", _("Phone")),
        ("website", _("Website")),
    ]:
        register(ContactField(key=key, label=label, kind="text"))
    register(ContactField(key="kind", label=_("Kind"), kind="choice", choices=tuple(Contact.Kind.choices)))
    register(
        ContactField(
            key="organisation_name",
            label=_("Organisation"),
            kind="text",
            expression=lambda reading: Coalesce("organisation__name", Value("")),
        )
    )
    register(
        ContactField(
            key="owner_name",
            label=_("Owner"),
            kind="text",
            expression=lambda reading: Coalesce(person_name("owner__"), Value("")),
            filters=lambda: {
                "owner": OwnerFilter(field_name="owner", label=_("Owner"))
            },
        )
    )
    register(ContactField(key="tags_text", label=_("Tags"), kind="text", expression=_tags_text))


def register_contact_import_fields():
    """What a CSV of contacts may fill: the contact form's fields, plus the id from the old system."""
    from crm.fields import ImportField, register_importable

    meta = Contact._meta
    values = {
        "organisation": lambda: Coalesce("organisation__name", Value("")),
        "owner": lambda: F("owner__username"),
    }
    for key, names in [
        ("external_id", (_("External ID"),)),
        ("kind", (_("Kind"),)),
        ("name", (_("Name"),)),
        ("email", (_("E-mail"), "email", "mail")),
        ("phone", (_("Phone"),)),
        ("website", (_("Website"),)),
        ("address", (_("Address"),)),
        ("organisation", (_("Organisation"),)),
        ("owner", (_("Owner"),)),
    ]:
        register_importable(
            ImportField(key=key, label=meta.get_field(key).verbose_name, target="contacts", names=names,
                        required=key == "name", value=values.get(key), headers=CONTACT_HEADERS.get(key, {}))
        )
    register_importable(
        ImportField(key="tags", label=_("Tags"), target="contacts", names=("tags_text",), value=lambda: _tags_text(None),
                    headers=CONTACT_HEADERS["tags"])
    )


# What files made elsewhere (other CRMs, spreadsheets) call a contact's columns, by language.
CONTACT_HEADERS = {
    "external_id": {"en": ("Customer ID", "Record ID", "Contact ID"), "it": ("Codice cliente", "ID contatto"),
                    "pt_BR": ("Código do cliente", "ID do contato")},
    "kind": {"en": ("Type", "Contact type"), "it": ("Tipo contatto",), "pt_BR": ("Tipo de contato",)},
    "name": {"en": ("Contact name", "Company name"), "it": ("Nome contatto", "Ragione sociale"),
             "pt_BR": ("Nome do contato", "Razão social")},
    "email": {"en": ("E-mail address", "Email address"), "it": ("Indirizzo email", "Posta elettronica"),
              "pt_BR": ("Endereço de e-mail", "Correio eletrônico")},
    "phone": {"en": ("Telephone", "Phone number", "Mobile"), "it": ("Cellulare", "Numero di telefono"),
              "pt_BR": ("Celular", "Número de telefone")},
    "website": {"en": ("Web site", "URL", "Web"), "it": ("Sito",), "pt_BR": ("Página web",)},
    "address": {"en": ("Street address", "Postal address"), "it": ("Via",), "pt_BR": ("Logradouro",)},
    "organisation": {"en": ("Organization", "Company", "Account"), "it": ("Azienda", "Società"),
                     "pt_BR": ("Empresa",)},
    "owner": {"en": ("Contact owner", "Account owner", "Assigned to", "Sales rep"),
              "it": ("Proprietario", "Assegnato a", "Commerciale"), "pt_BR": ("Proprietário", "Dono", "Vendedor")},
    "tags": {"en": ("Tag", "Labels", "Label"), "it": ("Etichette", "Etichetta"), "pt_BR": ("Etiquetas", "Etiqueta", "Marcadores")},
}

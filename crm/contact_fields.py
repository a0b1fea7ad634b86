"""The contact's own fields, registered in the field registry by `CrmConfig.ready()`."""

import django_filters
from django.contrib.postgres.aggregates import StringAgg
from django.db.models import CharField, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from crm.fields import ContactField, register
from crm.models import Contact, Tag, person_name


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
                "owner": django_filters.CharFilter(field_name="owner__username", label=_("Owner"), max_length=150)
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
                        required=key == "name", value=values.get(key))
        )
    register_importable(
        ImportField(key="tags", label=_("Tags"), target="contacts", names=("tags_text",), value=lambda: _tags_text(None))
    )

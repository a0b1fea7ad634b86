"""The contact list's rows as its table prints them.

A page of contacts is read with `values()`: the shown columns only, the owner's name by the one
rule of `crm.models.person_name`, no model instances. The kind's label and each link's text around
the pk are looked up once per page (`crm.links.object_urls`), not once a row.
"""

from django.db.models import F, QuerySet

from crm.links import object_urls
from crm.models import Contact, person_name

# The columns the contact list shows, in its order, as the fields of `crm.fields`: what its bulk
# export writes (the table's own cells are read below).
SHOWN_FIELDS = ["name", "kind", "organisation_name", "email", "owner_name"]


def contact_rows(contacts: QuerySet) -> list[dict]:
    """`contacts` (a page of them, in order) as the cells of the contact list."""
    rows = contacts.values(
        "pk", "name", "kind", "email", "organisation_id",
        organisation_name=F("organisation__name"), owner_name=person_name("owner__"),
    )
    url = object_urls("contact_detail")
    kinds = {value: str(label) for value, label in Contact.Kind.choices}
    return [
        {
            "pk": str(row["pk"]),  # text: an int would be localised where it is printed
            "name": row["name"],
            "url": url(row["pk"]),
            "kind": kinds[row["kind"]],
            "email": row["email"],
            "organisation_name": row["organisation_name"],
            "organisation_url": url(row["organisation_id"]) if row["organisation_id"] else "",
            "owner_name": row["owner_name"],
        }
        for row in rows
    ]

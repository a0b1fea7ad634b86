"""The cheap reading of a contact row.

`fast_contact` takes only what the contact import form (`checking.ContactImportForm`, the contact
form with the owner and organisation read from what the batch looked up) surely accepts, and gives
the values its `cleaned_data` would hold. It runs the form's own validators where they are cheap
(the e-mail's, the tags field's) and plain checks for the rest; any row it is not sure of goes
through the form, whose errors are the ones reported. Its agreement with the form, including the
model validation the form runs, is pinned by `tests/imports/test_fast_checks.py`.
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from crm.forms import ContactForm
from crm.text import has_invisible
from crm.models import Contact

CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # `crm.text.single_line` refuses these
KINDS = frozenset(Contact.Kind.values)
# The one-line text fields and their lengths, from the model, as the form reads them.
ONE_LINE = {name: Contact._meta.get_field(name).max_length for name in ("external_id", "name", "phone")}
EMAIL_LENGTH = Contact._meta.get_field("email").max_length
TAGS = ContactForm.base_fields["tags"]


def _trimmed(value) -> bool:
    return isinstance(value, str) and value == value.strip()


def fast_contact(data: dict, *, existing, importer, owners: dict, organisation_names: set, ambiguous: set) -> dict | None:
    """The form's cleaned data for `data` (see `ContactChecker._form_data`), when every cell is of
    the plain, surely valid kind; None otherwise (the form decides then)."""
    for name, length in ONE_LINE.items():
        value = data.get(name, "")
        if not _trimmed(value) or len(value) > length or CONTROL.search(value):
            return None
    if not data.get("name", "") or has_invisible(data["name"]):  # `crm.text.visible_single_line`
        return None
    kind = data.get("kind", "")
    if kind not in KINDS:
        return None
    email = data.get("email", "")
    if not _trimmed(email) or len(email) > EMAIL_LENGTH:
        return None
    if email:
        try:
            validate_email(email)
        except ValidationError:
            return None
    if data.get("website", ""):  # the URL field rewrites some addresses (a scheme added): the form's
        return None
    address = data.get("address", "")
    if not _trimmed(address) or "\x00" in address:
        return None
    try:
        tags = TAGS.clean(data.get("tags", ""))
    except ValidationError:
        return None
    username = data.get("owner", "")
    if not _trimmed(username):
        return None
    if username:
        owner = owners.get(username.casefold())
        if owner is None:
            return None
    else:
        owner = existing.owner if existing is not None and existing.pk else importer
    organisation = data.get("organisation", "")
    if not _trimmed(organisation) or len(organisation) > 200 or "\x00" in organisation:
        return None
    if organisation:
        key = organisation.casefold()
        if kind == Contact.Kind.ORGANISATION or key in ambiguous or key not in organisation_names:
            return None
    return {
        "external_id": data.get("external_id", ""), "kind": kind, "name": data["name"], "email": email,
        "phone": data.get("phone", ""), "website": "", "address": address, "tags": tags, "owner": owner,
        "organisation": organisation,
    }

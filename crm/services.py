"""Writes to contacts: each atomic; an edit is refused if someone saved the row since it was read."""

import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.models import Contact, Tag
from crm.submissions import create_once


def stale_error() -> ValidationError:
    return ValidationError(
        _("Someone else changed this contact while you were editing it. Their values are shown below; "
          "reload to edit them again."),
        code="stale",
    )


def _set_tags(contact: Contact, tags: list[str]) -> None:
    contact.tags.set([Tag.objects.get_or_create(name=name)[0] for name in tags])


def contact_create(*, contact: Contact, tags: list[str], token: uuid.UUID | None) -> tuple[Contact, bool]:
    """Save the new `contact` with its tags; a token already used answers with the contact it made.

    Returns the contact and whether it was created now.
    """

    def create() -> Contact:
        contact.creation_token = token
        contact.save()
        _set_tags(contact, tags)
        return contact

    return create_once(Contact.objects.all(), token=token, create=create)


@transaction.atomic
def contact_update(*, contact: Contact, tags: list[str], version: int) -> Contact:
    """Save the edited `contact` if nobody saved it since `version` was read."""
    current = Contact.objects.select_for_update().filter(pk=contact.pk).values_list("version", flat=True).first()
    if current is None or current != version:
        raise stale_error()
    contact.version = version + 1
    contact.save()
    _set_tags(contact, tags)
    return contact

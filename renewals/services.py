"""Writes to renewals data: each under one transaction, recording who and when.

Every write that can change a contract change's status tells the partner's users through
`notices` in the same transaction; the e-mails themselves leave after commit.
"""

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import dates
from crm.submissions import create_once
from renewals import notices
from renewals.models import Association, ColumnPreference, ContractChange, ContractChangeLog, PartnerOrganisation


class Conflict(Exception):
    """Someone else saved the contract change since the form was shown."""

    def __init__(self):
        super().__init__(_("Someone else changed this contract change a moment ago. Check it and try again."))


def column_preference_version(user) -> int:
    """The version of `user`'s saved columns as a form reads it; 0 when none are saved yet."""
    return ColumnPreference.objects.filter(user=user).values_list("version", flat=True).first() or 0


@transaction.atomic
def column_preference_save(*, user, columns: list[str], version: int) -> ColumnPreference:
    """Save `user`'s columns if nobody saved them since `version` (0: none saved) was read."""
    if version == 0:
        preference, created = ColumnPreference.objects.get_or_create(user=user, defaults={"columns": columns})
        if not created:
            raise _stale_columns()
        return preference
    if not ColumnPreference.objects.filter(user=user, version=version).update(
        columns=columns, version=F("version") + 1, updated_at=timezone.now()
    ):
        raise _stale_columns()
    return ColumnPreference.objects.get(user=user)


def _stale_columns() -> ValidationError:
    return ValidationError(
        _("Your columns were changed elsewhere (another tab?) while you were choosing. The saved choice is shown; "
          "choose again."),
        code="stale",
    )


@transaction.atomic
def partner_defaults_save(*, organisation: PartnerOrganisation, default_communication_owner: str,
                          version: int) -> PartnerOrganisation:
    """Save a partner organisation's default communication owner if nobody (a colleague, an admin)
    saved the organisation since `version` was read. It applies at once to every contract change
    of the organisation whose own communication owner is not set (`communication_owner_expression`)."""
    if not PartnerOrganisation.objects.filter(pk=organisation.pk, version=version).update(
        default_communication_owner=default_communication_owner, version=F("version") + 1
    ):
        raise ValidationError(
            _("Someone else changed these settings a moment ago. The saved ones are shown; choose again."),
            code="stale",
        )
    return PartnerOrganisation.objects.get(pk=organisation.pk)


def _lock(change: ContractChange, version: int) -> ContractChange:
    """The row, locked for this transaction, if nobody saved it since `version` was read."""
    row = ContractChange.objects.select_for_update().get(pk=change.pk)
    if row.version != version:
        raise Conflict
    return row


def _save(row: ContractChange, *fields: str) -> None:
    row.version += 1
    row.save(update_fields=[*fields, "version", "updated_at"])


def _log(row, action, by, old="", new=""):
    ContractChangeLog.objects.create(change=row, action=action, old_value=str(old)[:200], new_value=str(new)[:200], by=by)


def contract_change_create(*, customer, data: dict, by=None, token: uuid.UUID | None = None) -> ContractChange:
    """A new contract change; the customer's partner users hear of it after commit.

    The same add form posted again (same `token`) answers with the change it made.
    """

    def create() -> ContractChange:
        change = ContractChange.objects.create(customer=customer, creation_token=token, **data)
        _log(change, ContractChangeLog.Action.CREATED, by, new=str(change))
        notices.announce_created(change, today=dates.today())
        return change

    with transaction.atomic():
        return create_once(ContractChange.objects.all(), token=token, create=create)[0]


def contract_change_update(*, change: ContractChange, data: dict, version: int, by) -> ContractChange:
    """Set the fields in `data` if nobody saved `change` since `version` was read (else Conflict).

    Each changed field leaves an audit row; the partner's users hear of a changed status.
    """
    with transaction.atomic():
        row = _lock(change, version)
        changed = []
        for name, value in data.items():
            old = getattr(row, name)
            if old != value:
                setattr(row, name, value)
                changed.append((name, old, value))
        if not changed:
            return row
        _save(row, *(name for name, _old, _new in changed))
        for name, old, new in changed:
            _log(row, ContractChangeLog.Action.EDITED, by, f"{name}: {'' if old is None else old}", "" if new is None else new)
        notices.announce_status(row, today=dates.today())
    return row


def contract_change_set_primary_contact(*, change, contact, version: int, by) -> ContractChange:
    if contact is not None and contact.organisation_id != change.customer.contact_id:
        raise ValueError("The primary customer contact must be one of the customer's people")
    with transaction.atomic():
        row = _lock(change, version)
        old = row.primary_contact
        row.primary_contact = contact
        _save(row, "primary_contact")
        _log(row, ContractChangeLog.Action.PRIMARY_CONTACT, by, old or "", contact or "")
    return row


def contract_change_set_communication_owner(*, change, owner: str, version: int, by) -> ContractChange:
    with transaction.atomic():
        row = _lock(change, version)
        old = row.communication_owner
        row.communication_owner = owner
        _save(row, "communication_owner")
        _log(row, ContractChangeLog.Action.COMMUNICATION_OWNER, by, old, owner)
    return row


def contract_change_record_agreement(*, change, version: int, by) -> ContractChange:
    return _record_once(change, version, by, "agreed", ContractChangeLog.Action.AGREED)


def contract_change_record_cancellation(*, change, version: int, by) -> ContractChange:
    return _record_once(change, version, by, "cancellation_requested", ContractChangeLog.Action.CANCELLATION_REQUESTED)


def _record_once(change, version: int, by, fact: str, action) -> ContractChange:
    """Set `<fact>_at` and `<fact>_by` the first time only, log it and tell the partner."""
    with transaction.atomic():
        row = _lock(change, version)
        if getattr(row, f"{fact}_at") is None:
            setattr(row, f"{fact}_at", timezone.now())
            setattr(row, f"{fact}_by", by)
            _save(row, f"{fact}_at", f"{fact}_by")
            _log(row, action, by)
            notices.announce_status(row, today=dates.today())
    return row


# The facts a partner or vendor staff record on a contract change, and how taking each back is logged.
TAKEN_BACK = {
    "agreed": ContractChangeLog.Action.AGREEMENT_TAKEN_BACK,
    "cancellation_requested": ContractChangeLog.Action.CANCELLATION_TAKEN_BACK,
}


def contract_change_take_back(*, change, fact: str, version: int, by) -> ContractChange:
    """Take back `fact` ("agreed" or "cancellation_requested"), recorded by mistake, if nobody saved
    `change` since `version` was read (else Conflict): the status is derived as it was before it, the
    history keeps both (who had recorded it, in the log row), and the partner's users hear of the status."""
    with transaction.atomic():
        row = _lock(change, version)
        if getattr(row, f"{fact}_at") is not None:
            recorder = getattr(row, f"{fact}_by")
            setattr(row, f"{fact}_at", None)
            setattr(row, f"{fact}_by", None)
            _save(row, f"{fact}_at", f"{fact}_by")
            _log(row, TAKEN_BACK[fact], by, old=recorder or "")
            notices.announce_status(row, today=dates.today())
    return row


def association_end(*, association: Association, by) -> Association:
    """End the association (kept as a row); its pending notices will not be sent."""
    with transaction.atomic():
        row = Association.objects.select_for_update().get(pk=association.pk)
        if row.ended_at is None:
            row.ended_at, row.ended_by = timezone.now(), by
            row.save(update_fields=["ended_at", "ended_by"])
            row.notices.pending().update(skipped_at=row.ended_at)
    return row


def association_start(*, partner, customer) -> Association:
    return Association.objects.create(partner=partner, customer=customer)


def notices_daily(*, today: datetime.date | None = None) -> int:
    """The daily task's work: status changes that time brought, and deadline reminders."""
    return notices.daily(today=today or dates.today())

"""Writes to a contact's subscription: each one atomic, checked under a lock, and audited.

Every function takes the contact row `select_for_update` first, so two people adding periods to
the same contact are serialised and the no-overlap check cannot race. The exclusion constraint
of migration 0002 backs the check up; its `IntegrityError` becomes the same form error. Each
write leaves a `PeriodChange` row (who, when, old and new values) in the same transaction.
"""

import datetime
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from crm.dates import today
from crm.models import Contact
from crm.submissions import create_once
from subscriptions.models import Period, PeriodChange
from subscriptions.summary import refresh_contacts

# What a period's audit row records, in this order.
AUDITED = (
    "currency", "mrr", "start_date", "end_date", "term_months", "description",
    "price", "billing_frequency", "billing_every_months",
)


def snapshot(period: Period) -> dict:
    """The audited values of `period` as JSON: dates ISO, money as "12.50", empty as None."""
    values = {}
    for name in AUDITED:
        value = getattr(period, name)
        if isinstance(value, Decimal):
            value = f"{value:f}"  # never an exponent ("1E+3"): a Decimal typed as "1e3" keeps one
        elif isinstance(value, datetime.date):
            value = str(value)
        values[name] = value if value != "" else None
    return values


def _overlap_error() -> ValidationError:
    return ValidationError(
        _("This period overlaps another period of the same contact. Change its dates or end the other period first."),
        code="overlap",
    )


def _stale_error() -> ValidationError:
    return ValidationError(
        _("Someone else changed this period while you were editing it. Its values as saved now are shown below; "
          "reload to edit it again."),
        code="stale",
    )


def _lock(contact: Contact) -> None:
    Contact.objects.select_for_update().filter(pk=contact.pk).values_list("pk").get()


def _check_no_overlap(period: Period) -> None:
    others = Period.objects.filter(contact_id=period.contact_id).exclude(pk=period.pk)
    if others.overlapping(period.start_date, period.end_date).exists():
        raise _overlap_error()


def _save(period: Period) -> None:
    """Save inside a savepoint so a constraint violation leaves the transaction usable."""
    try:
        with transaction.atomic():
            period.save()
    except IntegrityError as error:
        raise _overlap_error() from error


def _audit(period: Period, action: str, *, old: dict, by) -> None:
    PeriodChange.objects.create(
        contact_id=period.contact_id,
        period_id_value=period.pk,
        action=action,
        old_values=old,
        new_values={} if action == PeriodChange.Action.DELETED else snapshot(period),
        changed_by=by,
    )


def _summarise(contact_id: int) -> None:
    refresh_contacts([contact_id], today=today())


def _apply(period: Period, data: dict) -> None:
    for name in AUDITED:
        if name in data:
            setattr(period, name, data[name])


@transaction.atomic
def period_create(*, contact: Contact, data: dict, by, token: uuid.UUID | None = None) -> Period:
    """Add a period to `contact`; refused (ValidationError) if it overlaps another one.

    The same form posted again (same `token`) answers with the period it added.
    """
    _lock(contact)  # before the token is looked up: the same submission twice waits here for the first

    def create() -> Period:
        period = Period(contact=contact, creation_token=token)
        _apply(period, data)
        _check_no_overlap(period)
        _save(period)
        _audit(period, PeriodChange.Action.CREATED, old={}, by=by)
        _summarise(period.contact_id)
        return period

    return create_once(Period.objects.filter(contact=contact), token=token, create=create)[0]


@transaction.atomic
def period_change(
    *, contact: Contact, data: dict, by, last_read: tuple[int | None, int | None] | None = None,
    token: uuid.UUID | None = None,
) -> Period:
    """"Change subscription": add the next period, ending the one before it the day before.

    The period running into the new start (open-ended, or ending later) is ended on the day
    before; its values stay as they were. A change cannot start before that period began.
    `last_read`: the id and version of the contact's last period when the form was read ((None,
    None): it had none); refused (ValidationError) if the last period is another one now or was
    edited since. The same form posted again (same `token`) answers with the period it added.
    """
    _lock(contact)

    def change() -> Period:
        if last_read is not None:
            _check_last_period(contact, last_read)
        start = data["start_date"]
        previous = Period.objects.filter(contact=contact, start_date__lt=start).order_by("-start_date").first()
        if previous is not None and (previous.end_date is None or previous.end_date >= start):
            old = snapshot(previous)
            previous.end_date = start - datetime.timedelta(days=1)
            previous.term_months = None
            previous.version += 1
            _save(previous)
            _audit(previous, PeriodChange.Action.UPDATED, old=old, by=by)
        period = Period(contact=contact, creation_token=token)
        _apply(period, data)
        _check_no_overlap(period)
        _save(period)
        _audit(period, PeriodChange.Action.CREATED, old={}, by=by)
        _summarise(period.contact_id)
        return period

    return create_once(Period.objects.filter(contact=contact), token=token, create=change)[0]


def _check_last_period(contact: Contact, last_read: tuple[int | None, int | None]) -> None:
    last = Period.objects.for_contact(contact).last()
    now = (last.pk, last.version) if last is not None else (None, None)
    if now != tuple(last_read):
        raise ValidationError(
            _("Someone else changed this subscription while you were changing it. Its last period as saved now is "
              "shown below; reload to change it again."),
            code="stale",
        )


def _locked_current(period: Period, version: int) -> Period:
    _lock(period.contact)
    current = Period.objects.select_for_update().filter(pk=period.pk).first()
    if current is None or current.version != version:
        raise _stale_error()
    return current


@transaction.atomic
def period_update(*, period: Period, data: dict, version: int, by) -> Period:
    """Edit `period` if nobody saved it since `version` was read; refused if it would overlap."""
    period = _locked_current(period, version)
    old = snapshot(period)
    _apply(period, data)
    if snapshot(period) == old:
        return period
    _check_no_overlap(period)
    period.version += 1
    _save(period)
    _audit(period, PeriodChange.Action.UPDATED, old=old, by=by)
    _summarise(period.contact_id)
    return period


@transaction.atomic
def period_delete(*, period: Period, version: int, by) -> None:
    """Delete `period` if nobody saved it since `version` was read. The audit row stays."""
    period = _locked_current(period, version)
    old = snapshot(period)
    pk = period.pk
    period.delete()
    period.pk = pk
    _audit(period, PeriodChange.Action.DELETED, old=old, by=by)
    _summarise(period.contact_id)

"""Writes to a contact's subscription: each one atomic, checked under a lock, and audited.

Every function takes the contact row `select_for_update` first, so two people adding periods to
the same contact are serialised and the no-overlap check cannot race. The exclusion constraint
of migration 0002 backs the check up; its `IntegrityError` becomes the same form error. Each
write leaves a `PeriodChange` row (who, when, old and new values) in the same transaction.
"""

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import JSONField
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _
from psycopg.types.json import Jsonb

from crm.dates import today
from crm.models import Contact, User
from crm.submissions import create_once
from subscriptions.models import Period, PeriodChange
from subscriptions.summary import refresh_contacts

# What a period's audit row records, in this order.
AUDITED = (
    "currency", "mrr", "start_date", "end_date", "term_months", "description",
    "price", "billing_frequency", "billing_every_months",
)


def snapshot_sql(alias: str) -> str:
    """The audited values of the period row `alias` as a jsonb expression: dates ISO, money as the
    column stores it ("12.50", never an exponent), empty as null. The one definition of what an
    audit row records, for one period (`_audit`) and for many (`bulk_writes`)."""
    parts = []
    for name in AUDITED:
        column = f"{alias}.{name}"
        kind = Period._meta.get_field(name).get_internal_type()
        if kind in ("DecimalField", "DateField"):
            value = f"{column}::text"
        elif kind == "CharField":
            value = f"nullif({column}, '')"
        else:
            value = column
        parts.append(f"'{name}', {value}")
    return f"jsonb_build_object({', '.join(parts)})"


def _snapshot():
    """`snapshot_sql` of the period a queryset reads, as an annotation."""
    return RawSQL(snapshot_sql(Period._meta.db_table), (), output_field=JSONField())




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
    """The audit row of a write to `period`, its new values read from its row as saved (none once
    deleted), in one statement, which locks the user row as the foreign key's check would."""
    if by is not None and by.pk is None:
        raise ValueError("The audit row of a period write needs a saved user.")
    change = PeriodChange._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {change} (contact_id, period_id_value, action, old_values, new_values, changed_by_id, changed_at)
                SELECT %s, %s, %s, %s, CASE WHEN p.id IS NULL THEN '{{}}'::jsonb ELSE {snapshot_sql("p")} END, u.id, now()
                FROM (SELECT 1) AS one LEFT JOIN {Period._meta.db_table} p ON p.id = %s
                LEFT JOIN (SELECT id FROM {User._meta.db_table} WHERE id = %s FOR KEY SHARE) u ON true""",
            [period.contact_id, period.pk, action, Jsonb(old), period.pk, by.pk if by else None],
        )


def _summarise(contact_id: int) -> None:
    refresh_contacts([contact_id], today=today())


def _apply(period: Period, data: dict) -> None:
    for name in AUDITED:
        if name in data:
            setattr(period, name, data[name])


def period_create(*, contact: Contact, data: dict, by, token: uuid.UUID | None = None) -> Period:
    """Add a period to `contact`; refused (ValidationError) if it overlaps another one.

    The same form posted again (same `token`) answers with the period it added.
    """
    return period_create_once(contact=contact, data=data, by=by, token=token)[0]


@transaction.atomic
def period_create_once(*, contact: Contact, data: dict, by, token: uuid.UUID | None = None) -> tuple[Period, bool]:
    """`period_create`, saying whether the period was added now (False: `token` had added it)."""
    _lock(contact)  # before the token is looked up: the same submission twice waits here for the first

    def create() -> Period:
        period = Period(contact=contact, creation_token=token)
        _apply(period, data)
        _check_no_overlap(period)
        _save(period)
        _audit(period, PeriodChange.Action.CREATED, old={}, by=by)
        _summarise(period.contact_id)
        return period

    return create_once(Period.objects.filter(contact=contact), token=token, create=create)


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
        previous = (Period.objects.filter(contact=contact, start_date__lt=start).order_by("-start_date")
                    .annotate(audited=_snapshot()).first())
        if previous is not None and (previous.end_date is None or previous.end_date >= start):
            old = previous.audited
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
    current = Period.objects.select_for_update().filter(pk=period.pk).annotate(audited=_snapshot()).first()
    if current is None or current.version != version:
        raise _stale_error()
    return current


@transaction.atomic
def period_update(*, period: Period, data: dict, version: int, by) -> Period:
    """Edit `period` if nobody saved it since `version` was read; refused if it would overlap."""
    period = _locked_current(period, version)
    old, before = period.audited, {name: getattr(period, name) for name in AUDITED}
    _apply(period, data)
    if all(getattr(period, name) == value for name, value in before.items()):
        return period  # the same values (50 is 50.00): nothing is written, as an import does
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
    old = period.audited
    pk = period.pk
    period.delete()
    period.pk = pk
    _audit(period, PeriodChange.Action.DELETED, old=old, by=by)
    _summarise(period.contact_id)

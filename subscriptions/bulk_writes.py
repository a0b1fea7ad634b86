"""Subscription periods written many at a time (a CSV import), set-based: a few statements whatever
the number of rows, under the rules of `subscriptions.services` (the same locks, the same audit
snapshot, `version` bumped only when a value changes).

The caller stages the rows in a TEMP table of its own with the columns `staged_columns()` (COPY is
the fast way in: a new row's id is drawn as it is copied, in the caller's order) and names the rows
to write with a condition on its alias `s`. It has matched each row to the stored period it updates
(`period_id`: same contact and start date) and checked that none overlaps another period
(`models.overlaps_sql`).
"""

from django.db import connection

from crm.models import Contact
from subscriptions.models import Period, PeriodChange
from subscriptions.services import AUDITED, snapshot_sql


def staged_columns(*, for_writing: bool) -> str:
    """The columns a staging table of periods has (beside the caller's own): the contact, the
    audited values, the stored period it updates and `new_id`, the id a new row gets. Only a table
    written from draws ids (`for_writing`): a check alone leaves the sequence alone."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [Period._meta.db_table])
        sequence = cursor.fetchone()[0]
    new_id = f"bigint DEFAULT nextval('{sequence}'::regclass)" if for_writing else "bigint"
    return (
        "contact_id bigint, currency text, mrr numeric(12, 2), start_date date, end_date date, term_months integer,"
        " description text, price numeric(12, 2), billing_frequency text, billing_every_months integer,"
        f" period_id bigint, new_id {new_id}, action text"
    )


def periods_lock(staged: str, rows: str) -> None:
    """Lock the contacts of the staged `rows` then their periods, in id order, as the period forms
    do (`services._lock`): a person adding a period waits for the import."""
    contact, period = Contact._meta.db_table, Period._meta.db_table
    contacts = f"SELECT s.contact_id FROM {staged} s WHERE {rows} AND s.contact_id IS NOT NULL"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {contact} c WHERE c.id IN ({contacts}) ORDER BY c.id FOR UPDATE OF c")
        cursor.execute(f"SELECT 1 FROM {period} p WHERE p.contact_id IN ({contacts}) ORDER BY p.id FOR UPDATE OF p")


def periods_bulk_upsert(staged: str, rows: str, *, by, imported_from: str) -> int:
    """Write the staged `rows` (a condition on `s`): a new period for each without `period_id`
    (its id `new_id`), the values of the stored one for the others where they differ (`action`
    set to 'updated' on those), each with its audit row, which names the file `imported_from`.
    Returns how many were changed."""
    period, change = Period._meta.db_table, PeriodChange._meta.db_table
    columns = ", ".join(AUDITED)
    s_columns = ", ".join(f"s.{name}" for name in AUDITED)
    audit_columns = "contact_id, period_id_value, action, old_values, new_values, changed_by_id, changed_at, imported_from"
    with connection.cursor() as cursor:
        # `n` (materialised once, the columns written only) reads the staging table, which may hold a
        # whole file, once.
        cursor.execute(
            f"""WITH n AS (SELECT s.new_id, s.contact_id, {s_columns} FROM {staged} s WHERE {rows} AND s.period_id IS NULL),
                created AS (
                    INSERT INTO {period} (id, contact_id, {columns}, version, created_at, updated_at)
                    SELECT s.new_id, s.contact_id, {s_columns}, 1, now(), now() FROM n s ORDER BY s.new_id
                )
                INSERT INTO {change} ({audit_columns})
                SELECT s.contact_id, s.new_id, %s, '{{}}'::jsonb, {snapshot_sql('s')}, %s, now(), %s FROM n s ORDER BY s.new_id""",
            [PeriodChange.Action.CREATED, by.pk, imported_from],
        )
        differs = " OR ".join(f"p.{name} IS DISTINCT FROM s.{name}" for name in AUDITED)
        sets = ", ".join(f"{name} = s.{name}" for name in AUDITED)
        cursor.execute(
            f"""WITH old AS (
                    SELECT p.id, {snapshot_sql('p')} AS old_values FROM {staged} s JOIN {period} p ON p.id = s.period_id
                    WHERE {rows} AND ({differs})
                ), changed AS (
                    UPDATE {period} p SET {sets}, version = p.version + 1, updated_at = now()
                    FROM {staged} s, old WHERE {rows} AND s.period_id = old.id AND p.id = old.id
                    RETURNING p.id, p.contact_id, {snapshot_sql('p')} AS new_values
                ), audited AS (
                    INSERT INTO {change} ({audit_columns})
                    SELECT changed.contact_id, changed.id, %s, old.old_values, changed.new_values, %s, now(), %s
                    FROM changed JOIN old ON old.id = changed.id ORDER BY changed.id
                )
                UPDATE {staged} s SET action = %s FROM changed WHERE {rows} AND s.period_id = changed.id""",
            [PeriodChange.Action.UPDATED, by.pk, imported_from, PeriodChange.Action.UPDATED],
        )
        return cursor.rowcount

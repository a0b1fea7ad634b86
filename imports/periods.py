"""Checking and writing subscription periods, set-based.

Each row's cells are read in Python by `fast_period`, which takes only what the period form
surely accepts and gives the same values (`PeriodForm` stays the rule: any other row goes through
the form, whose errors are the ones reported). The rows are then COPYed into a TEMP staging table
holding the whole file, and the rest is SQL over it, a batch at a time and a handful of statements
whatever the batch's size: the contact each row names (its external ID or e-mail, among those the
importer sees), the file's earlier rows it overlaps (`daterange &&`), the stored period it updates
(same contact and start date) or overlaps. Writing is INSERT ... SELECT and UPDATE ... FROM (only
rows whose values differ), with the period audit and the import's audit entries written the same
way. The subscription summaries of the contacts whose periods were written are refreshed once, at
the end of the import (`finish`), from a TEMP table of their ids: one statement, not one a batch.

What the importer needs from `subscriptions` comes through its hooks (`crm.fields.import_hooks`).
"""

import datetime
import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _
from psycopg.types.json import Jsonb

from crm import fields
from crm.billing import BillingFrequency
from crm.dates import EARLIEST, LATEST, today
from crm.models import Contact
from imports.mapping import normalise
from imports.models import ImportEntry
from imports.staging import ARRAY_PARAMETER, id_sequence, keys_parameter, row_condition, temp_name

CENTS = Decimal("0.01")
MONEY = re.compile(r"^\d{1,10}(?:\.\d{1,2})?$")  # max_digits=12, decimal_places=2, not negative
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MONTHS = re.compile(r"^\d{1,3}$")
CURRENCY = re.compile(r"^[A-Za-z]{3}$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # a description is one line
DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
FREQUENCIES = {value for value, _label in BillingFrequency.choices}


def decimal_text(text: str) -> str:
    """"12,50" as spreadsheets in Italy and Brazil write it, read as 12.50; anything else as typed."""
    return text.replace(",", ".") if DECIMAL_COMMA.match(text) else text


def form_data(values: dict, frequencies: dict, form) -> dict:
    """The period form's data for a row's cells (the contact's columns left out)."""
    data = {key: value for key, value in values.items() if not key.startswith("contact_")}
    if not data.get("currency"):
        data["currency"] = settings.CRM_CURRENCY
    for key in ("mrr", "price"):
        if data.get(key):
            data[key] = decimal_text(data[key])
    if data.get("billing_frequency"):
        data["billing_frequency"] = frequencies.get(normalise(data["billing_frequency"]), data["billing_frequency"])
    if data.get("term_months"):
        data["end"] = form.AFTER
    elif data.get("end_date"):
        data["end"] = form.ON
    else:
        data["end"] = form.NEVER
    return data


def _date(text: str) -> datetime.date | None:
    """An ISO date in the forms' range, or None (let the form decide)."""
    if not ISO_DATE.match(text):
        return None
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        return None
    return day if EARLIEST <= day <= LATEST else None


def fast_period(data: dict, *, hooks) -> dict | None:
    """The period the form would clean from `data` (see `form_data`), when the cells are the
    common, surely valid kind; None for anything else: the form decides it then. `hooks` give the
    subscriptions app's own arithmetic (`normalise_mrr`, `end_after_months`)."""
    currency = data.get("currency", "")
    if not CURRENCY.match(currency):
        return None
    money = {}
    for key in ("mrr", "price"):
        text = data.get(key, "")
        if not text:
            money[key] = None
        elif MONEY.match(text):
            money[key] = Decimal(text)
        else:
            return None
    if data.get("billing_every_months"):
        return None
    frequency = data.get("billing_frequency", "")
    if frequency and frequency not in FREQUENCIES:
        return None
    if money["price"] is None and not frequency:
        if money["mrr"] is None:
            return None
    elif money["price"] is None or not frequency:
        return None
    else:
        try:
            computed = hooks.normalise_mrr(money["price"], frequency, None)
        except ValidationError:
            return None
        if money["mrr"] is not None and money["mrr"] != computed:
            return None
        money["mrr"] = computed
    start = _date(data.get("start_date", ""))
    if start is None:
        return None
    end_text = data.get("end_date", "")
    end = _date(end_text) if end_text else None
    if end_text and end is None:
        return None
    term = None
    if data["end"] == "after":
        if not MONTHS.match(data["term_months"]):
            return None
        term = int(data["term_months"])
        if not 1 <= term <= 600:
            return None
        end = hooks.end_after_months(start, term)
        if end > LATEST:
            return None
    elif data["end"] == "on":
        if end < start:
            return None
    description = data.get("description", "")
    if len(description) > 200 or CONTROL.search(description):
        return None
    return {
        "currency": currency.upper(), "mrr": money["mrr"].quantize(CENTS), "start_date": start, "end_date": end,
        "term_months": term, "description": description,
        "price": money["price"].quantize(CENTS) if money["price"] is not None else None,
        "billing_frequency": frequency, "billing_every_months": None,
    }


# Error codes the SQL gives a row, and their messages.
def _messages():
    return {
        "no_id": ("contact_external_id", _("No contact you can see has this external ID.")),
        "no_email": ("contact_email", _("No contact you can see has this e-mail.")),
        "two_emails": ("contact_email", _("More than one contact has this e-mail: give the contact's external ID.")),
        "no_contact": ("", _("Give the contact's external ID or e-mail.")),
        "same_start": ("start_date", _("Line %(line)d has a period of the same contact starting on the same day.")),
        "file_overlap": ("start_date", _("This period overlaps the one on line %(line)d.")),
        "overlap": ("start_date", _("This period overlaps another period of the same contact.")),
    }


class PeriodStage:
    """The TEMP table of the file's rows and the SQL that checks and writes them."""

    COLUMNS = ["currency", "mrr", "start_date", "end_date", "term_months", "description", "price",
               "billing_frequency", "billing_every_months"]

    def __init__(self, *, imp, user, hooks, for_update: bool):
        self.imp, self.user, self.hooks, self.for_update = imp, user, hooks, for_update
        self.table = temp_name("periods")
        self.touched = temp_name("touched")  # the contacts whose periods were written
        self.ids = ""  # the periods' id sequence
        self.created = False
        self.batch = 0
        self.visible_sql, self.visible_params = row_condition(Contact.objects.visible_to(user))

    def _create(self, cursor) -> None:
        if self.created:
            return
        cursor.execute(
            f"""CREATE TEMP TABLE {self.table} (
                line integer PRIMARY KEY, batch integer NOT NULL, ok boolean NOT NULL,
                contact_external_id text NOT NULL, contact_email text NOT NULL, contact_id bigint,
                currency text, mrr numeric(12, 2), start_date date, end_date date, term_months integer,
                description text, price numeric(12, 2), billing_frequency text, billing_every_months integer,
                "values" jsonb NOT NULL, error text, error_line integer, period_id bigint
            ) ON COMMIT DROP"""
        )
        cursor.execute(f"CREATE INDEX ON {self.table} (contact_id, start_date)")
        cursor.execute(f"CREATE INDEX ON {self.table} (batch)")
        cursor.execute(f"CREATE TEMP TABLE {self.touched} (contact_id bigint NOT NULL) ON COMMIT DROP")
        self.created = True

    def _contacts(self, cursor, rows):
        """The batch's contacts, read with two queries before its rows are staged: a function of a
        row's external ID and e-mail giving (its contact's id or None, an error code or None). By
        external ID (then the e-mail is not looked at), else by e-mail, among the contacts the
        importer sees."""
        contact = Contact._meta.db_table
        external_ids, emails = set(), set()
        for _line, values, _period in rows:
            if external_id := values.get("contact_external_id", ""):
                external_ids.add(external_id)
            elif email := values.get("contact_email", ""):
                emails.add(email.casefold())
        by_id, by_email = {}, {}
        if external_ids:
            cursor.execute(
                f"SELECT external_id, id FROM {contact}"
                f" WHERE external_id <> '' AND external_id = ANY({ARRAY_PARAMETER}) AND {self.visible_sql}",
                [keys_parameter(external_ids), *self.visible_params],
            )
            by_id = dict(cursor.fetchall())
        if emails:
            cursor.execute(
                f"SELECT lower(email), count(*), min(id) FROM {contact}"
                f" WHERE lower(email) = ANY({ARRAY_PARAMETER}) AND {self.visible_sql} GROUP BY 1",
                [keys_parameter(emails), *self.visible_params],
            )
            by_email = {email: (count, contact_id) for email, count, contact_id in cursor.fetchall()}

        def found(external_id: str, email: str) -> tuple[int | None, str | None]:
            if external_id:
                contact_id = by_id.get(external_id)
                return contact_id, None if contact_id is not None else "no_id"
            if email:
                count, contact_id = by_email.get(email, (0, None))
                return (contact_id, None) if count == 1 else (None, "no_email" if count == 0 else "two_emails")
            return None, "no_contact"

        return found

    def check(self, rows) -> dict[int, tuple[str, int | None]]:
        """`rows`: (line, values, period or None if its cells are wrong); {line: (error code, line)}."""
        self.batch += 1
        t, b = self.table, self.batch
        period_table = self.hooks.model._meta.db_table
        with connection.cursor() as cursor:
            self._create(cursor)
            contacts = self._contacts(cursor, rows)
            with cursor.cursor.copy(
                f"COPY {t} (line, batch, ok, contact_external_id, contact_email, contact_id, error,"
                f" {', '.join(self.COLUMNS)}, \"values\") FROM STDIN"
            ) as copy:
                for line, values, period in rows:
                    cells = [period[name] for name in self.COLUMNS] if period else [None] * len(self.COLUMNS)
                    external_id, email = values.get("contact_external_id", ""), values.get("contact_email", "").casefold()
                    copy.write_row((line, b, period is not None, external_id, email,
                                    *contacts(external_id, email), *cells, Jsonb(values)))
            if self.batch & (self.batch - 1) == 0 and self.batch > 1:
                # The table grows with the file: its statistics are renewed as it doubles (2, 4, 8...
                # batches), or the planner takes it for the first batches' size and scans it whole.
                cursor.execute(f"ANALYZE {t} (line, batch, ok, contact_id, start_date, error)")
            if self.for_update:
                # As the period forms do: the contacts first, so a person adding a period waits for the import.
                cursor.execute(
                    f"SELECT 1 FROM {Contact._meta.db_table} c WHERE c.id IN (SELECT contact_id FROM {t}"
                    f" WHERE batch = %s AND contact_id IS NOT NULL) ORDER BY c.id FOR UPDATE OF c",
                    [b],
                )
                cursor.execute(
                    f"SELECT 1 FROM {period_table} p WHERE p.contact_id IN (SELECT contact_id FROM {t}"
                    f" WHERE batch = %s AND contact_id IS NOT NULL) ORDER BY p.id FOR UPDATE OF p",
                    [b],
                )
            # The stored period it updates (same start), or another one it overlaps: a stored period
            # whose start the file gives again is the file's to change, not an overlap.
            cursor.execute(
                f"""UPDATE {t} s SET period_id = p.id FROM {period_table} p
                    WHERE s.batch = %s AND s.ok AND s.error IS NULL
                      AND p.contact_id = s.contact_id AND p.start_date = s.start_date""",
                [b],
            )
            cursor.execute(
                f"""UPDATE {t} s SET error = 'overlap' WHERE s.batch = %s AND s.ok AND s.error IS NULL AND EXISTS (
                        SELECT FROM {period_table} p WHERE p.contact_id = s.contact_id
                          AND p.start_date <> s.start_date
                          AND daterange(p.start_date, p.end_date, '[]') && daterange(s.start_date, s.end_date, '[]')
                          AND NOT EXISTS (SELECT FROM {t} f WHERE f.contact_id = p.contact_id
                                          AND f.start_date = p.start_date AND f.line <= s.line AND f.ok))""",
                [b],
            )
            # The first earlier valid row of the file, of the same contact, that it overlaps. A row's
            # verdict depends on the earlier rows' own: repeated until nothing changes (once, unless
            # overlapping rows form a chain), each pass settling at least the next row of a chain.
            for _pass in range(1000):
                cursor.execute(
                    f"""WITH verdict AS (
                            SELECT s0.line, e.line AS error_line, e.start_date = s0.start_date AS same_start
                            FROM {t} s0 LEFT JOIN LATERAL (
                                SELECT e.line, e.start_date FROM {t} e
                                WHERE e.contact_id = s0.contact_id AND e.line < s0.line AND e.ok AND e.error IS NULL
                                  AND daterange(e.start_date, e.end_date, '[]') && daterange(s0.start_date, s0.end_date, '[]')
                                ORDER BY e.line LIMIT 1
                            ) e ON true
                            WHERE s0.batch = %s AND s0.ok AND (s0.error IS NULL OR s0.error IN ('same_start', 'file_overlap'))
                        )
                        UPDATE {t} s SET error_line = v.error_line,
                            error = CASE WHEN v.error_line IS NULL THEN NULL
                                         WHEN v.same_start THEN 'same_start' ELSE 'file_overlap' END
                        FROM verdict v WHERE s.line = v.line AND s.error_line IS DISTINCT FROM v.error_line""",
                    [b],
                )
                if not cursor.rowcount:
                    break
            cursor.execute(f"SELECT line, error, error_line FROM {t} WHERE batch = %s AND error IS NOT NULL", [b])
            return {line: (error, error_line) for line, error, error_line in cursor.fetchall()}

    def write(self) -> dict:
        """Write the valid rows of the last checked batch; the counts of created, updated, unchanged.

        Two statements: the new periods (their ids drawn in line order, the period, its audit row
        and its import entry written together) and the changed ones; the staging rows are not
        written again."""
        t, b = self.table, self.batch
        period, change, entry = (self.hooks.model._meta.db_table, self.hooks.audit_model._meta.db_table,
                                 ImportEntry._meta.db_table)
        self.ids = self.ids or id_sequence(period)
        columns = ", ".join(self.COLUMNS)
        s_columns = ", ".join(f"s.{name}" for name in self.COLUMNS)
        valid = f"s.batch = {int(b)} AND s.ok AND s.error IS NULL"
        snapshot = self.hooks.snapshot_sql
        entry_columns = 'import_run_id, file_name, line, target, object_id, action, "values", by_id, at'
        entry_params = [self.imp.pk, self.imp.file_name, self.imp.kind]
        with connection.cursor() as cursor:
            cursor.execute(
                # `n` carries the rows it needs (materialised once): the staging table, which holds
                # the whole file, is read once.
                f"""WITH n AS (
                        SELECT nextval(%s::regclass) AS id, s.* FROM {t} s
                        WHERE {valid} AND s.period_id IS NULL ORDER BY s.line
                    ), created AS (
                        INSERT INTO {period} (id, contact_id, {columns}, version, created_at, updated_at)
                        SELECT s.id, s.contact_id, {s_columns}, 1, now(), now() FROM n s ORDER BY s.line
                    ), audited AS (
                        INSERT INTO {change} (contact_id, period_id_value, action, old_values, new_values, changed_by_id,
                                              changed_at)
                        SELECT s.contact_id, s.id, %s, '{{}}'::jsonb, {snapshot('s')}, %s, now() FROM n s ORDER BY s.line
                    ), entries AS (
                        INSERT INTO {entry} ({entry_columns})
                        SELECT %s, %s, n.line, %s, n.id, %s, n."values", %s, now() FROM n ORDER BY n.line
                    ), touched AS (
                        INSERT INTO {self.touched} (contact_id) SELECT DISTINCT contact_id FROM n
                    )
                    SELECT (SELECT count(*) FROM n), (SELECT count(*) FROM {t} s WHERE {valid})""",
                [self.ids, self.hooks.audit_model.Action.CREATED, self.user.pk,
                 *entry_params, ImportEntry.Action.CREATED, self.user.pk],
            )
            created, valid_rows = cursor.fetchone()
            differs = " OR ".join(f"p.{name} IS DISTINCT FROM s.{name}" for name in self.COLUMNS)
            sets = ", ".join(f"{name} = s.{name}" for name in self.COLUMNS)
            cursor.execute(
                f"""WITH old AS (
                        SELECT s.line, p.id, {snapshot('p')} AS old_values FROM {t} s JOIN {period} p ON p.id = s.period_id
                        WHERE {valid} AND ({differs})
                    ), changed AS (
                        UPDATE {period} p SET {sets}, version = p.version + 1, updated_at = now()
                        FROM {t} s, old WHERE s.line = old.line AND p.id = old.id
                        RETURNING p.id, p.contact_id, s.line, s."values", {snapshot('p')} AS new_values
                    ), audited AS (
                        INSERT INTO {change} (contact_id, period_id_value, action, old_values, new_values, changed_by_id,
                                              changed_at)
                        SELECT changed.contact_id, changed.id, %s, old.old_values, changed.new_values, %s, now()
                        FROM changed JOIN old ON old.line = changed.line
                    ), entries AS (
                        INSERT INTO {entry} ({entry_columns})
                        SELECT %s, %s, changed.line, %s, changed.id, %s, changed."values", %s, now() FROM changed
                        ORDER BY changed.line
                    ), touched AS (
                        INSERT INTO {self.touched} (contact_id) SELECT DISTINCT contact_id FROM changed
                    )
                    SELECT count(*) FROM changed""",
                [self.hooks.audit_model.Action.UPDATED, self.user.pk,
                 *entry_params, ImportEntry.Action.UPDATED, self.user.pk],
            )
            updated, = cursor.fetchone()
        return {"created": created, "updated": updated, "unchanged": valid_rows - created - updated}

    def finish(self) -> None:
        """After the last batch is written: refresh the subscription summaries of the contacts whose
        periods were written."""
        if not self.created:
            return
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {self.touched}")  # a TEMP table has no statistics until asked
        self.hooks.refresh_summaries(f"SELECT DISTINCT contact_id FROM {self.touched}", today=today())


def hooks():
    return fields.import_hooks("periods")

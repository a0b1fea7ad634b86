"""Checking and writing subscription periods, set-based.

Each row's cells are read in Python by the subscriptions app's `fast_period`, which takes only what
the period form surely accepts and gives the same values (the form stays the rule: any other row
goes through it, whose errors are the ones reported). The rows are then COPYed into a TEMP staging
table holding the whole file, and the rest is SQL over it, a batch at a time and a handful of
statements whatever the batch's size: the contact each row names (its external ID, e-mail or name,
among those the importer sees), the file's earlier rows it overlaps, the stored period it updates (same
contact and start date) or overlaps. The subscriptions app writes the periods and their audit
(`hooks.bulk_upsert`), the import's own entries are written from the staging table. The
subscription summaries of the contacts whose periods were written are refreshed once, at the end
of the import (`finish`): one statement, not one a batch.

What the importer needs from `subscriptions` comes through its hooks (`crm.fields.PeriodImportHooks`).
"""

import re

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _
from psycopg.types.json import Jsonb

from crm import fields
from crm.dates import today
from crm.models import Contact
from imports.mapping import normalise
from imports.models import ImportEntry
from imports.staging import ARRAY_PARAMETER, keys_parameter, row_condition, temp_name

DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")


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


# Error codes the SQL gives a row, and their messages.
def _messages():
    return {
        "no_id": ("contact_external_id", _("No contact you can see has this external ID.")),
        "no_email": ("contact_email", _("No contact you can see has this e-mail.")),
        "two_emails": ("contact_email", _("More than one contact has this e-mail: give the contact's external ID.")),
        "no_name": ("contact_name", _("No contact you can see has this name.")),
        "two_names": ("contact_name",
                      _("More than one contact you can see has this name: give the contact's external ID or e-mail.")),
        "no_contact": ("", _("Give the contact's external ID, e-mail or name.")),
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
        self.created = False
        self.batch = 0
        self.visible_sql, self.visible_params = row_condition(Contact.objects.visible_to(user))

    def _create(self, cursor) -> None:
        if self.created:
            return
        # A new period's id is drawn as its row is copied (`new_id`, in line order), when writing.
        cursor.execute(
            f"""CREATE TEMP TABLE {self.table} (
                line integer PRIMARY KEY, batch integer NOT NULL, ok boolean NOT NULL,
                contact_external_id text NOT NULL, contact_email text NOT NULL,
                "values" jsonb NOT NULL, error text, error_line integer,
                {self.hooks.staged_columns(for_writing=self.for_update)}
            ) ON COMMIT DROP"""
        )
        cursor.execute(f"CREATE INDEX ON {self.table} (contact_id, start_date)")
        cursor.execute(f"CREATE INDEX ON {self.table} (batch)")
        self.created = True

    def _contacts(self, cursor, rows):
        """The batch's contacts, read with at most three queries before its rows are staged: a
        function of a row's values giving (its contact's id or None, an error code or None). By
        external ID (then nothing else is looked at), else by e-mail, else by name (any case) when
        exactly one contact has it, among the contacts the importer sees."""
        contact = Contact._meta.db_table
        external_ids, emails, names = set(), set(), set()
        for _line, values, _period in rows:
            if external_id := values.get("contact_external_id", ""):
                external_ids.add(external_id)
            elif email := values.get("contact_email", ""):
                emails.add(email.casefold())
            elif name := values.get("contact_name", ""):
                names.add(name)
        by_id = {}
        if external_ids:
            cursor.execute(
                f"SELECT external_id, id FROM {contact}"
                f" WHERE external_id <> '' AND external_id = ANY({ARRAY_PARAMETER}) AND {self.visible_sql}",
                [keys_parameter(external_ids), *self.visible_params],
            )
            by_id = dict(cursor.fetchall())

        by_email = {}
        if emails:
            cursor.execute(
                f"SELECT lower(email), count(*), min(id) FROM {contact}"
                f" WHERE lower(email) = ANY({ARRAY_PARAMETER}) AND {self.visible_sql} GROUP BY 1",
                [keys_parameter(emails), *self.visible_params],
            )
            by_email = {email: (count, contact_id) for email, count, contact_id in cursor.fetchall()}
        by_name = {}
        if names:
            # Any case, as PostgreSQL's upper() has it (the trigram index on names holds upper(name)),
            # keyed by the name as the file gives it.
            cursor.execute(
                f"SELECT given.name, count(*), min({contact}.id)"
                f" FROM jsonb_array_elements_text(%s::jsonb) AS given (name)"
                f" JOIN {contact} ON upper({contact}.name) = upper(given.name)"
                f" WHERE {self.visible_sql} GROUP BY 1",
                [keys_parameter(names), *self.visible_params],
            )
            by_name = {name: (count, contact_id) for name, count, contact_id in cursor.fetchall()}

        def one_of(matches: dict, key: str, none: str, many: str) -> tuple[int | None, str | None]:
            count, contact_id = matches.get(key, (0, None))
            return (contact_id, None) if count == 1 else (None, none if count == 0 else many)

        def found(values: dict) -> tuple[int | None, str | None]:
            if external_id := values.get("contact_external_id", ""):
                contact_id = by_id.get(external_id)
                return contact_id, None if contact_id is not None else "no_id"
            if email := values.get("contact_email", ""):
                return one_of(by_email, email.casefold(), "no_email", "two_emails")
            if name := values.get("contact_name", ""):
                return one_of(by_name, name, "no_name", "two_names")
            return None, "no_contact"

        return found

    def check(self, rows) -> dict[int, tuple[str, int | None]]:
        """`rows`: (line, values, period or None if its cells are wrong); {line: (error code, line)}."""
        self.batch += 1
        t, b = self.table, self.batch
        period_table = self.hooks.model._meta.db_table
        overlaps = self.hooks.overlaps_sql
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
                                    *contacts(values), *cells, Jsonb(values)))
            if self.batch & (self.batch - 1) == 0 and self.batch > 1:
                # The table grows with the file: its statistics are renewed as it doubles (2, 4, 8...
                # batches), or the planner takes it for the first batches' size and scans it whole.
                cursor.execute(f"ANALYZE {t} (line, batch, ok, contact_id, start_date, error)")
            if self.for_update:
                self.hooks.lock(t, f"s.batch = {int(b)}")
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
                          AND {overlaps("p", "s")}
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
                                  AND {overlaps("e", "s0")}
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

    def write(self, valid_rows: int) -> dict:
        """Write the `valid_rows` valid rows of the last checked batch; the counts of created,
        updated, unchanged. The periods and their audit are the subscriptions app's to write; the
        import's entries are written here, one statement (`action` is 'updated' on the rows of
        stored periods it changed, a new row is one without `period_id`)."""
        t, b = self.table, self.batch
        valid = f"s.batch = {int(b)} AND s.ok AND s.error IS NULL"
        updated = self.hooks.bulk_upsert(t, valid, by=self.user, imported_from=self.imp.file_name)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""WITH entries AS (
                        INSERT INTO {ImportEntry._meta.db_table}
                            (import_run_id, file_name, line, target, object_id, action, "values", by_id, at)
                        SELECT %s, %s, s.line, %s, coalesce(s.period_id, s.new_id),
                            CASE WHEN s.period_id IS NULL THEN %s ELSE %s END, s."values", %s, now()
                        FROM {t} s WHERE {valid} AND (s.period_id IS NULL OR s.action = %s) ORDER BY s.line
                        RETURNING action
                    )
                    SELECT count(*) FROM entries WHERE action = %s""",
                [self.imp.pk, self.imp.file_name, self.imp.kind, ImportEntry.Action.CREATED,
                 ImportEntry.Action.UPDATED, self.user.pk, ImportEntry.Action.UPDATED, ImportEntry.Action.CREATED],
            )
            created, = cursor.fetchone()
        return {"created": created, "updated": updated, "unchanged": valid_rows - created - updated}

    def finish(self) -> None:
        """After the last batch is written: refresh the subscription summaries of the contacts whose
        periods were written (the valid rows of every batch: an import that writes none is not
        finished)."""
        if not self.created:
            return
        with connection.cursor() as cursor:
            # The batches since the table's statistics were last renewed count too.
            cursor.execute(f"ANALYZE {self.table} (ok, error, period_id, action, contact_id)")
        self.hooks.refresh_summaries(
            f"SELECT s.contact_id FROM {self.table} s WHERE s.ok AND s.error IS NULL"
            f" AND (s.period_id IS NULL OR s.action = '{ImportEntry.Action.UPDATED}')",
            today=today(),
        )


def hooks():
    return fields.import_hooks("periods")

"""Set-based SQL for an import: the rows of a batch are streamed with COPY into a TEMP staging table
and merged into their tables with a handful of statements whatever the batch's size.

Every table here is `TEMP ... ON COMMIT DROP`, so it lives in the import's transaction only, is seen
by no other session and is gone whatever happens (a rollback drops it too). Its name carries a
random suffix: two imports in one transaction (tests do that) never share one.
"""

import json
import uuid

from django.core.exceptions import EmptyResultSet
from django.db import connection
from psycopg.types.json import Jsonb

from crm import bulk_writes
from imports.models import ImportEntry


# A list of keys as one parameter, in `= ANY(...)`: read through a sub-select, so the planner does
# not estimate the selectivity of its thousands of values one by one (tens of ms a statement), and
# sent as a JSON array (`keys_parameter`): psycopg writes a Python list as an array value element
# by element in Python, json.dumps in C (0.4 s of a 100,000-contact import).
ARRAY_PARAMETER = "ARRAY(SELECT jsonb_array_elements_text(%s::jsonb))"


def keys_parameter(keys) -> str:
    """`keys` (strings) as the parameter of `ARRAY_PARAMETER`."""
    return json.dumps(list(keys))


def row_condition(queryset) -> tuple[str, list]:
    """The filter of `queryset` (of one table, without joins: the visibility gate
    `Contact.objects.visible_to`) as SQL and its parameters, a condition on a row of that table in
    statements of our own that read it unaliased: `"crm_contact"."owner_id" = %s`. Everything (an
    admin's) is `true`, nothing `false`.

    A condition on the row's own columns, not `id IN (the gate's ids)`: in a SELECT list that sub-
    select was run again for every row once its ids outgrew work_mem (a rep with 50,000 contacts:
    an import's match took 6 s a batch instead of 20 ms)."""
    query = queryset.query
    if not query.where:
        return "true", []
    if sum(1 for alias in query.alias_map if query.alias_refcount[alias]) > 1:
        raise ValueError("row_condition() reads one table; this queryset joins others")
    compiler = query.get_compiler(connection=connection)
    try:
        sql, params = query.where.as_sql(compiler, connection)
    except EmptyResultSet:
        return "false", []
    return f"({sql})", list(params)


def temp_name(prefix: str) -> str:
    return f"tmp_import_{prefix}_{uuid.uuid4().hex[:12]}"


class SeenKeys:
    """What the rows so far said, kept in a TEMP table rather than in Python so an import's memory
    does not grow with its rows: the keys of the valid rows (external IDs, e-mails, names of new
    organisations), each with the line that first gave it.

    A batch asks once for the keys it names (`load`), checks its rows against those and the ones
    before it in the batch (`get`, `add`), then stores its own (`store`): two queries per batch.
    """

    def __init__(self):
        self.table = temp_name("seen")
        self.batch: dict[str, int] = {}  # the keys the batch names that rows before it gave, then its own
        self.new: dict[str, int] = {}  # the batch's own, to store
        self.created = False

    def _create(self, cursor) -> None:
        if not self.created:
            cursor.execute(f"CREATE TEMP TABLE {self.table} (key text PRIMARY KEY, line integer NOT NULL) ON COMMIT DROP")
            self.created = True

    def load(self, keys) -> None:
        self.batch, self.new = {}, {}
        keys = list(set(keys))
        if not keys:
            return
        with connection.cursor() as cursor:
            self._create(cursor)
            cursor.execute(f"SELECT key, line FROM {self.table} WHERE key = ANY({ARRAY_PARAMETER})",
                           [keys_parameter(keys)])
            self.batch = dict(cursor.fetchall())

    def get(self, key: str) -> int | None:
        return self.batch.get(key)

    def add(self, key: str, line: int) -> None:
        if key not in self.batch:
            self.batch[key] = line
            self.new[key] = line

    def store(self) -> None:
        new = self.new
        if new:
            with connection.cursor() as cursor:
                self._create(cursor)
                # One JSON object ({key: line}), as the keys are read (`keys_parameter`).
                cursor.execute(
                    f"INSERT INTO {self.table} (key, line) SELECT key, value::integer FROM json_each_text(%s::json)",
                    [json.dumps(new)],
                )
        self.new, self.batch = {}, {}


class ContactMerge:
    """Writes the valid rows of a checked batch of contacts: COPY into the staging table, the
    contacts and their tags written by `crm.bulk_writes.contacts_bulk_upsert`, then one import
    entry per row written."""

    def __init__(self, *, imp, user, with_tags: bool, visible_organisations):
        self.imp, self.user, self.with_tags = imp, user, with_tags
        self.table = temp_name("contacts")
        self.created = False
        self.visible_organisations = visible_organisations

    def _create(self, cursor) -> None:
        if self.created:
            cursor.execute(f"TRUNCATE {self.table}")
            return
        cursor.execute(
            f'CREATE TEMP TABLE {self.table} (line integer NOT NULL, "values" jsonb NOT NULL,'
            f" {bulk_writes.STAGED_COLUMNS}) ON COMMIT DROP"
        )
        self.created = True

    def write(self, valid: list) -> dict:
        """`valid`: the batch's valid `Checked` rows; returns the counts of created, updated, unchanged."""
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        if not valid:
            return counts
        # A row's `action` (`bulk_writes.CREATED`, `UPDATED`) is its entry's: the same words as `ImportEntry.Action`.
        entry, t = ImportEntry._meta.db_table, self.table
        # The new rows' ids, drawn in line order: the staging rows are written once.
        created = sum(1 for checked in valid if checked.existing is None)
        new_ids = iter(bulk_writes.new_contact_ids(created))
        with connection.cursor() as cursor:
            self._create(cursor)
            with cursor.cursor.copy(
                f"COPY {t} (line, contact_id, new_id, action, {', '.join(bulk_writes.CONTACT_COLUMNS)},"
                f" owner_id, organisation_key, tags, \"values\") FROM STDIN"
            ) as copy:
                for checked in valid:
                    cleaned, existing = checked.cleaned, checked.existing
                    copy.write_row((
                        checked.row.line, existing.pk if existing is not None else None,
                        next(new_ids) if existing is None else None,
                        bulk_writes.CREATED if existing is None else None,
                        *(cleaned[name] for name in bulk_writes.CONTACT_COLUMNS), cleaned["owner"].pk,
                        cleaned["organisation"].casefold(), cleaned["tags"] if self.with_tags else None,
                        Jsonb(checked.values),
                    ))
            counts["created"] = created
            counts["updated"] = bulk_writes.contacts_bulk_upsert(
                t, with_tags=self.with_tags, visible_organisations=self.visible_organisations
            )
            cursor.execute(
                f"""INSERT INTO {entry} (import_run_id, file_name, line, target, object_id, action, "values", by_id, at)
                    SELECT %s, %s, line, %s, coalesce(contact_id, new_id), action, "values", %s, now()
                    FROM {t} WHERE action IS NOT NULL ORDER BY line""",
                [self.imp.pk, self.imp.file_name, self.imp.kind, self.user.pk],
            )
        counts["unchanged"] = len(valid) - counts["created"] - counts["updated"]
        return counts

"""Bulk actions on contacts: change the owner, add or remove a tag, delete, export.

The rows are always the visible contacts of the person acting (`Contact.objects.visible_to`),
narrowed by the list's filter as parsed again here from the submitted query string, and then,
unless "all matching" was chosen, by the ticked ids. A forged id or a filter widened by hand
therefore only ever selects fewer of the rows that person may see.

Each action is set-based SQL in one transaction: for each chunk of ids (in id order) one
statement changes the rows and writes their audit rows (`ContactChange`) from what it changed, so
the number of queries does not grow with the rows, and a failure anywhere rolls all of it back.

Where the rows come from is a "source": the contact list's filters ("contacts", here) or another
app's list registered with `register_source` (smart lists), so a background job can select the
same rows again from what it stored.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import ProtectedError, QuerySet, RestrictedError
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm import choices, fields, jobs
from crm.filters import ContactFilter
from crm.jobs import enqueue_after_commit
from crm.models import BulkJob, BulkJobContact, Contact, ContactChange, Tag, User, assignable_owners
from crm.submissions import create_once

logger = logging.getLogger(__name__)

OWNER, TAG_ADD, TAG_REMOVE, DELETE, EXPORT = "owner", "tag_add", "tag_remove", "delete", "export"
ACTIONS = [
    (OWNER, gettext_lazy("Change owner")),
    (TAG_ADD, gettext_lazy("Add a tag")),
    (TAG_REMOVE, gettext_lazy("Remove a tag")),
    (DELETE, gettext_lazy("Delete")),
    (EXPORT, gettext_lazy("Export CSV")),
]
# Rows per statement: a bulk action of a million rows holds no million ids anywhere.
CHUNK_ROWS = 20_000
# People the owner choice lists at once: an admin may assign thousands, so the list is searched.
OWNER_CHOICES_SHOWN = 50


class BulkError(Exception):
    """A bulk action that cannot run as asked: nothing was written. The message is for the user."""


# Sources ------------------------------------------------------------------------------------------

# name -> build(user, source_pk, params) -> the visible, filtered contacts, or BulkError
_sources: dict[str, Callable[[User, int | None, QueryDict], QuerySet]] = {}
# export(request, queryset) -> a CSV response; registered by the app that writes CSV files
_exporters: list[Callable] = []


def register_source(name: str, build: Callable[[User, int | None, QueryDict], QuerySet]) -> None:
    _sources[name] = build


def register_exporter(export: Callable) -> None:
    _exporters[:] = [export]


def exporter() -> Callable | None:
    return _exporters[0] if _exporters else None


def refuse_unknown_filters(params: QueryDict, known) -> None:
    """A parameter the list does not filter on is refused (BulkError), never dropped: dropped, an
    `owner=4` or `id__in=...` typed into the query left the action on every visible row."""
    unknown = [name for name in params if name not in known]
    if unknown:
        raise BulkError(_("The list has no filter called “%(names)s”: nothing was changed.")
                        % {"names": "”, “".join(unknown)})


def list_filter_parameters() -> set[str]:
    """Every parameter some list filters on: the contact list's, and those the registry's fields
    bring (a smart list's, whose own rules then refuse those of a switched-off feature)."""
    return {*ContactFilter.base_filters, *(name for f in fields.all_fields() for name in f.filters())}


def contact_list_matching(user, source_pk: int | None, params: QueryDict) -> QuerySet:
    """The contact list's rows for `params`: its filters over the user's visible contacts."""
    refuse_unknown_filters(params, ContactFilter.base_filters)
    filterset = ContactFilter(params, queryset=Contact.objects.visible_to(user))
    if not filterset.is_valid():
        raise BulkError(_("The list's filters are not valid: %(errors)s")
                        % {"errors": "; ".join(f"{k}: {' '.join(v)}" for k, v in filterset.errors.items())})
    return filterset.qs


register_source("contacts", contact_list_matching)


def matching(source: str, *, user, source_pk: int | None, query: str) -> QuerySet:
    if source not in _sources:
        raise BulkError(_("Unknown list."))
    return _sources[source](user, source_pk, QueryDict(query))


def selection(matching_rows: QuerySet, *, ids: list[int], all_matching: bool) -> QuerySet:
    """The rows an action applies to: every matching row, or the ticked ones among them."""
    rows = matching_rows if all_matching else matching_rows.filter(pk__in=ids)
    return rows.order_by()


# What an action changes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    action: str
    owner: User | None = None
    tag: str = ""


def affected(rows: QuerySet, plan: Plan) -> QuerySet:
    """The rows `plan` would change: a contact already owned by the new owner, or already (or never)
    tagged, is not changed and not counted."""
    if plan.action == OWNER:
        return rows.exclude(owner=plan.owner)
    if plan.action == TAG_ADD:
        return rows.exclude(pk__in=Contact.tags.through.objects.filter(tag__name=plan.tag).values("contact_id"))
    if plan.action == TAG_REMOVE:
        return rows.filter(pk__in=Contact.tags.through.objects.filter(tag__name=plan.tag).values("contact_id"))
    return rows


def count(rows: QuerySet, plan: Plan) -> int:
    """The exact number of rows `plan` changes now (uncapped: the number the user confirms)."""
    return affected(rows, plan).count()


def owner_choices(user, *, search: str = "", limit: int = OWNER_CHOICES_SHOWN) -> tuple[list[tuple[int, str]], bool]:
    """The first `limit` people `user` may make the owner whose name or username contains `search`,
    as (pk, name) in the order of their names, and whether more of them match."""
    offer = choices.owners(user).offered(search=search, limit=limit)
    return offer.choices, offer.more


def check(plan: Plan, *, by) -> None:
    """What the acting user may do at all: an owner they may assign, a tag that exists to remove."""
    if plan.action == OWNER and (plan.owner is None or not assignable_owners(by).filter(pk=plan.owner.pk).exists()):
        raise BulkError(_("You may not make this person the owner of contacts."))
    if plan.action in (TAG_ADD, TAG_REMOVE) and not plan.tag:
        raise BulkError(_("Type the tag."))


def apply(rows: QuerySet, plan: Plan, *, by, job: BulkJob | None = None, chunk_rows: int = CHUNK_ROWS,
          progress: Callable[[int], None] | None = None) -> int:
    """Apply `plan` to `rows` in one transaction, chunk by chunk; return how many rows changed.

    `progress(rows_done)` is told after each chunk. Any error rolls every chunk back.
    """
    check(plan, by=by)
    with transaction.atomic():
        if plan.action == OWNER:
            statement = _owner_statement(plan.owner)
        elif plan.action == TAG_ADD:
            tag, _created = Tag.objects.get_or_create(name=plan.tag)
            statement = _tag_add_statement(tag)
        elif plan.action == TAG_REMOVE:
            tag = Tag.objects.filter(name=plan.tag).first()
            if tag is None:
                raise BulkError(_("No tag is called “%(tag)s”.") % {"tag": plan.tag})
            statement = _tag_remove_statement(tag)
        elif plan.action == DELETE:
            return _delete(rows, by=by, job=job, chunk_rows=chunk_rows, progress=progress)
        else:
            raise BulkError(_("Unknown action."))
        selected_sql, selected_params = rows.values("pk").query.sql_with_params()
        sql, params = statement
        now = timezone.now()
        changed = done = 0
        last = 0
        with connection.cursor() as cursor:
            while True:
                cursor.execute(
                    f"WITH chunk AS (SELECT s.id FROM ({selected_sql}) AS s(id) WHERE s.id > %s ORDER BY s.id LIMIT %s), "
                    f"{sql}, "
                    f"audit AS (INSERT INTO {_table(ContactChange)} (contact_pk, contact_name, action, old_value, "
                    f"new_value, changed_by_id, changed_at, job_id) "
                    f"SELECT id, name, %s, old_value, new_value, %s, %s, %s FROM changed RETURNING 1) "
                    f"SELECT (SELECT max(id) FROM chunk), (SELECT count(*) FROM chunk), (SELECT count(*) FROM audit)",
                    [*selected_params, last, chunk_rows, *params(now), _audit_action(plan.action), by.pk, now,
                     job.pk if job else None],
                )
                last_id, in_chunk, changed_now = cursor.fetchone()
                changed += changed_now
                done += in_chunk
                if progress:
                    progress(done)
                if in_chunk < chunk_rows:
                    return changed
                last = last_id


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _audit_action(action: str) -> str:
    return {OWNER: ContactChange.Action.OWNER, TAG_ADD: ContactChange.Action.TAG_ADDED,
            TAG_REMOVE: ContactChange.Action.TAG_REMOVED}[action]


# `User.__str__` (crm.models.person_name) in this module's SQL, cut to the audit columns' length.
_OWNER_NAME = "LEFT(COALESCE(NULLIF(TRIM(u.first_name || ' ' || u.last_name), ''), u.username), 200)"


def _owner_statement(owner: User):
    """CTEs `old` (the chunk's rows not owned by `owner` yet, locked, with their owner) and `changed`."""
    contacts, users = _table(Contact), _table(User)
    sql = (
        f"old AS (SELECT c.id, {_OWNER_NAME} AS old_owner FROM {contacts} c JOIN chunk ON chunk.id = c.id "
        f"JOIN {users} u ON u.id = c.owner_id WHERE c.owner_id <> %s FOR UPDATE OF c), "
        f"changed AS (UPDATE {contacts} c SET owner_id = %s, version = c.version + 1, updated_at = %s FROM old "
        f"WHERE c.id = old.id RETURNING c.id, c.name, old.old_owner AS old_value, %s::varchar AS new_value)"
    )
    return sql, lambda now: [owner.pk, owner.pk, now, str(owner)[:200]]


def _tag_add_statement(tag: Tag):
    contacts, tags = _table(Contact), _table(Contact.tags.through)
    sql = (
        f"added AS (INSERT INTO {tags} (contact_id, tag_id) SELECT id, %s FROM chunk "
        f"ON CONFLICT DO NOTHING RETURNING contact_id), "
        f"changed AS (UPDATE {contacts} c SET version = c.version + 1, updated_at = %s FROM added "
        f"WHERE c.id = added.contact_id RETURNING c.id, c.name, ''::varchar AS old_value, %s::varchar AS new_value)"
    )
    return sql, lambda now: [tag.pk, now, tag.name]


def _tag_remove_statement(tag: Tag):
    contacts, tags = _table(Contact), _table(Contact.tags.through)
    sql = (
        f"removed AS (DELETE FROM {tags} t USING chunk WHERE t.contact_id = chunk.id AND t.tag_id = %s "
        f"RETURNING t.contact_id), "
        f"changed AS (UPDATE {contacts} c SET version = c.version + 1, updated_at = %s FROM removed "
        f"WHERE c.id = removed.contact_id RETURNING c.id, c.name, %s::varchar AS old_value, ''::varchar AS new_value)"
    )
    return sql, lambda now: [tag.pk, now, tag.name]


def _delete(rows: QuerySet, *, by, job, chunk_rows: int, progress) -> int:
    """Audit, then delete through Django's collector, so what depends on a contact (its periods,
    summary, an organisation's people losing it) goes the way a single delete takes it."""
    contacts, users = _table(Contact), _table(User)
    now = timezone.now()
    deleted = 0
    last = 0
    while True:
        ids = list(rows.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:chunk_rows])
        if ids:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {_table(ContactChange)} (contact_pk, contact_name, action, old_value, new_value, "
                    f"changed_by_id, changed_at, job_id) "
                    f"SELECT c.id, c.name, %s, {_OWNER_NAME}, '', %s, %s, %s FROM {contacts} c "
                    f"JOIN {users} u ON u.id = c.owner_id WHERE c.id = ANY(%s)",
                    [ContactChange.Action.DELETED, by.pk, now, job.pk if job else None, ids],
                )
            try:
                Contact.objects.filter(pk__in=ids).delete()
            except (ProtectedError, RestrictedError) as error:
                raise BulkError(_("Some of these contacts cannot be deleted: other records still need them.")) from error
            deleted += len(ids)
        if progress:
            progress(deleted)
        if len(ids) < chunk_rows:
            return deleted
        last = ids[-1]


# Background jobs ----------------------------------------------------------------------------------


def is_large(affected_rows: int) -> bool:
    return affected_rows > settings.BULK_ASYNC_ROWS


def job_create(*, by, plan: Plan, source: str, source_pk: int | None, query: str, ids: list[int],
               all_matching: bool, rows: QuerySet, counted: int, back_url: str, token=None) -> BulkJob:
    """Record the job for `rows` (the selection confirmed, `counted` rows to change); Celery gets
    it once the row is committed. The same confirmation posted again (same `token`) answers with the job it made.

    "All matching" holds the rows it changes, counted and stored by one statement (one snapshot,
    `BulkJobContact`): a contact created after the confirmation, or by a transaction still open at
    it, is left alone; one deleted meanwhile is skipped."""
    from crm.tasks import run_bulk

    def create() -> BulkJob:
        job = BulkJob.objects.create(
            owner=by, action=plan.action, new_owner=plan.owner, tag=plan.tag, source=source, source_pk=source_pk,
            query=query, ids=[] if all_matching else list(ids), all_matching=all_matching, back_url=back_url,
            total_rows=counted, creation_token=token,
        )
        if all_matching:  # the rows held are the ones counted: the same statement
            job.total_rows = _hold(job, affected(rows, plan))
            job.save(update_fields=["total_rows"])
        enqueue_after_commit(run_bulk, job.pk)
        return job

    job, _created = create_once(BulkJob.objects.filter(owner=by), token=token, create=create)
    return job


def job_rows(job: BulkJob) -> QuerySet:
    """The rows of a recorded job, selected again through its owner's visibility gate, and no
    others than those its confirmation counted."""
    rows = selection(matching(job.source, user=job.owner, source_pk=job.source_pk, query=job.query),
                     ids=job.ids, all_matching=job.all_matching)
    return rows.filter(pk__in=job.held_contacts.values("contact_id")) if job.all_matching else rows


def _hold(job: BulkJob, rows: QuerySet) -> int:
    """Store the ids of `rows` as the ones `job` acts on; how many there are."""
    sql, params = rows.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {BulkJobContact._meta.db_table} (job_id, contact_id) "
                       f"SELECT %s, counted.id FROM ({sql}) AS counted (id)", [job.pk, *params])
        return cursor.rowcount


def job_run(*, job_id: int, chunk_rows: int = CHUNK_ROWS) -> BulkJob | None:
    """Run a recorded job. The changes and the job's "done" commit together, so a worker dying
    half-way leaves the job to run again; a cancel between chunks rolls every chunk back."""
    job = BulkJob.claim(job_id)
    if job is None:
        return BulkJob.objects.filter(pk=job_id).first()
    plan = Plan(job.action, owner=job.new_owner, tag=job.tag)
    with jobs.Attempt(job, cancellable=True) as attempt:
        try:
            try:
                with transaction.atomic():
                    changed = apply(job_rows(job), plan, by=job.owner, job=job, chunk_rows=chunk_rows,
                                    progress=attempt.step)
                    job.finish(BulkJob.Status.DONE, rows_changed=changed, rows_done=job.total_rows)
            except BulkError as error:
                job.finish(BulkJob.Status.FAILED, error=str(error)[:500])
            except jobs.Cancelled:
                job.finish(BulkJob.Status.CANCELLED)
        except jobs.Superseded:
            logger.warning("Bulk job %s was taken over by another run; this one rolled back", job.pk)
    return job


def jobs_hand_over(*, now) -> int:
    """Hand again to Celery the jobs no worker is on (the broker was down, or a worker died)."""
    from crm.tasks import run_bulk

    return jobs.hand_over(BulkJob.objects, run_bulk, now=now)

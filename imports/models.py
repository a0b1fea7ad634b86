"""A CSV import: the stored file, how its columns map to fields, its validation report and its outcome.

Only the person who uploaded a file sees its import. The file stays in the default storage
(`MEDIA_ROOT/imports/`) while it may still be imported; every step reads it again as a stream. It is
deleted once the import is done, when the import is deleted, and when it was left untouched
for `services.KEEP_FILES` (`services.imports_forget_files`).
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm import jobs


def may_import(user) -> bool:
    """Admins, managers and reps import; partners never do."""
    return user.is_authenticated and user.is_vendor_staff


class ImportQuerySet(jobs.JobQuerySet):
    def of(self, user) -> "ImportQuerySet":
        """The imports `user` may see: their own, while they may import at all."""
        if not may_import(user):
            return self.none()
        return self.filter(uploaded_by=user)


class Import(jobs.Job):
    """An import is a background job (`crm.jobs`) twice: checking its file, then importing it."""

    class Kind(models.TextChoices):
        CONTACTS = "contacts", _("Contacts")
        PERIODS = "periods", _("Subscription periods")

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all", _("All or nothing: import only if every row is valid")
        VALID_ROWS = "valid", _("Import the valid rows and skip the others")

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Columns to map")
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        PENDING = jobs.PENDING, _("Waiting")
        RUNNING = jobs.RUNNING, _("Importing")
        DONE = jobs.DONE, _("Imported")
        REFUSED = "refused", _("Refused: rows with errors")
        CANCELLED = jobs.CANCELLED, _("Cancelled")
        FAILED = jobs.FAILED, _("Failed")

    class Failure(models.TextChoices):
        # Another writer committed a row with one of the import's unique keys (an external ID, a
        # period's dates) after the import checked it: the import's own write met it in the index.
        CONFLICT = "conflict", _("Conflict with another writer")

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="imports")
    kind = models.CharField(_("kind of rows"), max_length=16, choices=Kind.choices)
    file = models.FileField(upload_to="imports/", max_length=255)
    file_name = models.CharField(_("file"), max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    delimiter = models.CharField(max_length=1, default=",")
    headers = models.JSONField(default=list)
    # Column number (as text) -> importable field key; a column missing or mapped to "" is skipped.
    mapping = models.JSONField(default=dict)
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UPLOADED)
    # A worker is on the import while it checks the file, and while it imports it.
    RUNNING_STATUSES = (Status.RUNNING, Status.CHECKING)
    # Why a failed import failed, when it is something the person can act on; blank otherwise.
    failure = models.CharField(max_length=16, choices=Failure.choices, blank=True, default="")
    error_rows = models.PositiveIntegerField(default=0)
    # The validation report: the first errors (line, column, reason) and the first rows as read.
    errors = models.JSONField(default=list)
    preview = models.JSONField(default=list)
    # Valid rows the person should know about before importing (the first ones, as errors are
    # listed), and how many: a contact with no key to be matched by again.
    warnings = models.JSONField(default=list)
    warning_rows = models.PositiveIntegerField(default=0)
    created_rows = models.PositiveIntegerField(default=0)
    updated_rows = models.PositiveIntegerField(default=0)
    unchanged_rows = models.PositiveIntegerField(default=0)
    skipped_rows = models.PositiveIntegerField(default=0)
    language = models.CharField(max_length=16, blank=True)
    # Bumped by every change of the mapping or the mode: a form read at an older version is refused.
    version = models.PositiveIntegerField(default=1)

    objects = ImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("imports:detail", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RUNNING)

    @property
    def is_checking(self) -> bool:
        return self.status == self.Status.CHECKING

    @property
    def has_file(self) -> bool:
        return bool(self.file)

    def delete_file(self) -> None:
        """Forget the uploaded file once the transaction commits (a rollback keeps it)."""
        from django.db import transaction

        if not self.file:
            return
        storage, name = self.file.storage, self.file.name
        transaction.on_commit(lambda: storage.delete(name))
        Import.objects.filter(pk=self.pk).update(file="")
        self.file = ""

    def delete(self, *args, **kwargs):
        self.delete_file()
        return super().delete(*args, **kwargs)

    @property
    def may_run(self) -> bool:
        return self.has_file and self.status in (self.Status.CHECKED, self.Status.REFUSED, self.Status.CANCELLED, self.Status.FAILED)

    @property
    def may_remap(self) -> bool:
        return not self.is_running and self.status != self.Status.DONE and self.has_file

    @property
    def valid_rows(self) -> int:
        return self.total_rows - self.error_rows


class ImportEntry(models.Model):
    """The audit of an import: one row per contact or period it created or changed, naming the
    import and its file (kept when the import is deleted).

    Its import and its importer are foreign keys without a database constraint: checked row by
    row at commit they were 2 of every imported row's 5 checks (2.4 s of a 350,000-row import).
    The import locks both rows once instead (`services.lock_named_rows`), so neither can go while
    it writes, and deleting either later sets these to null as any foreign key's `on_delete` does
    (Django applies it, not the database).
    """

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")

    import_run = models.ForeignKey(Import, on_delete=models.SET_NULL, null=True, related_name="entries",
                                   db_constraint=False)
    file_name = models.CharField(max_length=255)
    line = models.PositiveIntegerField()
    target = models.CharField(max_length=16)
    object_id = models.BigIntegerField()
    action = models.CharField(max_length=8, choices=Action.choices)
    values = models.JSONField(default=dict)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                           db_constraint=False)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["import_run", "line"]
        indexes = [models.Index(fields=["target", "object_id"])]

import datetime
import functools

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from crm import jobs
from crm.models import Team
from crm.text import single_line
from smartlists.export import file_name

DEFAULT_COLUMNS = ["name", "owner_name", "email"]


class SmartListQuerySet(models.QuerySet):
    def visible_to(self, user) -> "SmartListQuerySet":
        """Own lists, and lists shared with the user's team.

        A manager sees the shared lists of their teams' reps; a rep, those of their manager and
        teammates; an admin every list. The rows of any list are still only the contacts the
        viewer may see.
        """
        if not user.is_authenticated or not user.is_vendor_staff:
            return self.none()
        if user.is_admin:
            return self.all()
        my_teams = Team.objects.filter(Q(manager=user) | Q(members=user)).values("pk")
        teams = Team.objects.filter(pk__in=my_teams)
        colleagues = Q(owner__in=teams.values("manager")) | Q(owner__in=teams.values("members"))
        return self.filter(Q(owner=user) | (Q(shared=True) & colleagues))

    def editable_by(self, user) -> "SmartListQuerySet":
        """Only the owner changes a list; the people it is shared with read and export it."""
        if not user.is_authenticated or not user.is_vendor_staff:
            return self.none()
        return self.filter(owner=user)


class SmartList(models.Model):
    class Preset(models.TextChoices):
        ENDING_90 = "ending_90", _("Subscriptions ending in the next 90 days, not renewed")
        # The list a figure of the pipeline report opens, its filters given by the figure's link.
        PIPELINE = "pipeline", _("Contacts behind the pipeline's figures")
        # The list a figure of the MRR movements report opens, likewise.
        MOVEMENTS = "movements", _("Contacts behind the MRR movements' figures")

    name = models.CharField(_("name"), max_length=120, validators=[single_line])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="smartlists", verbose_name=_("owner")
    )
    # The filters as a query string ("ends_within_days=90&kind=person"), as the page's URL has them.
    query = models.TextField(_("filters"), blank=True)
    # Registry field keys, in display order.
    columns = models.JSONField(_("columns"), default=list)
    # A registry key, "-" in front for descending.
    sort = models.CharField(_("sort"), max_length=64, blank=True, default="name")
    shared = models.BooleanField(_("shared with my team"), default=False)
    preset = models.CharField(max_length=32, choices=Preset.choices, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped by every change (name, sharing, columns, filters): a form read at an older version is refused.
    version = models.PositiveIntegerField(default=1, db_default=1, editable=False)
    # The one-time token of the create form that made this list: the same submission twice makes one.
    creation_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    objects = SmartListQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("smart list")
        verbose_name_plural = _("smart lists")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "preset"], condition=~Q(preset=""), name="smartlist_one_preset_per_owner"
            )
        ]

    def __str__(self) -> str:
        return str(self.display_name)

    @property
    def display_name(self) -> str:
        """The name to show: a ready-made list still called by its preset's name, in whichever
        language it was made, is called by that name in the viewer's language; any other name
        (one its owner chose) is shown as written."""
        if self.preset and self.name in preset_names(self.preset):
            return str(self.Preset(self.preset).label)
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("smartlists:detail", args=[self.pk])


@functools.cache
def preset_names(preset: str) -> frozenset[str]:
    """A preset's name in every language of the product: the names a ready-made list is made with."""
    label = SmartList.Preset(preset).label
    names = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names.add(str(label))
    return frozenset(names)


class ExportJobQuerySet(jobs.JobQuerySet):
    def downloadable_by(self, user) -> "ExportJobQuerySet":
        """Only the person who asked for an export may fetch it, and only until it expires."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(owner=user, status=ExportJob.Status.DONE, expires_at__gt=timezone.now())

    def expired(self, *, now: datetime.datetime) -> "ExportJobQuerySet":
        return self.filter(status=ExportJob.Status.DONE, expires_at__lte=now)


class ExportJob(jobs.Job):
    """A large CSV export, recorded before it is handed to Celery, so nothing is lost if the broker is down."""

    class Status(models.TextChoices):
        PENDING = jobs.PENDING, _("Waiting")
        RUNNING = jobs.RUNNING, _("Running")
        DONE = jobs.DONE, _("Ready")
        EXPIRED = "expired", _("Expired")
        FAILED = jobs.FAILED, _("Failed")

    smartlist = models.ForeignKey(SmartList, on_delete=models.SET_NULL, null=True, related_name="export_jobs")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs")
    status = jobs.status_field(Status.choices)
    # What was asked, frozen at the time: the list may change while the job waits.
    list_name = models.CharField(max_length=120)
    query = models.TextField(blank=True)
    columns = models.JSONField(default=list)
    sort = models.CharField(max_length=64, blank=True)
    bom = models.BooleanField(default=False)
    language = models.CharField(max_length=16, blank=True)
    as_of = models.DateField()
    file = models.CharField(max_length=255, blank=True)  # relative to MEDIA_ROOT
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.list_name} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("smartlists:export_job", args=[self.pk])

    @property
    def download_name(self) -> str:
        return file_name(self.list_name, self.as_of)

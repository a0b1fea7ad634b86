from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db.models import OuterRef, Q, Subquery
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.db.models.functions import Coalesce, Concat, Lower, NullIf, Trim, Upper
from django.utils.translation import gettext_lazy as _

from crm import jobs
from crm.links import object_url
from crm.text import single_line, visible_single_line


class User(AbstractUser):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Admin")
        MANAGER = "manager", _("Manager")
        REP = "rep", _("Sales rep")
        PARTNER = "partner", _("Partner")

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.REP)

    @property
    def is_admin(self) -> bool:
        return self.is_active and self.role == self.Role.ADMIN

    @property
    def is_manager(self) -> bool:
        return self.is_active and self.role == self.Role.MANAGER

    @property
    def is_rep(self) -> bool:
        return self.is_active and self.role == self.Role.REP

    @property
    def is_partner(self) -> bool:
        return self.is_active and self.role == self.Role.PARTNER

    @property
    def is_vendor_staff(self) -> bool:
        """Admins, managers and reps: the people who work in the CRM itself."""
        return self.is_active and self.role != self.Role.PARTNER

    def __str__(self) -> str:
        return self.get_full_name() or self.username


# How people are shown everywhere: `str(user)` in Python (forms' choices, templates) and this
# expression in queries (list columns, exports, audit rows). One rule: the full name, else the
# username.
PERSON_ORDER = ("first_name", "last_name", "username")


def person_name(prefix: str = "") -> Coalesce:
    """`User.__str__` as a query expression; `prefix` reaches the user through a relation ("owner__")."""
    full = Trim(Concat(models.F(f"{prefix}first_name"), models.Value(" "), models.F(f"{prefix}last_name")))
    return Coalesce(NullIf(full, models.Value("")), models.F(f"{prefix}username"), output_field=models.CharField())


class Team(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="managed_teams",
        limit_choices_to={"role": User.Role.MANAGER},
        verbose_name=_("manager"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="teams",
        blank=True,
        limit_choices_to={"role": User.Role.REP},
        verbose_name=_("reps"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


def people_seen(user) -> list[User] | None:
    """Whose contacts `user` sees, as people: None for everyone's (an admin), else those users in the
    order of their names (`PERSON_ORDER`), each with its username, names and `is_active`. All of
    them are `visible_owner_ids` (a deactivated rep's contacts stay visible to the manager); the
    active ones are `assignable_owners`. A manager's are read in one statement: themselves and the
    reps of the teams they manage; a rep is themselves alone, read already."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_admin:
        return None
    if user.is_manager:
        # By primary key from the membership rows: `id = %s OR id IN (...)` had PostgreSQL read
        # every user. Raw: the ORM took longer to build this statement than PostgreSQL to run it.
        return list(User.objects.raw(
            f"SELECT id, username, first_name, last_name, is_active FROM {User._meta.db_table} "
            f"WHERE id = ANY(ARRAY(SELECT m.user_id FROM {Team.members.through._meta.db_table} m "
            f"JOIN {Team._meta.db_table} t ON t.id = m.team_id WHERE t.manager_id = %(user)s) || %(user)s::bigint) "
            f"ORDER BY {', '.join(PERSON_ORDER)}",
            {"user": user.pk},
        ))
    if user.is_rep:
        return [user]
    return []


def visible_owner_ids(user) -> list[int] | None:
    """Whose contacts `user` sees (`people_seen`): None for everyone's (an admin), else their owners' ids.

    A list read first rather than a subquery: PostgreSQL then knows it is a handful of owners and
    reads their rows by index. Given a subquery, it guessed half of all owners and walked a million
    contacts in name order to fill a page."""
    return owner_ids_of(people_seen(user))


def owner_ids_of(people: list[User] | None) -> list[int] | None:
    """`visible_owner_ids` of the people read by `people_seen` (None: everyone's)."""
    return None if people is None else [person.pk for person in people]


def assignable_of(people: list[User]) -> list[User]:
    """`assignable_owners` among the people read by `people_seen`: the active ones, in their order."""
    return [person for person in people if person.is_active]


def assignable_owners(user) -> models.QuerySet:
    """The users `user` may make the owner of a contact: the same people whose contacts they see,
    active ones, in the order of their names (read already by `people_seen`: `assignable_of`)."""
    if user.is_admin:
        people = User.objects.filter(is_active=True).exclude(role=User.Role.PARTNER)
    elif user.is_manager:
        team_reps = Team.objects.filter(manager=user).values("members")
        people = User.objects.filter(Q(pk=user.pk) | Q(pk__in=team_reps), is_active=True)
    elif user.is_rep:
        people = User.objects.filter(pk=user.pk)
    else:
        people = User.objects.none()
    return people.order_by(*PERSON_ORDER)


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True, validators=[visible_single_line])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ContactQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ContactQuerySet":
        """The one visibility gate: admin all, manager own + team, rep own, anyone else none."""
        return self.owned_by(visible_owner_ids(user))

    def owned_by(self, owners: list[int] | None) -> "ContactQuerySet":
        """The contacts of these owners (`visible_owner_ids`: None for everyone's)."""
        if owners is None:
            return self.all()
        if len(owners) == 1:
            return self.filter(owner=owners[0])
        return self.filter(owner__in=owners) if owners else self.none()

    def organisations(self) -> "ContactQuerySet":
        return self.filter(kind=Contact.Kind.ORGANISATION)

    def people(self) -> "ContactQuerySet":
        return self.filter(kind=Contact.Kind.PERSON)

    def search(self, text: str) -> "ContactQuerySet":
        """Name, e-mail or organisation name containing `text`, any case.

        Three columns of the contact's own row, each with its trigram index (`contact_*_trgm`):
        PostgreSQL combines them with the owner's index and estimates how many rows match. A
        subquery for the organisation arm could not be estimated, and at a million contacts the
        planner walked the whole name index instead.
        """
        text = text.strip()
        if not text:
            return self
        # Matches in case-insensitive name order, which no index gives: the planner can only
        # combine the owner's index with the trigram indexes (a team's "ferreira" at 1,000,000
        # contacts: 371 rows, 20-31 ms). In name order it may walk the name index past every row
        # that does not match until it has a page of them: it did so on a table holding many dead
        # rows (a big import rolled back, before autovacuum came by): 140,000 rows, 235 ms.
        return self.filter(
            Q(name__icontains=text) | Q(email__icontains=text) | Q(organisation_name_copy__icontains=text)
        ).order_by(Upper("name"), "pk")

    def carry_names_to_people(self) -> int:
        """Give the people of these organisations their organisation's name, of which each person
        keeps a copy for the search (`organisation_name_copy`): the one statement that does it
        once organisations are saved, one (`Contact.save`) or many (`crm.bulk_writes`)."""
        name = Subquery(Contact.objects.filter(pk=OuterRef("organisation_id")).values("name")[:1])
        people = Contact.objects.filter(organisation__in=self.values("pk"))
        return people.exclude(organisation_name_copy=name).update(organisation_name_copy=name)


class Contact(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        ORGANISATION = "organisation", _("Organisation")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("name"), max_length=200, validators=[visible_single_line])
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True, validators=[single_line])
    website = models.URLField(_("website"), blank=True)
    address = models.TextField(_("address"), blank=True)
    # The contact's id in the system it came from (a CSV import matches on it); unique when given.
    external_id = models.CharField(
        _("external ID"), max_length=100, blank=True, default="", db_default="", validators=[single_line]
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="contacts", verbose_name=_("tags"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="contacts",
        verbose_name=_("owner"),
        db_index=False,  # (owner, name) below serves every lookup by owner: one index less to write
    )
    organisation = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="people",
        limit_choices_to={"kind": Kind.ORGANISATION},
        verbose_name=_("organisation"),
    )
    # The organisation's name, kept on each of its people for the search (see `search`).
    organisation_name_copy = models.CharField(max_length=200, blank=True, default="", db_default="", editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Bumped by every save through `crm.services`: an edit read at an older version is refused.
    version = models.PositiveIntegerField(default=1, db_default=1, editable=False)
    # The one-time token of the create form that made this row: the same submission twice makes one.
    # Unique where given (`contact_creation_token_unique`): an imported row has none to index.
    creation_token = models.UUIDField(null=True, blank=True, editable=False)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            # An owner's contacts in the lists' order (name, then id), read from the index alone.
            models.Index(fields=["owner", "name", "id"], name="contact_owner_name_id"),
            models.Index(fields=["name"]),
            # Search (`icontains` is `UPPER(col::text) LIKE UPPER(...)`): trigram indexes on the
            # same expression.
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="contact_name_trgm"),
            GinIndex(OpClass(Upper("email"), name="gin_trgm_ops"), name="contact_email_trgm"),
            GinIndex(OpClass(Upper("organisation_name_copy"), name="gin_trgm_ops"), name="contact_org_name_trgm"),
            # A CSV import matches existing contacts on their e-mail, any case.
            models.Index(Lower("email"), name="contact_email_lower"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="person") | Q(organisation__isnull=True),
                name="contact_only_people_belong_to_organisations",
            ),
            models.UniqueConstraint(
                fields=["creation_token"], condition=Q(creation_token__isnull=False),
                name="contact_creation_token_unique",
            ),
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="contact_external_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return object_url("contact_detail", self.pk)

    def save(self, *args, **kwargs):
        self.organisation_name_copy = self.organisation.name if self.organisation_id else ""
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "organisation_name_copy"}
        super().save(*args, **kwargs)
        if self.is_organisation:  # a renamed organisation renames it on its people
            Contact.objects.filter(pk=self.pk).carry_names_to_people()

    @property
    def is_organisation(self) -> bool:
        return self.kind == self.Kind.ORGANISATION


class FeatureQuerySet(models.QuerySet):
    """Writes that send no model signals still tell every process to read the features again
    (`crm.features`; saves and deletes are announced by their signals)."""

    def update(self, **kwargs):
        from crm.features import announce_change

        rows = super().update(**kwargs)
        announce_change(self.db)
        return rows

    def bulk_create(self, *args, **kwargs):
        from crm.features import announce_change

        created = super().bulk_create(*args, **kwargs)
        announce_change(self.db)
        return created


class Feature(models.Model):
    """A switchable part of the product. A missing row means the feature is off."""

    name = models.SlugField(primary_key=True, max_length=50)
    is_active = models.BooleanField(default=False)

    objects = FeatureQuerySet.as_manager()

    def __str__(self) -> str:
        return self.name


class FeatureChange(models.Model):
    """Who switched a feature on or off, and when: history as rows."""

    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="changes")
    is_active = models.BooleanField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]


class DemoSeed(models.Model):
    """`seed_demo` loaded the demo: at most one row, written in the transaction of the demo's rows.

    While it exists `seed_demo` changes nothing, so the demo is created once and whatever happens
    to the database afterwards (a feature switched off, organisations added) is left alone.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    seeded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="demoseed_single_row")]

    def __str__(self) -> str:
        return f"Demo data loaded at {self.seeded_at:%Y-%m-%d %H:%M}"


@receiver(pre_delete, sender=Contact)
def _forget_a_deleted_organisation(sender, instance: Contact, **kwargs) -> None:
    # Its people lose it through an UPDATE (SET_NULL) that `Contact.save` never sees.
    if instance.is_organisation:
        instance.people.update(organisation_name_copy="")


class ContactChange(models.Model):
    """The audit trail of contacts changed in bulk: one row per contact changed, written in the same
    statement as the change. The contact's id and name are kept as values: a deleted contact's
    rows stay."""

    class Action(models.TextChoices):
        OWNER = "owner", _("Owner changed")
        TAG_ADDED = "tag_added", _("Tag added")
        TAG_REMOVED = "tag_removed", _("Tag removed")
        DELETED = "deleted", _("Deleted")

    contact_pk = models.BigIntegerField(_("contact"), db_index=True)
    contact_name = models.CharField(max_length=200)
    action = models.CharField(max_length=16, choices=Action.choices)
    old_value = models.CharField(max_length=200, blank=True)
    new_value = models.CharField(max_length=200, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    changed_at = models.DateTimeField()
    job = models.ForeignKey("BulkJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="changes")

    class Meta:
        ordering = ["-changed_at", "-pk"]


class BulkJob(jobs.Job):
    """A bulk action on more rows than one request should hold, recorded before Celery gets it
    (as smart-list exports are), with what selects its rows frozen: the worker parses the filter
    again through the visibility gate of `owner`, and acts only on the rows the confirmation
    counted (the ticked `ids`, or the matching rows held as its `BulkJobContact` rows)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bulk_jobs")
    action = models.CharField(max_length=16)
    # Where the rows come from: "contacts" (the contact list) or a registered source ("smartlist").
    source = models.CharField(max_length=32)
    source_pk = models.BigIntegerField(null=True, blank=True)
    query = models.TextField(blank=True)
    ids = models.JSONField(default=list, blank=True)  # the selected rows; empty with all_matching
    all_matching = models.BooleanField(default=False)
    new_owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    tag = models.CharField(max_length=50, blank=True)
    back_url = models.CharField(max_length=2000, blank=True)
    rows_changed = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def get_absolute_url(self) -> str:
        return object_url("bulk_job", self.pk)

    def finish(self, status: str, **values) -> None:
        super().finish(status, **values)
        self.held_contacts.all().delete()  # in the run's transaction: kept if it rolls back

    def request_cancel(self) -> None:
        super().request_cancel()
        if self.status == self.Status.CANCELLED:  # a waiting job, stopped at once
            self.held_contacts.all().delete()


class BulkJobContact(models.Model):
    """A contact an "all matching" bulk job acts on, stored at its confirmation in the statement
    that counts them: neither a contact created later nor one whose transaction was still open
    then (an id among the counted ones) is ever changed. Released when the job ends."""

    pk = models.CompositePrimaryKey("job", "contact_id")
    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="held_contacts")
    contact_id = models.BigIntegerField()  # no constraint: a contact deleted meanwhile is skipped

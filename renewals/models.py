"""Partner renewals: customer accounts, partner organisations, associations and contract changes.

A contract change's status and renewal deadline are never stored: both are derived from the
facts on the row and today's date by one query expression each (`status_expression`,
`deadline_expression`), which `ContractChange.objects.with_status(today=...)` annotates. Pages
filter, sort and display those annotations, so they cannot disagree.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, CharField, F, Func, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext_lazy as _

from crm.billing import BillingFrequency
from crm.models import Contact
from renewals import conf


class CommunicationOwner(models.TextChoices):
    VENDOR = "vendor", _("Vendor")
    PARTNER = "partner", _("Partner")


class CustomerAccountQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CustomerAccountQuerySet":
        """Partners: customers of their organisations' running associations; vendor staff: their contacts'."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_partner:
            return self.filter(pk__in=Association.objects.customer_ids_looked_after_by(user))
        return self.filter(contact__in=Contact.objects.visible_to(user))


class CustomerAccount(models.Model):
    """The vendor's account for an organisation contact: plan limits, products and usage."""

    contact = models.OneToOneField(
        Contact,
        on_delete=models.CASCADE,
        related_name="customer_account",
        limit_choices_to={"kind": Contact.Kind.ORGANISATION},
        verbose_name=_("organisation"),
    )
    account_id = models.CharField(_("account ID"), max_length=40, unique=True)
    website = models.URLField(_("website"), blank=True)
    max_contacts = models.PositiveIntegerField(_("max contacts"))
    email_send_limit = models.PositiveIntegerField(_("e-mail send limit"))
    products = models.JSONField(_("products"), default=list, blank=True)
    contacts_used = models.PositiveIntegerField(_("contacts used"), default=0)
    emails_sent_this_month = models.PositiveIntegerField(_("e-mails sent this month"), default=0)

    objects = CustomerAccountQuerySet.as_manager()

    class Meta:
        ordering = ["contact__name", "pk"]
        verbose_name = _("customer account")
        verbose_name_plural = _("customer accounts")

    def __str__(self) -> str:
        return f"{self.contact.name} ({self.account_id})"

    def clean(self):
        if self.contact_id and not self.contact.is_organisation:
            raise ValidationError({"contact": _("A customer account belongs to an organisation.")})

    @property
    def name(self) -> str:
        return self.contact.name

    def people(self):
        """The customer's people: the only possible primary customer contacts."""
        return Contact.objects.people().filter(organisation_id=self.contact_id)


class PartnerOrganisationQuerySet(models.QuerySet):
    def visible_to(self, user) -> "PartnerOrganisationQuerySet":
        """The partners whose dashboard `user` may open: an admin every one, a partner their own."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_admin:
            return self.all()
        if user.is_partner:
            return self.filter(users=user)
        return self.none()


class PartnerOrganisation(models.Model):
    """A reseller or agency; its users are partner-role users."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="partner_organisations",
        blank=True,
        limit_choices_to={"role": "partner"},
        verbose_name=_("users"),
    )
    default_communication_owner = models.CharField(
        _("default communication owner"),
        max_length=8,
        choices=CommunicationOwner.choices,
        default=CommunicationOwner.VENDOR,
    )
    # Its partners set the default on their settings page, and Django's admin too: see services.
    version = models.PositiveIntegerField(default=1, db_default=1, editable=False)

    objects = PartnerOrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")

    def __str__(self) -> str:
        return self.name


class AssociationQuerySet(models.QuerySet):
    def active(self) -> "AssociationQuerySet":
        return self.filter(ended_at__isnull=True)

    def customer_ids_looked_after_by(self, user) -> list[int]:
        """The customers `user`'s partner organisations look after now, read first as a list.

        Given ids, PostgreSQL plans the dashboard's query (ten tables) in a few milliseconds; given
        the same set as a subquery it spent 20 ms planning each request.
        """
        return list(self.active().filter(partner__users=user).values_list("customer_id", flat=True))

    def customer_ids_of(self, partner: "PartnerOrganisation") -> list[int]:
        """The customers `partner` looks after now, read first as a list (as above, for the planner)."""
        return list(self.active().filter(partner=partner).values_list("customer_id", flat=True))


class Association(models.Model):
    """A partner organisation looks after a customer; ending it keeps the row (who, when)."""

    partner = models.ForeignKey(PartnerOrganisation, on_delete=models.PROTECT, related_name="associations")
    customer = models.ForeignKey(CustomerAccount, on_delete=models.PROTECT, related_name="associations")
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("ended by"),
    )

    objects = AssociationQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("association")
        verbose_name_plural = _("associations")
        constraints = [
            # One partner at a time looks after a customer; history keeps the ended ones.
            models.UniqueConstraint(
                fields=["customer"], condition=Q(ended_at__isnull=True), name="one_running_association_per_customer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} ↔ {self.customer.contact.name}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class AddDays(Func):
    """`date + days` as a date."""

    output_field = models.DateField()

    def __init__(self, expression, days: int, **extra):
        self.days = int(days)
        super().__init__(expression, **extra)

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} + %s)", [*params, self.days]


class ContractChangeQuerySet(models.QuerySet):
    def with_status(self, *, today: datetime.date) -> "ContractChangeQuerySet":
        """Annotate `status`, `deadline` and `communication_owner_effective`: the derived values."""
        return self.annotate(
            status=status_expression(today),
            deadline=deadline_expression(),
            communication_owner_effective=communication_owner_expression(),
        )

    def starting_within(self, *, days: int, today: datetime.date) -> "ContractChangeQuerySet":
        """Changes whose new terms start between today and `days` days from now, both included."""
        return self.filter(start_date__gte=today, start_date__lte=today + datetime.timedelta(days=days))

    def upcoming(self, *, today: datetime.date) -> "ContractChangeQuerySet":
        return self.filter(start_date__gte=today)

    def deadline_within(self, *, days: int, today: datetime.date) -> "ContractChangeQuerySet":
        """Changes whose renewal deadline is today or in the next `days` days (needs `with_status`)."""
        return self.filter(_deadline_within(days=days, today=today))

    def counts(self, *, urgent_days: int, today: datetime.date) -> dict[str, int]:
        """How many changes there are ("total") and how many of them `deadline_within(urgent_days)`
        ("urgent"), in one query (needs `with_status`)."""
        return self.aggregate(
            total=models.Count("pk"), urgent=models.Count("pk", filter=_deadline_within(days=urgent_days, today=today))
        )

    def visible_to(self, user) -> "ContractChangeQuerySet":
        """The one gate: partners through their associations, vendor staff through the customer contact."""
        if user.is_authenticated and user.is_active and user.is_partner:
            return self.filter(customer_id__in=Association.objects.customer_ids_looked_after_by(user))
        return self.filter(customer__in=CustomerAccount.objects.visible_to(user))


class ContractChange(models.Model):
    class Type(models.TextChoices):
        RENEWAL = "renewal", _("Renewal")
        TIER_UPGRADE = "tier_upgrade", _("Contact tier upgrade")
        EMAIL_OVERAGE = "email_overage", _("E-mail overage")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RENEWED = "renewed", _("Renewed")
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLATION_REQUESTED = "cancellation_requested", _("Cancellation requested")

        @property
        def needs_action(self) -> bool:
            """Only a pending change still waits for the partner: renewed, confirmed or asked to
            be cancelled, its deadline is past news."""
            return self is self.PENDING

    class Term(models.IntegerChoices):
        ONE = 1, _("1 month")
        THREE = 3, _("3 months")
        SIX = 6, _("6 months")
        TWELVE = 12, _("12 months")
        TWENTY_FOUR = 24, _("24 months")

    customer = models.ForeignKey(CustomerAccount, on_delete=models.CASCADE, related_name="contract_changes")
    type = models.CharField(_("contract type"), max_length=16, choices=Type.choices)
    start_date = models.DateField(_("renewal start date"))
    # Contract changes are billed on a period of fixed length (no "every N months").
    billing_frequency = models.CharField(
        _("billing frequency"), max_length=12, choices=[(f.value, f.label) for f in BillingFrequency.fixed()]
    )
    term_months = models.PositiveSmallIntegerField(_("term"), choices=Term.choices)
    communication_owner = models.CharField(
        _("communication owner"),
        max_length=8,
        choices=CommunicationOwner.choices,
        blank=True,
        help_text=_("Empty: the partner organisation's default."),
    )
    primary_contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("primary customer contact"),
    )
    agreed_at = models.DateTimeField(_("customer agreed at"), null=True, blank=True)
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancellation_requested_at = models.DateTimeField(_("cancellation requested at"), null=True, blank=True)
    cancellation_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The status the partner's users were last told about; the daily task compares it with today's.
    announced_status = models.CharField(max_length=24, choices=Status.choices, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    # The one-time token of the admin's add form that made this row: the same submission twice makes one.
    creation_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContractChangeQuerySet.as_manager()

    class Meta:
        ordering = ["start_date", "pk"]
        verbose_name = _("contract change")
        verbose_name_plural = _("contract changes")
        indexes = [models.Index(fields=["start_date"]), models.Index(fields=["customer", "start_date"])]
        constraints = [
            models.CheckConstraint(condition=Q(term_months__in=[1, 3, 6, 12, 24]), name="contract_change_known_term"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} · {self.start_date.isoformat()}"

    # The values below read the annotations of `with_status`: one definition, in the query.
    def get_status_display(self) -> str:
        return self.Status(self.status).label

    def get_communication_owner_effective_display(self) -> str:
        return CommunicationOwner(self.communication_owner_effective).label


def _deadline_within(*, days: int, today: datetime.date) -> Q:
    return Q(deadline__gte=today, deadline__lte=today + datetime.timedelta(days=days))


def status_expression(today: datetime.date) -> Case:
    """SPEC order: cancellation first; a renewal is renewed once agreed or from start - 44 days."""
    renewed_from = today + datetime.timedelta(days=conf.auto_renew_days())  # today >= start - 44
    Type, Status = ContractChange.Type, ContractChange.Status
    return Case(
        When(cancellation_requested_at__isnull=False, then=Value(Status.CANCELLATION_REQUESTED)),
        When(
            Q(type=Type.RENEWAL) & (Q(agreed_at__isnull=False) | Q(start_date__lte=renewed_from)),
            then=Value(Status.RENEWED),
        ),
        When(~Q(type=Type.RENEWAL) & Q(agreed_at__isnull=False), then=Value(Status.CONFIRMED)),
        default=Value(Status.PENDING),
        output_field=CharField(),
    )


def deadline_expression() -> AddDays:
    """Renewal deadline = renewal start date - 45 days: the last day to change the terms."""
    return AddDays(F("start_date"), -conf.deadline_days())


def communication_owner_expression() -> Coalesce:
    """The row's own choice, else the running partner's default, else the vendor."""
    partner_default = Association.objects.active().filter(customer=OuterRef("customer")).values(
        "partner__default_communication_owner"
    )[:1]
    return Coalesce(
        NullIf(F("communication_owner"), Value("")),
        Subquery(partner_default),
        Value(CommunicationOwner.VENDOR),
        output_field=CharField(),
    )


class ContractChangeLog(models.Model):
    """Who did what to a contract change, and when: history as rows."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        PRIMARY_CONTACT = "primary_contact", _("Primary customer contact set")
        COMMUNICATION_OWNER = "communication_owner", _("Communication owner set")
        AGREED = "agreed", _("Customer agreed")
        CANCELLATION_REQUESTED = "cancellation_requested", _("Cancellation requested")
        # A fact recorded by mistake, taken back: the status is derived again as it was before.
        AGREEMENT_TAKEN_BACK = "agreement_taken_back", _("Customer agreement taken back")
        CANCELLATION_TAKEN_BACK = "cancellation_taken_back", _("Cancellation request taken back")
        EDITED = "edited", _("Edited")

    change = models.ForeignKey(ContractChange, on_delete=models.CASCADE, related_name="log")
    action = models.CharField(max_length=24, choices=Action.choices)
    old_value = models.CharField(max_length=200, blank=True)
    new_value = models.CharField(max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]


class ColumnPreference(models.Model):
    """The optional dashboard columns a user chose, in order."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="renewal_columns")
    columns = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped by each save through `renewals.services`: a layout saved from an older read is refused.
    version = models.PositiveIntegerField(default=1, db_default=1, editable=False)


class NoticeQuerySet(models.QuerySet):
    def pending(self) -> "NoticeQuerySet":
        return self.filter(sent_at__isnull=True, skipped_at__isnull=True, failed_at__isnull=True)


class Notice(models.Model):
    """One e-mail to one partner user about one event, recorded before it is handed to Celery.

    `(event_key, recipient)` is unique, so an event can only ever produce one e-mail per person
    however many times the code that notices it runs.
    """

    class Kind(models.TextChoices):
        CREATED = "created", _("New contract change")
        STATUS = "status", _("Status changed")
        DEADLINE = "deadline", _("Deadline reminder")

    change = models.ForeignKey(ContractChange, on_delete=models.CASCADE, related_name="notices")
    association = models.ForeignKey(Association, on_delete=models.CASCADE, related_name="notices")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    event_key = models.CharField(max_length=100)
    status = models.CharField(max_length=24, choices=ContractChange.Status.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    skipped_at = models.DateTimeField(null=True, blank=True)
    # Tries that failed before the e-mail left (the last one's error); after MAX_ATTEMPTS the
    # notice is failed: no sweep hands it over again, and admins see it in the admin.
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    MAX_ATTEMPTS = 5

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["event_key", "recipient"], name="one_notice_per_event_and_recipient")]
        indexes = [models.Index(fields=["sent_at", "skipped_at", "created_at"])]

    def __str__(self) -> str:
        return f"{self.event_key} → {self.recipient}"

"""The reads behind the dashboard, the customer page and the contact-page panel."""

import datetime

from django.db.models import F, Prefetch, Q, QuerySet

from crm.models import Contact
from renewals import columns as cols
from renewals import conf
from renewals.models import Association, ContractChange, CustomerAccount

# The columns of a customer's own table (customer page and contact-page panel).
CUSTOMER_COLUMNS = [cols.BY_KEY[key] for key in ("type", "start_date", "deadline", "status", "communication_owner", "primary_contact")]


def people_visible_to(user) -> QuerySet:
    """The people renewals may list or offer to `user`: vendor staff through the contact gate,
    `Contact.objects.visible_to`; a partner, to whom that gate shows no contacts, the people of the
    customers their organisations look after now (as `CustomerAccount.objects.visible_to`).

    The partner's customers are a subquery here, not a list read first: this query is small
    (a page's primary contacts, one customer's people), and the dashboard reads the list once already.
    """
    if user.is_authenticated and user.is_active and user.is_partner:
        looked_after = Association.objects.active().filter(partner__users=user).values("customer_id")
        return Contact.objects.people().filter(organisation__customer_account__in=looked_after)
    return Contact.objects.visible_to(user).people()


def customer_people(customer: CustomerAccount, user) -> QuerySet:
    """`customer`'s people that `user` may see: the only ones a page shows or a form offers."""
    return people_visible_to(user).filter(organisation_id=customer.contact_id)


def changes_for(user, *, today: datetime.date, shown: list[cols.Column]) -> QuerySet:
    """Every contract change `user` may see, with what a table row shows, in a fixed number of queries.

    The row names its primary contact only when `user` may see that person: read through the same
    gate as the menu's choices (one query per page, and only while the column is shown). The
    choices themselves are read when a row's menu opens, not for every row up front.
    """
    changes = (
        ContractChange.objects.visible_to(user)
        .with_status(today=today)
        .select_related("customer__contact", "agreed_by", "cancellation_requested_by")
    )
    if cols.BY_KEY["primary_contact"] in shown:
        changes = changes.prefetch_related(Prefetch("primary_contact", queryset=people_visible_to(user)))
    return cols.annotate_contact_fields(changes, [c.contact_field for c in shown if c.contact_field], today=today)


def dashboard(user, *, today: datetime.date, shown, search: str = "", sort: str = cols.DEFAULT_SORT) -> QuerySet:
    """The partner's "Upcoming renewals": changes starting within the window, searched and sorted."""
    changes = changes_for(user, today=today, shown=shown)
    changes = changes.starting_within(days=conf.window_days(), today=today)
    if search := search.strip():
        changes = changes.filter(
            Q(customer__contact__name__icontains=search)
            | Q(customer__website__icontains=search)
            | Q(customer__account_id__icontains=search)
        )
    terms = cols.BY_KEY[sort.removeprefix("-")].sort_terms(sort.startswith("-"))
    order = [F(key).desc(nulls_last=True) if descending else F(key).asc(nulls_last=True) for key, descending in terms]
    return changes.order_by(*order, "start_date", "pk")


def running_association(customer: CustomerAccount, user) -> Association | None:
    """The customer's running association that `user` may end: their own partner's, or any for staff."""
    associations = Association.objects.active().filter(customer=customer).select_related("partner")
    if user.is_partner:
        associations = associations.filter(partner__users=user)
    return associations.first()



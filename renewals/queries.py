"""The reads behind the dashboard, the customer page and the contact-page panel."""

import datetime

from django.db.models import F, Q, QuerySet

from crm.models import Contact, person_name
from renewals import columns as cols
from renewals import conf
from renewals.models import Association, ContractChange, ContractChangeLog, CustomerAccount, PartnerOrganisation

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
    return organisation_people(customer.contact_id, user)


def organisation_people(organisation_id: int, user) -> QuerySet:
    """The people of a customer's organisation contact, by its id, that `user` may see."""
    return people_visible_to(user).filter(organisation_id=organisation_id)


def changes_for(user, *, today: datetime.date, shown: list[cols.Column]) -> QuerySet:
    """Every contract change `user` may see, with the derived values a table row shows (status,
    deadline, communication owner) and the shown MRR columns. Tables read it through
    `renewals.table.values_for`: one query of the shown columns, the primary contacts' names
    through the people gate in one more."""
    changes = ContractChange.objects.visible_to(user).with_status(today=today)
    return cols.annotate_contact_fields(changes, [c.contact_field for c in shown if c.contact_field], today=today)


def dashboard(user, *, today: datetime.date, shown, search: str = "", sort: str = cols.DEFAULT_SORT,
              partner: PartnerOrganisation | None = None) -> QuerySet:
    """The partner's "Upcoming renewals": changes starting within the window, searched and sorted;
    with `partner`, only that partner's customers (an admin reading one partner's dashboard)."""
    changes = changes_for(user, today=today, shown=shown)
    if partner is not None:
        changes = changes.filter(customer_id__in=Association.objects.customer_ids_of(partner))
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




def change_history(change_id: int, *, limit: int = 20) -> QuerySet:
    """The latest of a contract change's history, newest first: what was done, by whom, when. The
    change itself must have been read through its gate; a log row names no contact."""
    entries = ContractChangeLog.objects.filter(change_id=change_id).order_by("-at", "-pk")
    return entries.values("action", "at", by_name=person_name("by__"))[:limit]

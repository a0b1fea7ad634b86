"""The limit of each measured page: the same visible content for the same user and URL, cut down
to its essential queries and markup, measured beside the page and the floor in every `make bench`.

A page slower than its target is either doing more than its reader sees, or the target is out
of reach on this stack: the limit tells which. Each view goes through the same middleware,
session and login as the floor and the page, applies the same visibility gate (the same rows for
the same user) and renders a template that extends the product's `base.html` (its navigation is
part of every page); nothing is cached across requests (the contact page's own fragment cache
included). Rows are read with `values()` of the shown columns, or through the product's readers
where they already are one statement of that kind (the contact list's rows, the smart list's
listing, count and totals over the stored summary rows, the dashboard's rows, the stored pipeline
rows, the subscription widget's two reads). What a page renders that nobody sees until they open
it (a closed column picker, a row menu's body, the bulk bar's hidden banner, htmx attributes) is
left out, as loading it on demand would. A limit answers the parameters its page is measured with
(and paging); any other is refused (400) rather than ignored. Only processes started with
bench.settings route here (bench/urls.py).
"""

import dataclasses
import functools
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import F, QuerySet
from django.forms import BoundField
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.template import engines
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET

from crm import bulk, dates, features
from crm.access import partner_required, vendor_staff_required
from crm.contact_rows import contact_rows
from crm.formats import Formats
from crm.links import object_urls
from crm.models import Contact, Tag, assignable_owners, person_name, visible_owner_ids
from crm.pagination import CappedPaginator, count_cap

TEMPLATES = Path(__file__).resolve().parent / "templates"
CONTACT_PAGE_SIZE = 25  # crm.views.contacts.PAGE_SIZE
DASHBOARD_PAGE_SIZE = 50  # renewals.views.dashboard.PAGE_SIZE


@functools.cache
def _template(name: str):
    """A bench template, compiled once per process by the product's engine (so `base.html`, its
    tags and context processors are the product's own); the cached loader does the same for pages."""
    return engines["django"].from_string((TEMPLATES / name).read_text())


def _render(request, name: str, context: dict) -> HttpResponse:
    if getattr(request, "queries_only", False):
        for value in context.values():
            _read(value)
        return HttpResponse(b"")
    return HttpResponse(_template(name).render(context, request))


def _read(value) -> None:
    """Read what the template would read: every query set and iterator in `value`, and the choices
    of a form field it shows (a page's rows are read by the view already)."""
    if isinstance(value, QuerySet | Iterator):
        list(value)
    elif isinstance(value, BoundField):
        for _choice in getattr(value.field, "choices", ()):  # as a <select> does: no count first
            pass
    elif isinstance(value, list | tuple):
        for item in value:
            _read(item)
    elif isinstance(value, dict):
        for item in value.values():
            _read(item)
    elif dataclasses.is_dataclass(value):  # a smart list's filters: its picker's fields
        for field in dataclasses.fields(value):
            _read(getattr(value, field.name))


def queries_only(limit):
    """`limit` answering with an empty body once its queries are read: what its reads alone cost."""

    @functools.wraps(limit)
    def wrapped(request, *args, **kwargs):
        request.queries_only = True
        return limit(request, *args, **kwargs)

    return wrapped


def _other_parameters(request, *answered: str) -> HttpResponse | None:
    """400 for a parameter the limit does not answer: a limit never shows other rows than its page."""
    others = sorted(set(request.GET) - set(answered))
    return HttpResponseBadRequest(f"This limit view answers only {', '.join(answered)}; not {', '.join(others)}.",
                                  content_type="text/plain") if others else None


@require_GET
@login_required
def layout_only(request):
    """An empty page on base.html: what the layout alone costs (its navigation context processor included)."""
    return _render(request, "layout_only.html", {})


@require_GET
@login_required
@vendor_staff_required
def contact_page(request, pk: int):
    """The contact page: details, tags, the organisation's people, and the subscription panel's
    figures, chart and periods (`subscription_of`: the periods and the stored figures, two reads)."""
    from subscriptions.widget import subscription_of

    contact = Contact.objects.visible_to(request.user).filter(pk=pk).values(
        "pk", "kind", "name", "email", "phone", "website", "address", "updated_at", "organisation_id",
        organisation_name=F("organisation__name"), owner_name=person_name("owner__"),
    ).first()
    if contact is None:
        raise Http404
    organisation = contact["kind"] == Contact.Kind.ORGANISATION
    context = {
        "contact": contact,
        "kind": Contact.Kind(contact["kind"]).label,
        "tags": Contact.tags.through.objects.filter(contact_id=pk).order_by("tag__name").values_list("tag__name", flat=True),
        "people": Contact.objects.visible_to(request.user).filter(organisation_id=pk).values("pk", "name", "email")
        if organisation else None,
        "subscription": None,
        "customer": organisation and _customer_of(pk),
    }
    if features.is_active("subscriptions", request):
        subscription = context["subscription"] = subscription_of(Contact(pk=pk), today=dates.today())
        if subscription.rows:
            context.update(periods=_period_rows(subscription), chart=subscription.chart,
                           points=_chart_points(subscription.chart))
    return _render(request, "contact_page.html", context)


def _period_rows(subscription) -> list[dict]:
    """The periods table's cells, latest first, formatted once in Python (`crm.formats`): ten years
    of monthly periods through template filters cost more than the rest of the page."""
    fmt = Formats()
    edit, delete = object_urls("subscriptions:period_edit"), object_urls("subscriptions:period_delete")
    rows = []
    for row in reversed(subscription.rows):
        period = row.period
        if period.price is None:
            billing = ""
        elif period.billing_frequency == "every_n_months":
            months = period.billing_every_months
            billing = ngettext("every month", "every %(months)s months", months) % {"months": months}
        else:
            billing = period.get_billing_frequency_display()
        rows.append({
            "pk": period.pk, "start": fmt.date(period.start_date), "end": fmt.date(period.end_date),
            "badge": gettext("current") if row.is_current else gettext("upcoming") if row.is_upcoming else "",
            "mrr": f"{fmt.money(period.mrr)} {period.currency}",
            "price": f"{fmt.money(period.price)} · {billing}" if billing else "",
            "description": period.description, "tag": row.tag_label,
            "edit_url": edit(period.pk), "delete_url": delete(period.pk),
        })
    return rows


def _chart_points(chart) -> list[tuple]:
    """The chart's points with their titles ("March 2026: 1,234.00 EUR"), formatted once."""
    if chart is None:
        return []
    fmt = Formats()
    return [(x, y, f"{fmt.format_date(month.month, None, 'F Y')}: {fmt.money(month.mrr)}"
             + (f" {month.currency}" if month.currency else "")) for x, y, month in chart.points]


def _customer_of(organisation_id: int):
    """Whether the organisation is a customer: its renewals panel then shows (the bench's is not one)."""
    from renewals.models import CustomerAccount

    return CustomerAccount.objects.filter(contact_id=organisation_id).values("pk", "account_id").first()


@require_GET
@login_required
@vendor_staff_required
def contact_list(request):
    """The contact list and its search: the visible contacts (?q= searched), counted up to the
    cap, a page of them through the list's own `values()` reader, and the tag filter's choices."""
    if refused := _other_parameters(request, "q", "page"):
        return refused
    q = request.GET.get("q", "").strip()[:200]
    contacts = Contact.objects.visible_to(request.user)
    if q:
        contacts = contacts.search(q)
    page = CappedPaginator(contacts, CONTACT_PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(request, "contact_list.html", {
        "q": q, "page": page, "rows": contact_rows(page.object_list),
        "kinds": Contact.Kind.choices, "tags": Tag.objects.values_list("name", flat=True),
        "actions": [(key, label) for key, label in bulk.ACTIONS if bulk.exporter() is not None or key != bulk.EXPORT],
    })


@require_GET
@login_required
@vendor_staff_required
def smartlist_page(request, pk: int):
    """A smart list's page (page 1, or any page by its cursor): the list's own listing (its
    visibility gate, filters and sort), count and totals in one statement over the stored rows,
    and the page's shown columns by keyset; the filters it offers. The column picker (closed) is
    left out."""
    from smartlists.listing import filter_bar, footer, header, list_listing, list_state, shown_values, table_rows
    from smartlists.models import SmartList
    from smartlists.paging import InvalidCursor, page_of
    from smartlists.queries import count_and_totals

    smartlist = get_object_or_404(SmartList.objects.visible_to(request.user).select_related("owner"), pk=pk)
    params, sort = list_state(request, smartlist)
    result = list_listing(request, smartlist, params, sort)
    if not result.is_valid:
        return HttpResponseBadRequest()
    counted = count_and_totals(result, cap=count_cap())
    try:
        page = page_of(result.queryset.values(*shown_values(result)), order=result.order, params=request.GET,
                       count=counted.rows, exact=counted.exact)
    except InvalidCursor:
        return HttpResponseBadRequest()
    state = params.copy()
    state["sort"] = result.sort
    return _render(request, "smartlist_page.html", {
        "smartlist": smartlist, "page": page, "count_cap": count_cap(), "state": state.urlencode(),
        "filters": filter_bar(request, smartlist, result.filterset, params, result.sort),
        "headers": [header(f, result.sort, params) for f in result.columns],
        "rows": table_rows(page.rows, result.columns, settings.CRM_CURRENCY),
        "footer": footer(result.columns, counted.totals, counted.converted),
        "totals_left_out": not counted.exact and any(f.summable for f in result.columns), "actions": bulk.ACTIONS,
    })


@require_GET
@login_required
@partner_required
def partner_dashboard(request):
    """The partner dashboard ("Upcoming renewals", ?q= searched, sorted by deadline): the
    partner's changes in the window, counted with the urgent ones in one query, a page of the
    shown columns through the dashboard's `values()` reader; each row's menu is its link."""
    from django.core.paginator import Paginator

    from renewals import columns as cols
    from renewals import conf, queries, table

    if refused := _other_parameters(request, "q", "page"):
        return refused
    today = dates.today()
    shown = cols.shown_columns(cols.available_keys(request, cols.chosen_keys(request.user)))
    q = request.GET.get("q", "").strip()[:200]
    changes = queries.dashboard(request.user, today=today, shown=shown, search=q)
    counts = changes.counts(urgent_days=conf.urgent_days(), today=today)
    paginator = Paginator(table.values_for(changes, shown), DASHBOARD_PAGE_SIZE)
    paginator.count = counts["total"]
    page = paginator.get_page(request.GET.get("page"))
    return _render(request, "partner_dashboard.html", {
        "q": q, "page": page, "shown": shown, "show": cols.shown_flags(shown), "urgent_count": counts["urgent"],
        "rows": table.change_rows(page.object_list, today=today, shown=shown, user=request.user, layout="dashboard"),
        "window_days": conf.window_days(), "urgent_days": conf.urgent_days(), "sort": cols.DEFAULT_SORT,
    })


class Owner:
    """An owner as the pipeline's rows name them: the pk and the name, read by `values()`."""

    def __init__(self, pk: int, name: str):
        self.pk, self.name = pk, name

    def __str__(self) -> str:
        return self.name


@require_GET
@login_required
@vendor_staff_required
def pipeline(request):
    """The pipeline of the user's team: the stored per-owner rows (`build_report`, which brings any
    owner out of date up to date first, as the page does) and the owners' names."""
    from subscriptions.pipeline import build_report

    if not features.is_active("subscriptions", request):
        raise Http404
    owners = [Owner(row["pk"], row["name"]) for row in
              assignable_owners(request.user).order_by("first_name", "last_name", "username")
              .values("pk", name=person_name())]
    report = build_report(visible_owner_ids(request.user), owners, currency=settings.CRM_CURRENCY, today=dates.today())
    url = object_urls("contact_detail")
    ending = [{**item, "url": url(item["contact_id"])} for item in report.ending()]
    return _render(request, "pipeline.html", {"report": report, "ending": ending, "today": dates.today(),
                                              "converted": report.converted_rows()})



@require_GET
def api_contact_list(request):
    """The REST API's contact list (`?limit=`, a team's first page): the token's person (the
    product's token lookup, one query), their owners (the visibility gate), and the page written
    by PostgreSQL in one statement (`api.contact_json.page`, as the endpoint does). No API
    framework around it: no schema, no throttle, no filter set; other parameters are refused."""
    import json

    from api import contact_json, contacts, tokens

    if refused := _other_parameters(request, "limit"):
        return refused
    scheme, _space, plain = request.headers.get("Authorization", "").partition(" ")
    token = tokens.find(plain) if scheme == "Bearer" else None
    if token is None:
        return HttpResponse(status=401)
    request.user = user = token.user  # as the API's authentication does: the token acts as its person
    if not user.is_vendor_staff:
        raise Http404
    owners = visible_owner_ids(user)
    size = min(max(int(request.GET.get("limit") or 100), 1), 100)
    ordered = contacts._ordered_by_owner(Contact.objects.owned_by(owners), owners, size + 1)
    found = contact_json.page(ordered, contacts._shown(request), size=size, site=contacts._site(request))
    if getattr(request, "queries_only", False):
        return HttpResponse(b"")
    following = None
    if found.last:
        from api.paging import encode, next_url
        following = next_url(request, encode(*found.last))
    return HttpResponse(f'{{"results":{found.results},"next":{json.dumps(following)}}}', content_type="application/json")

"""What smart lists give crm's bulk actions: their rows as a source, and their CSV export."""

from django.http import QueryDict, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from crm import bulk
from crm.dates import today
from crm.contact_rows import SHOWN_FIELDS
from crm.models import Contact
from smartlists.export import csv_chunks, file_name
from smartlists.models import SmartList
from smartlists.listing import switched_off_state
from smartlists.queries import listing, only_filters, parameter_label

SOURCE = "smartlist"


def _listing(user, smartlist: SmartList, params: QueryDict, *, request=None):
    params = only_filters(params)
    result = listing(user=user, columns=smartlist.columns, params=params, sort=smartlist.sort, today=today())
    errors = dict(result.errors)
    if request is not None:
        errors |= switched_off_state(request, smartlist, params, smartlist.sort)
    if errors:
        labelled = [(parameter_label(result.filterset, name), messages) for name, messages in errors.items()]
        raise bulk.BulkError(_("The list's filters are not valid: %(errors)s") % {
            "errors": "; ".join(f"{label}: {' '.join(map(str, messages))}" if label else " ".join(map(str, messages))
                                for label, messages in labelled)
        })
    return result


def matching(user, smartlist: SmartList, params: QueryDict, *, request=None):
    """The list's rows for the posted filters, visible to `user` (404 before this if the list is not)."""
    return _listing(user, smartlist, params, request=request).queryset


def source(user, source_pk: int | None, params: QueryDict):
    """The rows of a recorded bulk job: its list, if its owner may still see it."""
    smartlist = SmartList.objects.visible_to(user).filter(pk=source_pk).first()
    if smartlist is None:
        raise bulk.BulkError(_("This smart list no longer exists, or is no longer shared with you."))
    return matching(user, smartlist, params)


def _csv_response(rows, columns, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_chunks(rows, columns), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, file_name(name, today()))
    return response


def export_response(user, smartlist: SmartList, rows) -> StreamingHttpResponse:
    """The selected rows of a smart list as its CSV export: its columns, its sort."""
    result = listing(user=user, columns=smartlist.columns, params=QueryDict(), sort=smartlist.sort, today=today())
    selected = result.queryset.filter(pk__in=rows.values("pk"))
    return _csv_response(selected, result.columns, smartlist.display_name)


def contacts_export_response(request, rows) -> StreamingHttpResponse:
    """The selected rows of the contact list as CSV, with the columns the list shows."""
    result = listing(user=request.user, columns=SHOWN_FIELDS, params=QueryDict(), sort="name", today=today())
    selected = result.queryset.filter(pk__in=rows.values("pk"))
    return _csv_response(selected, result.columns, str(Contact._meta.verbose_name_plural))


def register() -> None:
    bulk.register_source(SOURCE, source)
    bulk.register_exporter(contacts_export_response)

"""Errors as RFC 9457 problem details (`application/problem+json`), in the request's language.

A problem has a `type` (a URI naming the kind of problem; `about:blank` when the status says it
all), a `title` (the same for every problem of that type), the `status`, a `detail` about this
occurrence and, for refused input, `errors`: the form's own field errors, field by field, as the
pages show them (`__all__` for those about the whole row).
"""

import json

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.utils.translation import gettext as _

CONTENT_TYPE = "application/problem+json"
# Relative references, resolved against the API's address: `/api/v1/problems/invalid`...
TYPE_PREFIX = "/api/v1/problems/"


class Problem(Exception):
    """Raised anywhere under a view of the API: answered as a problem document."""

    def __init__(self, status: int, title, detail="", *, kind: str = "", errors: dict | None = None,
                 headers: dict | None = None):
        super().__init__(str(detail or title))
        self.status, self.title, self.detail = status, title, detail
        self.kind, self.errors, self.headers = kind, errors, headers or {}

    def response(self) -> HttpResponse:
        return problem_response(self.status, self.title, self.detail, kind=self.kind, errors=self.errors,
                                headers=self.headers)


def problem_response(status: int, title, detail="", *, kind: str = "", errors: dict | None = None,
                     headers: dict | None = None) -> HttpResponse:
    body = {"type": f"{TYPE_PREFIX}{kind}" if kind else "about:blank", "title": str(title), "status": status,
            "detail": str(detail or title)}
    if errors:
        body["errors"] = errors
    response = HttpResponse(json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False), status=status,
                            content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def form_errors(form) -> dict:
    """A bound, invalid form's errors: {field: [{"message", "code"}]}, messages in the active language."""
    return {name: [{"message": str(item["message"]), "code": item["code"] or "invalid"} for item in items]
            for name, items in form.errors.get_json_data().items()}


def invalid(errors: dict, detail="") -> Problem:
    return Problem(422, _("The data is not valid."), detail or _("Correct the fields named in “errors”."),
                   kind="invalid", errors=errors)


def bad_query(errors: dict) -> Problem:
    """A list's parameters refused (400, as the pages answer an invalid filter): never the whole list instead."""
    return Problem(400, _("The list's parameters are not valid."), _("Correct the parameters named in “errors”."),
                   kind="invalid-query", errors=errors)


def field_problem(field: str, message, code: str = "invalid") -> Problem:
    return invalid({field: [{"message": str(message), "code": code}]})


def whole_row_problem(message, code: str = "invalid") -> Problem:
    return invalid({NON_FIELD_ERRORS: [{"message": str(message), "code": code}]})


def not_found() -> Problem:
    return Problem(404, _("Not found."), _("Nothing here is visible to this token's person."))

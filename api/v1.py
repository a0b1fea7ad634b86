"""The REST API under `/api/v1/` (django-ninja: see the README for why), its schema at
`/api/v1/openapi.json`, and how it answers what goes wrong: RFC 9457 problem documents."""

import logging

from django.core.signals import got_request_exception
from django.http import Http404
from django.urls import re_path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from api.auth import TokenAuth, TokenRateThrottle
from api.contacts import router as contacts
from api.openapi import ProblemsDocumented
from api.periods import router as periods
from api.pipeline import router as pipeline
from api.problems import Problem, invalid, not_found, problem_response
from api.renewals import router as renewals
from api.smartlists import router as smartlists

logger = logging.getLogger("django.request")

DESCRIPTION = """\
The CRM's data for the systems around it, with the pages' own rules: a personal token acts as its
person, sees what they see (anything else is a 404) and is validated by the same forms.

* **Authentication**: `Authorization: Bearer <token>`; create a token under *API tokens* in the CRM.
  A read token may only read (a write is a 403).
* **Writes** carry the version of the row they change, as `If-Match: "<version>"` (the ETag a GET
  answered; stale: 412) or `"version"` in the body (stale: 409). Nothing changes on a refusal.
  A create may carry an `Idempotency-Key`: the same key again answers with the row it made.
* **Errors** are `application/problem+json` (RFC 9457) in the language of `Accept-Language`
  (en, it, pt-BR); refused fields are listed under `errors`, as the forms word them.
* **Rate**: past the per-token rate, 429 with `Retry-After`.
"""

api = ProblemsDocumented(
    title="Subscription CRM API", version="1", description=DESCRIPTION, urls_namespace="api",
    auth=TokenAuth(), throttle=[TokenRateThrottle()], docs_url=None, openapi_url="/openapi.json",
)
api.add_router("/contacts/", contacts)
api.add_router("/", periods)
api.add_router("/smartlists/", smartlists)
api.add_router("/renewals/", renewals)
api.add_router("/pipeline/", pipeline)


@api.exception_handler(Problem)
def _problem(request, exc: Problem):
    return exc.response()


@api.exception_handler(Http404)
def _not_found(request, exc):
    return not_found().response()


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    given = bool(request.headers.get("Authorization"))
    return problem_response(
        401, _("A valid API token is required."),
        _("The token is unknown or revoked.") if given else _("Send Authorization: Bearer <token>."),
        kind="unauthenticated",
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"' if given else "Bearer"},
    )


@api.exception_handler(Throttled)
def _throttled(request, exc):  # ninja adds Retry-After
    return problem_response(429, _("Too many requests."), _("This token sent more requests than its rate allows: "
                                                             "wait for the time Retry-After gives."), kind="rate-limited")


@api.exception_handler(NinjaValidationError)
def _unreadable(request, exc):
    # What the forms never see: a path or body the schema itself refuses.
    errors = {}
    for error in exc.errors:
        field = ".".join(str(part) for part in error.get("loc", ())[1:]) or "__all__"
        errors.setdefault(field, []).append({"message": _("This value is not valid."), "code": "invalid"})
    return invalid(errors).response()


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return problem_response(exc.status_code, exc.message)


@api.exception_handler(Exception)
def _server_error(request, exc):
    # Told as Django tells an unhandled exception (the test client re-raises it), answered as a problem.
    logger.exception("Internal Server Error: %s", request.path, extra={"status_code": 500, "request": request})
    got_request_exception.send(sender=None, request=request)
    return problem_response(500, gettext_lazy("Server error."), _("Something went wrong on our side; nothing "
                                                                   "was changed. Try again later."))


def _method_not_allowed(allow: str):
    return problem_response(405, _("Method not allowed."), _("This address takes: %(methods)s.") % {"methods": allow},
                            headers={"Allow": allow})


def _as_problems(view, *, read_only: bool = False):
    """What ninja answers outside its operations as problems too: a method a path does not take
    (a plain 405) and its root's 404; `read_only` for the schema, which takes GET alone."""

    def answer(request, *args, **kwargs):
        if read_only and request.method not in ("GET", "HEAD"):
            return _method_not_allowed("GET, HEAD")
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return not_found().response()
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/problem"):
            return _method_not_allowed(response["Allow"])
        return response

    answer.csrf_exempt = getattr(view, "csrf_exempt", False)
    return answer


@csrf_exempt  # a token's request: no cookie, no form (api.auth)
def _no_such_address(request, rest=""):
    """Any other address under /api/v1/ (an id that is no number, a typo): a problem too, never
    the site's HTML page."""
    return not_found().response()


def urls():
    """The API's URLconf: one pattern per path, named after its first operation ("api:contacts",
    "api:contact"). ninja adds one per operation, all of the same view, which takes every method.
    Last, unnamed, whatever else is under the API's root."""
    patterns, app_name, namespace = api.urls
    by_route = {}
    for pattern in patterns:
        if str(pattern.pattern) not in by_route:
            pattern.callback = _as_problems(pattern.callback, read_only=pattern.name == "openapi-json")
            by_route[str(pattern.pattern)] = pattern
    return [*by_route.values(), re_path(r"^(?P<rest>.+)$", _no_such_address)], app_name, namespace

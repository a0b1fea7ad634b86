"""What every write of the API reads besides its fields: the JSON body, the row's version
(`If-Match` or `version` in the body) and a create's `Idempotency-Key`."""

import json
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from api.problems import Problem, field_problem, invalid

# The namespace of the creation tokens made from idempotency keys: one key of one person is one token.
IDEMPOTENCY_NAMESPACE = uuid.UUID("6f1f3f5e-6a55-4b8e-9a43-3c1f2b4c9d10")
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")  # visible ASCII, as the header's draft standard asks
ETAG = re.compile(r'(?:W/)?"(\d{1,10})"')


def json_body(request) -> dict:
    """The request's JSON object, or a 400 problem."""
    if not request.body:
        return {}
    try:
        # Numbers with a fraction as Decimal: money arrives exactly as typed (12.10 stays 12.10).
        body = json.loads(request.body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        raise Problem(400, _("The body is not JSON."), _("Send a JSON object with Content-Type: application/json."),
                      kind="malformed") from None
    if not isinstance(body, dict):
        raise Problem(400, _("The body is not a JSON object."), _("Send the fields as one JSON object."), kind="malformed")
    return body


def etag(version: int) -> str:
    return f'"{version}"'


@dataclass(frozen=True)
class Version:
    value: int
    from_header: bool  # If-Match (a stale one is 412) or the body's `version` (409)


def version_of(request, body: dict) -> Version:
    """The version the client read, from If-Match or the body; 428 when it sends none: every write
    says which version of the row it changes, so that two writers never silently lose a change."""
    header = request.headers.get("If-Match", "").strip()
    if header and header != "*":
        match = ETAG.fullmatch(header)
        if match is None:
            raise Problem(400, _("If-Match is not an ETag of this API."),
                          _("Send the ETag a GET of the row answered, such as \"3\"."), kind="malformed")
        return Version(int(match.group(1)), from_header=True)
    if "version" in body:
        value = body["version"]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**31:
            raise field_problem("version", _("Enter the version a GET of the row answered (a whole number)."))
        return Version(value, from_header=False)
    raise Problem(428, _("The row's version is missing."),
                  _("Send the version you read, as If-Match: \"<version>\" or \"version\" in the body."),
                  kind="version-required")


def stale(version: Version, current: int | None) -> Problem:
    """Someone changed the row since `version` was read: nothing was written."""
    status = 412 if version.from_header else 409
    return Problem(status, _("The row changed since you read it."),
                   _("Someone else saved it since; nothing was changed. Read it again and send your change with its "
                     "new version."), kind="stale-version", headers={"ETag": etag(current)} if current else None)


def idempotency_token(request, user) -> uuid.UUID | None:
    """The creation token of the request's `Idempotency-Key`: the same key of the same person is
    the same token, so the create it made is answered again (`crm.submissions.create_once`)."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise Problem(400, _("The Idempotency-Key is not valid."),
                      _("Use 1 to 255 visible ASCII characters, such as a UUID."), kind="malformed")
    return uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{user.pk}:{key}")


def form_data(body: dict, *, writable, ignored=(), base: dict | None = None, unknown_message,
              name_lists: dict | None = None) -> dict:
    """The JSON body as a form's POST data, over `base`: each field of `writable` sent is its text
    (null: empty). A field the form does not have is refused with `unknown_message` (a typo would
    otherwise change nothing, silently); `ignored` ones (read-only fields a GET answered, sent back
    as they were) are left out. A list, an object or true/false where one value goes: refused.
    `name_lists` ({field: message}): fields sent as a list of names, the form's text of them
    joined by commas; anything else (or a name with a comma) is refused with the message."""
    data, errors, name_lists = dict(base or {}), {}, name_lists or {}
    for key, value in body.items():
        if key in ignored:
            continue
        if key not in writable:
            errors[key] = [{"message": str(unknown_message), "code": "unknown"}]
        elif key in name_lists:
            if not isinstance(value, list) or not all(isinstance(name, str) and "," not in name for name in value):
                errors[key] = [{"message": str(name_lists[key]), "code": "invalid"}]
            else:
                data[key] = ", ".join(value)
        elif value is None:
            data[key] = ""
        elif isinstance(value, bool | list | dict):
            errors[key] = [{"message": _("Enter a single value."), "code": "invalid"}]
        else:
            data[key] = str(value)
    if errors:
        raise invalid(errors)
    return data


def version_checked(request, body: dict, current: int) -> "Version":
    """The version the client sent (`version_of`), refused as stale (412/409) when the row is at
    another one now: nothing is read further, nothing written."""
    version = version_of(request, body)
    if version.value != current:
        raise stale(version, current)
    return version


def key_used(detail) -> Problem:
    """An Idempotency-Key that made another row (of another kind, another contact, or one this
    person may no longer see): refused, and the row not shown."""
    return Problem(409, _("This Idempotency-Key was already used."), detail, kind="idempotency-key-used")

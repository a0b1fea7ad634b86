"""Making, finding and revoking personal API tokens.

A token reads `crm_<prefix>_<secret>`: `prefix` (8 characters) is kept on the row and shown on
the settings page; the whole token's SHA-256 is what the row is found by. The plain token exists
only in the answer to its creation.
"""

import datetime
import hashlib
import secrets
import uuid

from django.utils import timezone

from api.models import ApiToken
from crm.submissions import create_once

TOKEN_START = "crm_"
PREFIX_LENGTH = 8
# "last used" is written when it is older than this: at most one write a minute per token.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


def hash_token(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def _new_plain() -> tuple[str, str]:
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    return prefix, f"{TOKEN_START}{prefix}_{secrets.token_urlsafe(32)}"


def token_create(*, user, name: str, scope: str, submission: uuid.UUID | None = None) -> tuple[ApiToken, str | None]:
    """A new token of `user`; returns it and its plain text, shown once. The same `submission`
    again answers with the token it made and no plain text: the secret is never shown twice."""
    prefix, plain = _new_plain()

    def create() -> ApiToken:
        return ApiToken.objects.create(user=user, name=name, scope=scope, prefix=prefix, secret_hash=hash_token(plain),
                                       creation_token=submission)

    token, created = create_once(ApiToken.objects.of(user), token=submission, create=create)
    return token, plain if created else None


def token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke `token` from now on; revoking a revoked token changes nothing (the first time stays)."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    return token


def find(plain: str) -> ApiToken | None:
    """The usable token `plain` is, with its person (one query), or None: unknown, revoked, or its
    person deactivated."""
    if not plain.startswith(TOKEN_START) or len(plain) > 200:
        return None
    return ApiToken.objects.usable().select_related("user").filter(secret_hash=hash_token(plain)).first()


def touch(token: ApiToken, *, now: datetime.datetime | None = None) -> None:
    """Note that `token` was used, unless that was noted within the last minute: most requests
    write nothing."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_PRECISION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now

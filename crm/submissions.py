"""Create forms that make one row per submission, however many times it is posted.

A create form carries a one-time token (`submission_field()`, a fresh UUID each time the form is
shown). The row it makes keeps the token in its `creation_token` column (unique), so the same
submission posted again, by a double click, a resent request or the back button, answers with the
row the first one made instead of making another; two forms shown separately make two rows.

Every create of the product goes through `create_once`: contacts, smart lists, subscription
periods, background exports and the Django admin's add forms.
"""

import uuid
from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

T = TypeVar("T", bound=models.Model)


def submission_field() -> forms.UUIDField:
    """The hidden token field of a create form; give it `new_token()` as its initial value."""
    return forms.UUIDField(widget=forms.HiddenInput, required=False)


def new_token() -> uuid.UUID:
    return uuid.uuid4()


def _made_by(scope: models.QuerySet[T], token: uuid.UUID) -> T | None:
    """The row `token` made, if it is one of `scope`; a token that made a row elsewhere is refused."""
    existing = scope.model._default_manager.filter(creation_token=token).first()
    if existing is None:
        return None
    if not scope.filter(pk=existing.pk).exists():
        raise ValidationError(_("This form was already used for something else. Reload the page and try again."),
                              code="token_reused")
    return existing


def create_once(scope: models.QuerySet[T], *, token: uuid.UUID | None, create: Callable[[], T]) -> tuple[T, bool]:
    """The row of `scope` that `token` already made, or the one `create()` makes now.

    `create` saves a row with `creation_token=token`. Returns the row and whether it was made now.
    Without a token (a client that sends none) every call creates. Two requests with the same
    token at the same moment: the unique column lets one insert, and the other answers with its row.
    """
    if token is not None and (existing := _made_by(scope, token)) is not None:
        return existing, False
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        existing = _made_by(scope, token) if token is not None else None
        if existing is None:
            raise
        return existing, False

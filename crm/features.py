"""Switchable product features (Settings > Customize).

Apps register the features they own in their `AppConfig.ready()`; everything that a feature
shows (widgets, pages, navigation, picker fields) asks `is_active(name)` here, so switching a
feature off hides it everywhere at once without touching a single row of its data.

Every page asks, so each process keeps a copy of the switched-on names rather than reading them
per request, and PostgreSQL tells every process when to read them again: each connection LISTENs
on a channel, and every write to the features' table sends a NOTIFY on it (`announce_change`),
delivered to all of them a few milliseconds after the write commits, never for a write rolled
back; the writing process forgets its copy at once. psycopg reads a notification with the
connection's next reply; `_catch_up` makes sure one waiting on the socket is read before the copy
is trusted. A connection opened afresh may have missed some, so opening one forgets the copy too
(a Celery worker, which reconnects for each task, reads them once a task). Nothing depends on
Redis, and it works the same on the embedded database. Should notifications ever not arrive (a
pooler in transaction mode), a copy is still never older than `COPY_MAX_AGE`.
"""

import itertools
import weakref
from dataclasses import dataclass
from functools import wraps
from time import monotonic

from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.backends.signals import connection_created
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import Http404

from crm.models import Feature, FeatureChange

CHANNEL = "crm_features"
COPY_MAX_AGE = 60  # seconds


@dataclass(frozen=True)
class FeatureInfo:
    name: str
    label: str
    description: str


_registry: dict[str, FeatureInfo] = {}


def register(name: str, *, label, description) -> None:
    _registry[name] = FeatureInfo(name=name, label=label, description=description)


def get(name: str) -> FeatureInfo:
    try:
        return _registry[name]
    except KeyError:
        raise Http404(f"No feature named {name!r}") from None


@dataclass(frozen=True)
class _Copy:
    generation: int
    read_at: float
    names: frozenset[str]


_generations = itertools.count()  # next() is atomic: threads of one process may bump it at once
_generation = next(_generations)
_copy: _Copy | None = None
_listening = weakref.WeakSet()  # the psycopg connections that LISTEN on CHANNEL


def _changed() -> None:
    """Forget the copy: the next `active_names()` reads the table."""
    global _generation
    _generation = next(_generations)


def active_names() -> frozenset[str]:
    global _copy
    _catch_up()
    generation, copy = _generation, _copy  # the generation as it was before the read below
    if (
        copy is not None
        and copy.generation == generation
        and monotonic() - copy.read_at < COPY_MAX_AGE
        and connection.connection in _listening
    ):
        return copy.names
    names = frozenset(Feature.objects.filter(is_active=True).values_list("name", flat=True))
    _copy = _Copy(generation, monotonic(), names)
    return names


def _catch_up() -> None:
    """Have psycopg read anything PostgreSQL sent since the connection's last reply: it hands a
    notification to `_changed` as it reads. Costs one poll of the socket when nothing came."""
    connection.ensure_connection()
    if connection.nothing_arrived():
        return
    with connection.cursor() as cursor:  # a closed session is replaced by Django's health check here
        cursor.execute("SELECT 1")


@receiver(connection_created, dispatch_uid="crm.features.listen")
def _listen(sender, **kwargs) -> None:
    """LISTEN on every new connection to the database (Django opens it in autocommit: at once)."""
    opened = kwargs["connection"]
    raw = opened.connection
    if opened.alias != DEFAULT_DB_ALIAS or raw in _listening:  # a pooled connection is handed out again
        return
    raw.execute(f"LISTEN {CHANNEL}")
    raw.add_notify_handler(_on_notification)
    _listening.add(raw)
    _changed()  # a change may have been announced while this process was not listening


def _on_notification(notification) -> None:
    if notification.channel == CHANNEL:
        _changed()


def announce_change(using: str = DEFAULT_DB_ALIAS) -> None:
    """After a write to the features' table: tell every process when it commits, this one at once."""
    with transaction.get_connection(using).cursor() as cursor:
        cursor.execute(f"NOTIFY {CHANNEL}")
    _changed()


@receiver(post_save, sender=Feature, dispatch_uid="crm.features.saved")
@receiver(post_delete, sender=Feature, dispatch_uid="crm.features.deleted")
def _announce(sender, using, **kwargs) -> None:
    announce_change(using)


def is_active(name: str, request=None) -> bool:
    """Whether `name` is on; memoised on the request, so a page sees one state throughout."""
    if request is None:
        return name in active_names()
    if not hasattr(request, "_active_features"):
        request._active_features = active_names()
    return name in request._active_features


def feature_set_active(*, name: str, active: bool, by) -> Feature:
    """Switch a feature, recording who did it. Never touches the feature's own data."""
    get(name)
    with transaction.atomic():
        feature, _ = Feature.objects.select_for_update().get_or_create(name=name)
        if feature.is_active != active:
            feature.is_active = active
            feature.save(update_fields=["is_active"])
            FeatureChange.objects.create(feature=feature, is_active=active, changed_by=by)
    return feature


def feature_required(name: str):
    """A view decorator: the URL does not exist (404) while the feature is off."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not is_active(name, request):
                raise Http404("This feature is switched off")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def all_features() -> list[FeatureInfo]:
    return sorted(_registry.values(), key=lambda info: info.name)

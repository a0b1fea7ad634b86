"""Switchable product features (Settings > Customize).

Apps register the features they own in their `AppConfig.ready()`; everything that a feature
shows (widgets, pages, navigation, picker fields) asks `is_active(name)` here, so switching a
feature off hides it everywhere at once without touching a single row of its data.
"""

from dataclasses import dataclass
from functools import wraps

from django.db import transaction
from django.http import Http404

from crm.models import Feature, FeatureChange


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


def active_names() -> set[str]:
    return set(Feature.objects.filter(is_active=True).values_list("name", flat=True))


def is_active(name: str, request=None) -> bool:
    """Whether `name` is on; memoised on the request so a page asks the database once."""
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

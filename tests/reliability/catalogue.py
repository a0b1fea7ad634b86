"""What the product takes as input, discovered from the code rather than listed by hand.

The reliability suites (`test_far_values`, `test_people_lists`, `test_two_writers`) exercise what
this module finds, and each of them fails when the catalogue holds something they do not cover:
a date or number field added to a form, a parameter a view starts reading, a URL taking an id, a
list of people a form offers. Nothing here is a list to keep up to date by hand.

- forms: every Form class defined in the product's modules (imported all), the FilterSets of the
  contact list and of smart lists (their filters' form fields), and the add and change forms the
  Django admin builds for each registered model;
- date and number inputs: the fields of those forms that parse a date or a number;
- view-parsed parameters: what views read from `request.GET` themselves (`request.GET.get("x")`,
  `params.get("x")` in the modules they call), and the fields of the forms they bind to
  `request.GET`;
- id URLs: every URL pattern with an `int` converter, and the admin's object pages;
- people lists: every choice field of those forms whose rows are users or contacts.
"""

import ast
import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from functools import cache

import django_filters
from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter

from crm.models import Contact

APPS = ("crm", "subscriptions", "smartlists", "renewals", "api")
# Modules that are no part of what a person can post or ask for: schema, commands, the process.
SKIPPED_MODULES = ("migrations", "management", "embedded_db", "settings", "wsgi", "asgi", "celery", "demo")

DATE_FIELDS = (forms.DateField, forms.DateTimeField, forms.SplitDateTimeField)
NUMBER_FIELDS = (forms.IntegerField, forms.DecimalField, forms.FloatField)


@dataclass(frozen=True)
class FormInfo:
    key: str  # "module.Class", "filterset:module.Class" or "admin:app_model_add|change"
    fields: dict  # name -> form field (unbound, as the class declares it)


@dataclass(frozen=True)
class Field:
    form: str
    name: str
    field: forms.Field

    @property
    def key(self) -> str:
        return f"{self.form}.{self.name}"

    @property
    def hidden(self) -> bool:
        return self.field.widget.is_hidden


@cache
def product_modules() -> list:
    modules = []
    for app in APPS:
        package = importlib.import_module(app)
        modules.append(package)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if any(part in SKIPPED_MODULES for part in info.name.split(".")):
                continue
            modules.append(importlib.import_module(info.name))
    return modules


def _product_classes(base) -> list[type]:
    product_modules()
    found, todo = [], list(base.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in APPS and cls not in found:
            found.append(cls)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def _superuser_request():
    request = RequestFactory().get("/admin/")
    request.user = get_user_model()(username="catalogue", is_superuser=True, is_staff=True, is_active=True)
    return request


def filtersets() -> list[type]:
    """The contact list's FilterSet and the smart lists' one, built from the field registry."""
    from smartlists.queries import filterset_class

    return [*_product_classes(django_filters.FilterSet), filterset_class()]


def product_admins() -> dict:
    """The ModelAdmins the product registers (not those of installed packages, such as axes')."""
    product_modules()
    return {model: model_admin for model, model_admin in admin.site._registry.items()
            if type(model_admin).__module__.split(".")[0] in APPS}


@cache
def all_forms() -> tuple[FormInfo, ...]:
    # A form class that is only the base of an admin form is catalogued as the admin builds it.
    admin_bases = {model_admin.form for model_admin in product_admins().values()}
    found = [FormInfo(f"{cls.__module__}.{cls.__qualname__}", dict(cls.base_fields))
             for cls in _product_classes(forms.BaseForm) if cls not in admin_bases]
    for filterset in filtersets():
        fields = {name: filter_.field_class(**filter_.extra) for name, filter_ in filterset.base_filters.items()}
        found.append(FormInfo(f"filterset:{filterset.__qualname__}", fields))
    request = _superuser_request()
    for model, model_admin in product_admins().items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        if model_admin.has_add_permission(request):
            found.append(FormInfo(f"{prefix}_add", dict(model_admin.get_form(request, None).base_fields)))
        if model_admin.has_change_permission(request):
            obj = model()
            obj.pk = 0  # any row: the change form's fields do not depend on its values
            found.append(FormInfo(f"{prefix}_change", dict(model_admin.get_form(request, obj, change=True).base_fields)))
    return tuple(found)


def _fields_of(kinds) -> list[Field]:
    return [Field(info.key, name, field) for info in all_forms() for name, field in info.fields.items()
            if isinstance(field, kinds)]


def date_fields() -> list[Field]:
    return _fields_of(DATE_FIELDS)


def number_fields() -> list[Field]:
    return _fields_of(NUMBER_FIELDS)


def people_fields() -> list[Field]:
    """Choice fields whose rows are users or contacts: what a form offers to pick a person from."""
    people_models = {get_user_model(), Contact}
    return [f for f in _fields_of((forms.ModelChoiceField,))
            if f.field.queryset is not None and f.field.queryset.model in people_models]


# Parameters views read themselves --------------------------------------------------------------------


def _literal_gets(tree) -> set[str]:
    """`X.GET.get("name")`, `X.GET["name"]`, `params.get("name")` in a module's source."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("get", "getlist"):
            target = node.func.value
            reads_query = (isinstance(target, ast.Attribute) and target.attr == "GET") or (
                isinstance(target, ast.Name) and target.id == "params")
            if reads_query and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                names.add(node.args[0].value)
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "GET":
            if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                names.add(node.slice.value)
    return names


def _forms_bound_to_get(module, tree) -> list[type]:
    """The form classes a module instantiates with `request.GET` as their data."""
    bound = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Attribute)
                and node.args[0].attr == "GET" and isinstance(node.func, ast.Name)):
            continue
        cls = getattr(module, node.func.id, None)
        if inspect.isclass(cls) and issubclass(cls, forms.BaseForm):
            bound.append(cls)
    return bound


@cache
def view_parsed_parameters() -> dict[str, set[str]]:
    """Query parameter -> where it is read ("module" or "module.Form"), except FilterSet filters
    (those are the filtersets' fields, catalogued as forms)."""
    found: dict[str, set[str]] = {}
    for module in product_modules():
        try:
            tree = ast.parse(inspect.getsource(module))
        except (OSError, TypeError):
            continue
        for name in _literal_gets(tree):
            found.setdefault(name, set()).add(module.__name__)
        for cls in _forms_bound_to_get(module, tree):
            for name in cls.base_fields:
                found.setdefault(name, set()).add(f"{cls.__module__}.{cls.__qualname__}")
    return found


# URLs that take an object's id ------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str | None  # with its namespaces, "renewals:customer"; None for an unnamed pattern
    route: str
    converters: dict
    view: object


def routes(resolver=None, prefix="", namespace=""):
    """Every URL pattern of the URLconf, with its full route and namespaced name."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from routes(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else None
            yield Route(name, prefix + str(pattern.pattern), pattern.pattern.converters, pattern.callback)


@cache
def id_urls() -> dict[str, str]:
    """URL name -> its pattern, for every URL whose path names one object by its id: the product's,
    and the admin's object pages of the product's models."""
    admin_prefixes = tuple(f"admin:{model._meta.app_label}_{model._meta.model_name}_" for model in product_admins())
    found = {}
    for r in routes():
        if not r.name:
            continue
        takes_int = any(isinstance(converter, IntConverter) for converter in r.converters.values())
        admin_object = r.name.startswith(admin_prefixes) and "<path:object_id>" in r.route
        if takes_int or admin_object:
            found[r.name] = r.route
    return found

"""Every page of the product, for every role, is valid HTML to the Nu HTML checker (npm's vnu-jar,
pinned in the Makefile's `test-packages`, run with Java).

Pages come from the URLconf (tests/reliability/catalogue.py `routes()`), their ids from the
permission matrix's objects, the roles from the screens test; each page any of these roles may open
is rendered through the test client, written to a file, and the checker runs once over all of them.
htmx attributes are written `data-hx-*`: the checker knows no `hx-*` attribute.

The same pages, in each language, never show Django's `---------` empty choice: each form names it
with a word ("Any", "Nobody", "No organisation").
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from crm.models import Feature
from tests.reliability.catalogue import routes
from tests.test_permission_matrix import MATRIX, cast, objects  # noqa: F401 (fixtures used below)

ROOT = Path(__file__).resolve().parents[1]
VNU = Path(os.environ.get("VNU_JAR", ROOT / ".cache/vnu/node_modules/vnu-jar/build/dist/vnu.jar"))
ROLES = ("admin", "manager", "rep", "partner", "anonymous")  # as tests/browser/test_screens_browser.py
LANGUAGES = ("en", "it", "pt-br")
EMPTY_CHOICE = b"---------"
# Django's own admin pages are Django's markup, not the product's; the API answers JSON.
NOT_OURS = ("admin:", "api:")


def _kwargs_by_name() -> dict[str, dict]:
    """URL name -> the kwargs its GET row of the permission matrix uses (the feature-on row first)."""
    found = {}
    for param in MATRIX:
        name, method, kwargs, _data, _expected, _writes, features = param.values
        if method == "GET" and (name not in found or features):
            found[name] = kwargs
    return found


def _pages(placeholders) -> list[tuple[str, str]]:
    kwargs = _kwargs_by_name()
    pages = [("404", "/no-such-page/")]
    for route in routes():
        if not route.name or route.name.startswith(NOT_OURS):
            continue
        assert route.name in kwargs, f"{route.name}: no GET row in the permission matrix to take its ids from"
        values = {key: value.format(**placeholders) for key, value in kwargs[route.name].items()}
        pages.append((route.name, reverse(route.name, kwargs=values)))
    return pages


def _vnu(files: list[Path]) -> list[dict]:
    if shutil.which("java") is None:
        pytest.fail("java is needed to run the Nu HTML checker: make test-packages (Debian's default-jre-headless)")
    if not VNU.exists():
        pytest.fail(f"the Nu HTML checker is not at {VNU}: make test-packages installs it (npm vnu-jar)")
    done = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, files)],
                          capture_output=True, text=True, timeout=600)
    return json.loads(done.stderr or '{"messages": []}')["messages"]


def test_every_page_for_every_role_is_valid_html(cast, objects, tmp_path, subscriptions_on):  # noqa: F811
    Feature.objects.update_or_create(name="subscriptions", defaults={"is_active": True})
    placeholders = {key: getattr(value, "pk", value) for key, value in objects.items()}
    written: dict[str, str] = {}
    empty_choices = []
    for language in LANGUAGES:
        for role in ROLES:
            client = Client(HTTP_ACCEPT_LANGUAGE=language)
            if cast[role] is not None:
                client.force_login(cast[role])
            for name, path in _pages(placeholders):
                response = client.get(path)
                if response.status_code not in (200, 404) or not response["Content-Type"].startswith("text/html"):
                    continue
                if response.status_code == 404 and name != "404":
                    continue  # the same 404 page, already checked under its own name
                content = b"".join(response) if response.streaming else response.content
                if EMPTY_CHOICE in content:
                    empty_choices.append(f"{language} {role} {name} {path}")
                if language != "en":
                    continue  # the markup is the same in every language: checked once
                file = tmp_path / f"{role}--{name.replace(':', '-')}.html"
                file.write_bytes(content)
                written[file.name] = f"{role} {name} {path}"
    assert len(written) >= 60, sorted(written.values())  # every role's pages, not a handful
    assert empty_choices == [], "a page shows the empty choice as ---------:\n" + "\n".join(empty_choices)
    errors = [f"{written.get(Path(m.get('url', '')).name, m.get('url'))} line {m.get('lastLine')}: {m['message']}"
              for m in _vnu([tmp_path / name for name in written])
              if m["type"] == "error" or m.get("subType") == "fatal"]
    assert errors == [], f"{len(errors)} errors:\n" + "\n".join(errors)

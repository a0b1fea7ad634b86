"""Outside DEBUG the layout's static files are named by their hashed names (`crm.staticfiles`)."""

import pytest
from django.core.management import call_command

from crm.staticfiles import ManifestStaticFilesStorage


@pytest.fixture
def collected(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "crm.staticfiles.ManifestStaticFilesStorage"}}
    call_command("collectstatic", "--noinput", "-v0")
    return ManifestStaticFilesStorage(location=tmp_path)


def test_a_file_is_named_by_its_hashed_name_every_time(collected):
    first = collected.url("css/app.css")
    assert first.startswith("/static/css/app.") and first.endswith(".css") and first != "/static/css/app.css"
    assert collected.url("css/app.css") == first


def test_a_file_missing_from_the_manifest_is_refused_every_time(collected):
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            collected.url("css/nowhere.css")

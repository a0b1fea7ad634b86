import pytest
from django.utils import translation
from django.core.files.uploadedfile import SimpleUploadedFile

from imports import services
from imports.models import Import


@pytest.fixture(autouse=True)
def english():
    """Messages in English whatever an earlier test on this worker left active."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def csv_file(content, name="people.csv") -> SimpleUploadedFile:
    data = content.encode() if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="text/csv")


@pytest.fixture
def make_import():
    """`make_import(user, content, kind=...)`: upload and check, as the pages do (the guessed mapping)."""

    def make(user, content, kind=Import.Kind.CONTACTS, name="people.csv", mapping=None):
        imp = services.import_create(by=user, kind=kind, upload=csv_file(content, name))
        if mapping is not None:
            return services.import_set_mapping(imp=imp, chosen=mapping, version=imp.version)
        return services.import_check(imp=imp)

    return make


@pytest.fixture
def run_import():
    def run(imp, mode=Import.Mode.ALL_OR_NOTHING, **kwargs):
        imp.refresh_from_db()
        imp = services.import_start(imp=imp, mode=mode, version=imp.version) if not kwargs else imp
        return imp

    return run

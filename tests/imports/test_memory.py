"""An import's memory does not grow with its rows: the file is streamed a batch at a time and what
the rows so far said (the keys seen, the organisations named) is kept in the database, not in Python."""

import tracemalloc

from crm.models import Contact
from imports import services
from imports.models import Import


def _contacts_file(rows: int, prefix: str) -> str:
    return "external_id,name,email,phone,kind\n" + "".join(
        f"{prefix}-{i},Person {i},{prefix}{i}@example.com,+39 02 {i},person\n" for i in range(rows)
    )


def _peak_while_importing(rep, make_import, rows: int, prefix: str) -> int:
    imp = make_import(rep, _contacts_file(rows, prefix))
    assert imp.error_rows == 0, imp.errors
    tracemalloc.start()
    tracemalloc.reset_peak()
    services.import_check(imp=imp)
    imp = services.import_start(imp=imp, mode=Import.Mode.ALL_OR_NOTHING, version=imp.version)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert (imp.status, imp.created_rows) == (Import.Status.DONE, rows)
    return peak


def test_memory_of_an_import_does_not_grow_with_rows(rep, make_import, settings, monkeypatch):
    """40 batches of rows take no measurably more memory than 4 (checking and writing): what grows
    is one batch, never the file."""
    settings.IMPORT_ASYNC_ROWS = 1_000_000
    monkeypatch.setattr(services, "BATCH_ROWS", 250)  # both files several batches long, as a large file is
    _peak_while_importing(rep, make_import, 200, "warm")  # first-use imports and caches are not the import's
    small = _peak_while_importing(rep, make_import, 1_000, "s")
    large = _peak_while_importing(rep, make_import, 10_000, "l")
    assert Contact.objects.count() == 11_200
    # A batch of rows and its queries; nothing that grows with the rows.
    assert large - small < 512 * 1024, (small, large)

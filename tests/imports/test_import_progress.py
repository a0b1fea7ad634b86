"""A running import's bar is the shared one (crm/_progress.html): grouped counts, and a value never
over its max (the Nu checker's error) when the rows counted pass the estimate."""

import re

from imports.models import Import


def test_the_bar_never_passes_its_max(client_as, rep, make_import, settings, monkeypatch):
    settings.IMPORT_ASYNC_ROWS = 2  # handed to Celery after the commit, which never comes in a test: it waits
    imp = make_import(rep, "name\nA\nB\nC\n")
    client = client_as(rep)
    client.post(f"/imports/{imp.pk}/run/", {"mode": "all", "version": imp.version})
    imp.refresh_from_db()
    assert imp.status == Import.Status.PENDING and imp.total_rows == 3
    monkeypatch.setattr(Import, "rows_progress", property(lambda imp: 1205))
    page = client.get(f"/imports/{imp.pk}/", headers={"Accept-Language": "it"}).content.decode()
    value, top = map(int, re.search(r'<progress value="(\d+)" max="(\d+)"', page).groups())
    assert value == 1205 and top >= value
    assert "1.205 di 3" in page

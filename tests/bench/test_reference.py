"""Which earlier result a run compares its times with."""

import json

import pytest

from bench import reference
from bench.generate import BenchError


def write_result(folder, contacts, stamp, rate):
    path = reference.result_path(folder, contacts, stamp)
    path.write_text(json.dumps({"contacts": contacts, "run_at": stamp, "operations": [
        {"key": "contact_list", "label": "Contact list", "unit": "req/s", "status": "ok", "rate": rate,
         "targets": [{"reference": "floor", "bound": 0.3, "figure": "rate"}]},
    ]}))
    return path


def test_a_million_contact_run_compares_with_the_latest_100000_contact_result_in_its_folder(tmp_path):
    write_result(tmp_path, 100_000, "20250101T090000Z", 100.0)
    latest = write_result(tmp_path, 100_000, "20250302T080000Z", 120.0)
    write_result(tmp_path, 100_000, "20250215T230000Z", 110.0)
    write_result(tmp_path, 10_000, "20250401T000000Z", 500.0)  # other sizes, later, are not the reference
    write_result(tmp_path, 1_000_000, "20250401T010000Z", 90.0)
    found = reference.find(tmp_path, 1_000_000)
    assert (found.path, found.contacts, found.run_at, found.label) == (
        latest, 100_000, "20250302T080000Z", "100,000 contacts")
    assert [(result.key, result.rate) for result in found.results] == [("contact_list", 120.0)]
    assert reference.describe(found, 1_000_000, tmp_path) == (
        f"time vs 100,000 contacts: {latest} (run at 20250302T080000Z)")


def test_without_a_100000_contact_result_the_comparison_is_n_a_and_says_why(tmp_path):
    write_result(tmp_path, 10_000, "20250401T000000Z", 500.0)
    assert reference.find(tmp_path, 1_000_000) is None
    assert reference.describe(None, 1_000_000, tmp_path) == (
        f"time vs 100,000 contacts: n/a (no bench-100000-*.json in {tmp_path}: the flat-in-size targets are not checked)")


def test_runs_at_100000_contacts_or_fewer_compare_with_nothing_unless_one_is_named(tmp_path):
    write_result(tmp_path, 100_000, "20250101T090000Z", 100.0)
    named = write_result(tmp_path, 10_000, "20250101T100000Z", 500.0)
    assert reference.find(tmp_path, 100_000) is None
    assert reference.find(tmp_path, 10_000) is None
    assert "n/a (only runs above 100,000 contacts compare" in reference.describe(None, 10_000, tmp_path)
    found = reference.find(tmp_path, 10_000, named)
    assert (found.path, found.label) == (named, "10,000 contacts")


@pytest.mark.parametrize("content", ["{not json", json.dumps({"operations": []}), json.dumps([1, 2])])
def test_a_reference_that_cannot_be_read_stops_the_run_with_a_clear_message(tmp_path, content):
    path = tmp_path / "bench-100000-20250101T090000Z.json"
    path.write_text(content)
    with pytest.raises(BenchError, match=r"cannot read the reference result .*bench-100000-20250101T090000Z.json"):
        reference.find(tmp_path, 1_000_000)
    with pytest.raises(BenchError, match="cannot read the reference result"):
        reference.find(tmp_path, 10_000, tmp_path / "missing.json")

"""Ratios against the targets, "missed by", and the table, from given numbers."""

import pytest

from bench.report import FAILED, NOT_WIRED, P95, Result, Target, as_json, markdown, missed_lines, ratios

FLOOR = Target("floor", 0.4)


def page(key, rate, **extra):
    return Result(key=key, label=key.replace("_", " ").title(), unit="req/s", rate=rate, p50_ms=2.0,
                  p95_ms=4.5, p99_ms=9.0, peak_rss_mb=61.25, queries=5, targets=(FLOOR,), **extra)


def test_a_page_at_forty_percent_of_the_floor_meets_its_target():
    results = [Result("floor", "Floor", "req/s", rate=1000.0), page("contact_page", 400.0)]
    [ratio] = ratios(results)
    assert (ratio.operation, ratio.reference, ratio.ratio, ratio.met) == ("contact_page", "floor", 0.4, True)
    assert ratio.missed_by is ratio.speedup_needed is None
    assert missed_lines([ratio]) == []


def test_a_slow_page_is_missed_by_the_gap_and_the_speed_up_it_needs():
    results = [Result("floor", "Floor", "req/s", rate=1000.0), page("contact_list", 250.0)]
    [ratio] = ratios(results)
    assert ratio.ratio == 0.25
    assert ratio.met is False
    assert ratio.missed_by == pytest.approx(0.15)
    assert ratio.speedup_needed == pytest.approx(1.6)
    assert missed_lines([ratio]) == [
        "MISSED contact_list: 0.25x floor, target >= 0.4x floor: missed by 0.15 (needs 1.60x its rate)"
    ]


def test_an_export_has_a_target_against_copy_and_one_against_import_export():
    export = Result("export", "Export", "rows/s", rate=76_000.0,
                    targets=(Target("copy", 0.8), Target("import_export", 50)))
    results = [Result("copy", "COPY", "rows/s", rate=100_000.0),
               Result("import_export", "IE", "rows/s", rate=1_000.0), export]
    against_copy, against_import_export = ratios(results)
    assert against_copy.ratio == pytest.approx(0.76)
    assert against_copy.missed_by == pytest.approx(0.04)
    assert against_import_export.ratio == pytest.approx(76)
    assert against_import_export.met is True


def test_ratios_against_an_operation_without_a_rate_are_not_measured_not_invented():
    results = [
        Result("floor", "Floor", "req/s", status=FAILED, note="gunicorn exited"),
        page("contact_page", 400.0),
        Result("smartlist_page_1", "Smart list page 1", "req/s", status=NOT_WIRED,
               note="needs smart lists (issue #4)", targets=(FLOOR,)),
    ]
    found = ratios(results)
    assert [(ratio.operation, ratio.ratio, ratio.met) for ratio in found] == [
        ("contact_page", None, None), ("smartlist_page_1", None, None)
    ]
    assert missed_lines(found)[0].startswith("NOT MEASURED contact_page vs floor")


def test_the_table_shows_figures_verdicts_and_operations_not_wired_yet():
    results = [
        Result("floor", "Floor", "req/s", rate=1234.5, p50_ms=3.21, p95_ms=6.0, peak_rss_mb=60.0, queries=2),
        page("contact_page", 300.0),
        Result("copy", "COPY", "rows/s", rate=523_456.7, queries=1),
        Result("partner_dashboard", "Partner dashboard", "req/s", status=NOT_WIRED,
               note="needs renewals (issue #5)", targets=(FLOOR,)),
    ]
    table = markdown(results, ratios(results))
    lines = table.splitlines()
    assert lines[0] == "| operation | rate | p50 | p95 | p99 | peak RSS | queries | vs target |"
    assert lines[2] == "| Floor | 1,234 req/s | 3.2 ms | 6.0 ms | – | 60.0 MB | 2 | – |"
    assert lines[3] == (
        "| Contact Page | 300 req/s | 2.0 ms | 4.5 ms | 9.0 ms | 61.2 MB | 5 | "
        "0.24x floor (>= 0.4x floor: MISSED by 0.16) |"
    )
    assert lines[4] == "| COPY | 523,457 rows/s | – | – | – | – | 1 | – |"
    assert lines[5] == (
        "| Partner dashboard | not wired yet: needs renewals (issue #5) | – | – | – | – | – | >= 0.4x floor: n/a |"
    )


def test_the_json_holds_every_operation_ratio_and_miss():
    results = [Result("floor", "Floor", "req/s", rate=1000.0), page("contact_page", 100.0)]
    document = as_json(results, ratios(results))
    assert [operation["key"] for operation in document["operations"]] == ["floor", "contact_page"]
    assert document["operations"][1]["targets"] == [{"reference": "floor", "bound": 0.4, "figure": "rate"}]
    assert document["ratios"][0]["ratio"] == 0.1
    assert document["missed"] == [
        "MISSED contact_page: 0.10x floor, target >= 0.4x floor: missed by 0.30 (needs 4.00x its rate)"
    ]


def test_a_tiny_ratio_keeps_its_digits():
    results = [Result("floor", "Floor", "req/s", rate=1000.0), page("contact_search", 0.5)]
    assert missed_lines(ratios(results)) == [
        "MISSED contact_search: 0.0005x floor, target >= 0.4x floor: missed by 0.40 (needs 800.00x its rate)"
    ]


def test_a_latency_target_holds_p95_under_a_multiple_of_the_reference():
    floor = Result("floor_users", "Floor, 20 users", "req/s", rate=300.0, p95_ms=100.0)
    mixed = Result("mixed", "Mixed", "req/s", rate=60.0, p95_ms=520.0, note="20 users",
                   targets=(Target("floor_users", 4, P95), Target("floor_users", 0)))
    against_p95, against_rate = ratios([floor, mixed])
    assert (against_p95.ratio, against_p95.met) == (5.2, False)
    assert against_p95.missed_by == pytest.approx(1.2)
    assert against_p95.speedup_needed == pytest.approx(1.3)
    assert (against_rate.ratio, against_rate.met) == (0.2, True)  # bound 0: reported, not a target
    assert missed_lines([against_p95, against_rate]) == [
        "MISSED mixed: p95 5.20x floor_users, target < 4x floor_users: missed by 1.20 (needs 1.30x less p95 latency)"
    ]
    row = markdown([floor, mixed], [against_p95, against_rate]).splitlines()[-1]
    assert row.endswith(
        "| p95 5.20x floor_users (< 4x floor_users: MISSED by 1.20); 0.20x floor_users; 20 users |"
    )
    fast = Result("mixed", "Mixed", "req/s", rate=60.0, p95_ms=390.0, targets=(Target("floor_users", 4, P95),))
    assert ratios([floor, fast])[0].met is True

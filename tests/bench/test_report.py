"""Ratios against the targets, how far a miss is, the comparison with the 100,000-contact run,
and the table, from given numbers."""

import pytest

from bench.report import (
    CHANGES, FAILED, NOT_WIRED, P95, PEAK_RSS, SELF, TIME, Result, Target, as_json, markdown, missed_lines, ratios,
    results_from_json,
)

FLOOR = Target("floor", 0.25)
FLAT_TIME = Target(SELF, 1.25, TIME, across_sizes=True)
AT_100K = "100,000 contacts"


def page(key, rate, targets=(FLOOR,), **extra):
    return Result(key=key, label=key.replace("_", " ").title(), unit="req/s", rate=rate, p50_ms=2.0,
                  p95_ms=4.5, p99_ms=9.0, peak_rss_mb=61.25, queries=5, targets=targets, **extra)


def this_run(found):
    return [ratio for ratio in found if not ratio.across_sizes]


def across_sizes(found):
    return [ratio for ratio in found if ratio.across_sizes]


def test_a_page_at_a_quarter_of_the_floor_meets_its_target():
    results = [Result("floor", "Floor", "req/s", rate=1000.0), page("contact_page", 250.0)]
    [ratio] = this_run(ratios(results))
    assert (ratio.operation, ratio.reference, ratio.ratio, ratio.met) == ("contact_page", "floor", 0.25, True)
    assert ratio.off_percent is None
    assert missed_lines(ratios(results)) == []


def test_a_missed_target_is_printed_with_how_far_it_is_from_the_target():
    results = [Result("floor", "Floor", "req/s", rate=1000.0), page("smartlist_page_1", 120.0, (Target("floor", 0.15),))]
    [ratio] = this_run(ratios(results))
    assert ratio.met is False
    assert ratio.off_percent == pytest.approx(-20)
    assert missed_lines(ratios(results)) == ["MISSED smartlist_page_1: 0.12x floor, target >= 0.15x: -20%"]


def test_a_miss_under_one_percent_keeps_a_decimal_and_a_tiny_ratio_keeps_its_digits():
    results = [Result("floor", "Floor", "req/s", rate=1000.0), page("contact_list", 249.0), page("contact_search", 0.5)]
    assert missed_lines(ratios(results)) == [
        "MISSED contact_list: 0.25x floor, target >= 0.25x: -0.4%",
        "MISSED contact_search: 0.0005x floor, target >= 0.25x: -100%",
    ]


def test_an_export_has_a_target_against_copy_and_one_against_import_export():
    export = Result("export", "Export", "rows/s", rate=76_000.0,
                    targets=(Target("copy", 0.9), Target("import_export", 50)))
    results = [Result("copy", "COPY", "rows/s", rate=100_000.0),
               Result("import_export", "IE", "rows/s", rate=1_000.0), export]
    against_copy, against_import_export = this_run(ratios(results))
    assert against_copy.ratio == pytest.approx(0.76)
    assert against_copy.off_percent == pytest.approx(-15.56, abs=0.01)
    assert against_import_export.ratio == pytest.approx(76)
    assert against_import_export.met is True
    assert missed_lines(ratios(results)) == ["MISSED export: 0.76x copy, target >= 0.9x: -16%"]


def test_ratios_against_an_operation_without_a_rate_are_not_measured_not_invented():
    results = [
        Result("floor", "Floor", "req/s", status=FAILED, note="gunicorn exited"),
        page("contact_page", 400.0),
        Result("smartlist_page_1", "Smart list page 1", "req/s", status=NOT_WIRED,
               note="needs smart lists (issue #4)", targets=(FLOOR,)),
    ]
    found = this_run(ratios(results))
    assert [(ratio.operation, ratio.ratio, ratio.met) for ratio in found] == [
        ("contact_page", None, None), ("smartlist_page_1", None, None)
    ]
    assert missed_lines(found)[0] == (
        "NOT MEASURED contact_page vs floor (target >= 0.25x): one of the two has no figure"
    )


def test_the_table_shows_figures_verdicts_and_operations_not_wired_yet():
    results = [
        Result("floor", "Floor", "req/s", rate=1234.5, p50_ms=3.21, p95_ms=6.0, peak_rss_mb=60.0, queries=2),
        page("contact_page", 300.0),
        Result("copy", "COPY", "rows/s", rate=523_456.7, queries=1),
        Result("partner_dashboard", "Partner dashboard", "req/s", status=NOT_WIRED,
               note="needs renewals (issue #5)", targets=(Target("floor", 0.15),)),
    ]
    lines = markdown(results, ratios(results, None, AT_100K), AT_100K).splitlines()
    assert lines[0] == (
        "| operation | rate | p50 | p95 | p99 | peak RSS | queries | vs target | time vs 100,000 contacts |"
    )
    assert lines[2] == "| Floor | 1,234 req/s | 3.2 ms | 6.0 ms | – | 60.0 MB | 2 | – | n/a |"
    assert lines[3] == (
        "| Contact Page | 300 req/s | 2.0 ms | 4.5 ms | 9.0 ms | 61.2 MB | 5 | "
        "0.24x floor (>= 0.25x: MISSED -3%) | n/a |"
    )
    assert lines[4] == "| COPY | 523,457 rows/s | – | – | – | – | 1 | – | n/a |"
    assert lines[5] == (
        "| Partner dashboard | not wired yet: needs renewals (issue #5) | – | – | – | – | – | "
        "floor (>= 0.15x): n/a | n/a |"
    )


def test_the_json_holds_every_operation_ratio_and_miss():
    results = [Result("floor", "Floor", "req/s", rate=1000.0), page("contact_page", 100.0)]
    document = as_json(results, ratios(results))
    assert [operation["key"] for operation in document["operations"]] == ["floor", "contact_page"]
    assert document["operations"][1]["targets"] == [
        {"reference": "floor", "bound": 0.25, "figure": "rate", "across_sizes": False}
    ]
    [against_floor] = [ratio for ratio in document["ratios"] if ratio["reference"] == "floor"]
    assert (against_floor["ratio"], against_floor["off_percent"]) == (0.1, -60)
    assert document["missed"] == ["MISSED contact_page: 0.10x floor, target >= 0.25x: -60%"]


def test_a_latency_target_holds_p95_within_a_multiple_of_the_reference():
    floor = Result("floor_users", "Floor, 20 users", "req/s", rate=300.0, p95_ms=100.0)
    mixed = Result("mixed", "Mixed", "req/s", rate=60.0, p95_ms=520.0, note="20 users",
                   targets=(Target("floor_users", 4, P95), Target("floor_users", 0)))
    against_p95, against_rate = this_run(ratios([floor, mixed]))
    assert (against_p95.ratio, against_p95.met) == (5.2, False)
    assert against_p95.off_percent == pytest.approx(30)
    assert (against_rate.ratio, against_rate.met) == (0.2, None)  # bound 0: reported, not a target
    assert missed_lines(ratios([floor, mixed])) == ["MISSED mixed: p95 5.20x floor_users, target <= 4x: +30%"]
    row = markdown([floor, mixed], ratios([floor, mixed])).splitlines()[-1]
    assert row.endswith("| p95 5.20x floor_users (<= 4x: MISSED +30%); 0.20x floor_users; 20 users | n/a |")
    at_the_bound = Result("mixed", "Mixed", "req/s", rate=60.0, p95_ms=400.0, targets=(Target("floor_users", 4, P95),))
    assert this_run(ratios([floor, at_the_bound]))[0].met is True


def mixed(key, floor_key, *, started, made, p95_ms=300.0, extra_targets=()):
    return Result(key, key, "req/s", rate=80.0, p95_ms=p95_ms, changes_started=started, changes_made=made,
                  targets=(Target(floor_key, 4, P95), Target(SELF, 1, CHANGES), *extra_targets))


def test_every_change_started_must_be_made_and_the_table_says_how_many_were():
    floor = Result("floor_users", "Floor, 20 users", "req/s", rate=300.0, p95_ms=100.0)
    short = mixed("mixed", "floor_users", started=50, made=48)
    found = ratios([floor, short])
    [changes] = [ratio for ratio in found if ratio.figure == CHANGES]
    assert (changes.value, changes.reference_value, changes.met) == (48, 50, False)
    assert missed_lines(found) == ["MISSED mixed: 48 of 50 changes made, target all: -4%"]
    assert "| p95 3.00x floor_users (<= 4x: met); 48 of 50 changes made (all: MISSED -4%) |" in markdown(
        [floor, short], found)
    every = mixed("mixed", "floor_users", started=50, made=50)
    found = ratios([floor, every])
    assert missed_lines(found) == []
    assert "50 of 50 changes made (all: met)" in markdown([floor, every], found)


def test_the_gthread_row_is_held_to_the_floor_served_by_gthread_and_compared_with_the_sync_row():
    results = [
        Result("floor_users", "Floor, sync", "req/s", rate=300.0, p95_ms=100.0),
        mixed("mixed", "floor_users", started=50, made=50, p95_ms=300.0),
        Result("floor_users_gthread", "Floor, gthread", "req/s", rate=400.0, p95_ms=50.0),
        mixed("mixed_gthread", "floor_users_gthread", started=50, made=50, p95_ms=250.0,
              extra_targets=(Target("mixed", 0),)),
    ]
    results[-1].rate = 104.0
    found = ratios(results)
    gthread = [ratio for ratio in this_run(found) if ratio.operation == "mixed_gthread"]
    assert [(ratio.reference, ratio.figure, ratio.ratio, ratio.met) for ratio in gthread] == [
        ("floor_users_gthread", P95, 5.0, False),  # 250 ms against the gthread floor's 50, not the sync floor's 100
        ("mixed_gthread", CHANGES, 1.0, True),
        ("mixed", "rate", 1.3, None),
    ]
    assert missed_lines(found) == ["MISSED mixed_gthread: p95 5.00x floor_users_gthread, target <= 4x: +25%"]
    row = markdown(results, found).splitlines()[-1]
    assert "; 50 of 50 changes made (all: met); 1.30x mixed |" in row


def test_a_page_is_compared_with_its_time_at_100000_contacts_and_held_within_1_25x():
    earlier = [Result("floor", "Floor", "req/s", rate=1000.0), page("contact_list", 400.0)]
    now = [Result("floor", "Floor", "req/s", rate=900.0),
           page("contact_list", 280.0, (FLOOR, FLAT_TIME)),
           page("pipeline", 300.0, (Target("floor", 0.2), FLAT_TIME))]
    found = ratios(now, earlier, AT_100K)
    assert [(ratio.operation, ratio.reference, ratio.bound, ratio.met) for ratio in across_sizes(found)] == [
        ("floor", AT_100K, 0, None),  # every operation's time is shown; only pages are held to it
        ("contact_list", AT_100K, 1.25, False),
        ("pipeline", AT_100K, 1.25, None),  # not in the reference run: n/a, not a miss
    ]
    floor_time, list_time = (ratio.ratio for ratio in across_sizes(found)[:2])
    assert floor_time == pytest.approx(1000 / 900)  # a time: the reference's rate over this run's
    assert list_time == pytest.approx(400 / 280)
    assert missed_lines(found) == [
        "MISSED contact_list: time 1.43x at 100,000 contacts, target <= 1.25x: +14%",
    ]
    lines = markdown(now, found, AT_100K).splitlines()
    assert lines[2].endswith("| – | 1.11x |")
    assert lines[3].endswith("| 0.31x floor (>= 0.25x: met) | 1.43x (<= 1.25x: MISSED +14%) |")
    assert lines[4].endswith("| 0.33x floor (>= 0.2x: met) | n/a |")


def test_a_page_as_fast_at_a_million_as_at_100000_contacts_meets_the_flat_target():
    earlier = [page("contact_page", 400.0)]
    found = ratios([page("contact_page", 320.0, (FLAT_TIME,))], earlier, AT_100K)
    assert [(ratio.ratio, ratio.met) for ratio in found] == [(1.25, True)]


def test_without_a_reference_run_the_size_comparison_is_n_a_and_no_target_is_missed():
    now = [Result("floor", "Floor", "req/s", rate=900.0), page("contact_list", 280.0, (FLOOR, FLAT_TIME))]
    found = ratios(now, None, AT_100K)
    assert [ratio.ratio for ratio in across_sizes(found)] == [None, None]
    assert missed_lines(found) == []
    assert markdown(now, found, AT_100K).splitlines()[3].endswith("| 0.31x floor (>= 0.25x: met) | n/a |")


def test_the_export_keeps_its_peak_memory_flat_in_size():
    flat_memory = Target(SELF, 1.25, PEAK_RSS, across_sizes=True)
    earlier = [Result("export", "Export", "rows/s", rate=200_000.0, peak_rss_mb=80.0)]
    now = [Result("export", "Export", "rows/s", rate=190_000.0, peak_rss_mb=120.0, targets=(flat_memory,))]
    found = ratios(now, earlier, AT_100K)
    assert [(ratio.figure, ratio.met) for ratio in found] == [(TIME, None), (PEAK_RSS, False)]
    assert missed_lines(found) == ["MISSED export: peak RSS 1.50x at 100,000 contacts, target <= 1.25x: +20%"]
    assert markdown(now, found, AT_100K).splitlines()[2].endswith(
        "| 1.05x; peak RSS 1.50x (<= 1.25x: MISSED +20%) |")


def test_a_run_read_back_from_its_json_is_the_reference_a_later_run_compares_with():
    earlier = [Result("floor", "Floor", "req/s", rate=1000.0), page("contact_list", 400.0),
               Result("smartlist_page_1", "Smart list", "req/s", status=FAILED, note="timed out", rate=None)]
    read_back = results_from_json({**as_json(earlier, ratios(earlier)), "table": "..."})
    assert [(result.key, result.status, result.rate, result.peak_rss_mb) for result in read_back] == [
        ("floor", "ok", 1000.0, None), ("contact_list", "ok", 400.0, 61.25), ("smartlist_page_1", FAILED, None, None)
    ]
    found = ratios([page("contact_list", 400.0, (FLAT_TIME,)), page("smartlist_page_1", 100.0, (FLAT_TIME,))],
                   read_back, AT_100K)
    assert [(ratio.operation, ratio.ratio) for ratio in found] == [("contact_list", 1.0), ("smartlist_page_1", None)]

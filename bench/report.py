"""The bench's output: each operation's figures, the ratios the issue sets as targets, and a
markdown table of both. Pure functions of the numbers, so the arithmetic is tested on its own."""

from dataclasses import asdict, dataclass, field, fields

OK = "ok"
NOT_WIRED = "not wired yet"
FAILED = "failed"

# The figures a target compares.
RATE = "rate"  # requests/s or rows/s: higher is better
P95 = "p95_ms"  # p95 latency: lower is better
TIME = "time"  # what one request (or row) takes at the bench's load, 1 / rate: lower is better
PEAK_RSS = "peak_rss_mb"  # the workers' peak memory: lower is better
CHANGES = "changes"  # the changes made of those started, in the same operation: all must be made
HIGHER_IS_BETTER = (RATE, CHANGES)

SELF = ""  # a target's reference when it is the operation itself (its counts, or its figure at another size)


@dataclass(frozen=True)
class Target:
    """This operation's `figure` must reach (RATE, CHANGES) or stay within (the others) `bound`
    times the same figure of operation `reference` in this run; with `across_sizes`, of this same
    operation in the reference run (bench/reference.py: at 1,000,000 contacts, the latest run at
    100,000). A `bound` of 0 reports the ratio without holding the operation to it."""

    reference: str
    bound: float
    figure: str = RATE
    across_sizes: bool = False


# Every operation's time is compared with the reference run's, whether or not it is held to it.
REPORTED_TIME_ACROSS_SIZES = Target(SELF, 0, TIME, across_sizes=True)


@dataclass
class Result:
    key: str
    label: str
    unit: str  # "req/s" for pages, "rows/s" for exports and COPY
    status: str = OK
    note: str = ""
    rate: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    peak_rss_mb: float | None = None
    queries: int | None = None
    requests: int | None = None
    rows: int | None = None
    changes_started: int | None = None  # the mixed workload's changes through the forms
    changes_made: int | None = None
    targets: tuple[Target, ...] = field(default=())


@dataclass(frozen=True)
class Ratio:
    operation: str
    reference: str  # the operation compared with; across sizes, the reference run ("100,000 contacts")
    figure: str
    bound: float  # 0: reported, not a target
    across_sizes: bool
    value: float | None  # the operation's figure (CHANGES: the changes made)
    reference_value: float | None  # the reference's (CHANGES: the changes started)
    ratio: float | None  # None when either side has no figure
    met: bool | None  # None when not a target, or not measured
    off_percent: float | None  # when missed: how far past the bound, in percent of it ("-20" for 0.12x of 0.15x)


def ratios(results: list[Result], earlier: list[Result] | None = None,
           earlier_label: str = "the reference run") -> list[Ratio]:
    """The ratios of `results` against their targets; `earlier` is the reference run's results
    (None when there is none: each comparison across sizes is then n/a), `earlier_label` its name."""
    measured = _ok_by_key(results)
    measured_earlier = _ok_by_key(earlier or [])
    found = []
    for result in results:
        targets = result.targets
        if not any(target.across_sizes and target.figure == TIME for target in targets):
            targets = (REPORTED_TIME_ACROSS_SIZES, *targets)
        for target in targets:
            if target.across_sizes:
                reference, theirs_from = earlier_label, measured_earlier.get(result.key)
            else:
                reference = target.reference or result.key
                theirs_from = measured.get(reference)
            mine = _figure(measured.get(result.key), target.figure)
            theirs = _figure(theirs_from, target.figure, as_reference=True)
            ratio = met = off = None
            if mine is not None and theirs:
                ratio = mine / theirs
                if target.bound:
                    met = ratio >= target.bound if target.figure in HIGHER_IS_BETTER else ratio <= target.bound
                    off = None if met else (ratio / target.bound - 1) * 100
            found.append(Ratio(result.key, reference, target.figure, target.bound, target.across_sizes,
                               mine, theirs, ratio, met, off))
    return found


def _ok_by_key(results) -> dict[str, Result]:
    return {result.key: result for result in results if result.status == OK}


def _figure(result: Result | None, figure: str, *, as_reference: bool = False) -> float | None:
    if result is None:
        return None
    if figure == TIME:
        return 1 / result.rate if result.rate else None
    if figure == CHANGES:
        return result.changes_started if as_reference else result.changes_made
    return getattr(result, figure)


def missed_lines(found: list[Ratio]) -> list[str]:
    """A line for each missed target, with its size; and for each target of this run that could
    not be compared (a comparison across sizes without a reference run is only n/a in the table)."""
    lines = []
    for ratio in found:
        if not ratio.bound:
            continue
        if ratio.met is False:
            lines.append(f"MISSED {ratio.operation}: {_compared(ratio)}, target {_wanted(ratio)}: "
                         f"{_percent(ratio.off_percent)}")
        elif ratio.met is None and not ratio.across_sizes:
            lines.append(f"NOT MEASURED {ratio.operation} vs {ratio.reference} (target {_wanted(ratio)}): "
                         "one of the two has no figure")
    return lines


def markdown(results: list[Result], found: list[Ratio], earlier_label: str = "the reference run") -> str:
    """The table: figures, the targets in this run, and the time (and memory) against the reference run."""
    by_operation: dict[str, list[Ratio]] = {}
    for ratio in found:
        by_operation.setdefault(ratio.operation, []).append(ratio)
    lines = [
        f"| operation | rate | p50 | p95 | p99 | peak RSS | queries | vs target | time vs {earlier_label} |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for result in results:
        mine = by_operation.get(result.key, [])
        this_run = _cell([ratio for ratio in mine if not ratio.across_sizes])
        across_sizes = _across_sizes_cell([ratio for ratio in mine if ratio.across_sizes])
        if result.status != OK:
            status = f"{result.status}: {result.note}" if result.note else result.status
            lines.append(f"| {result.label} | {status} | – | – | – | – | – | {this_run} | {across_sizes} |")
            continue
        lines.append(
            "| {label} | {rate} | {p50} | {p95} | {p99} | {rss} | {queries} | {vs} | {across} |".format(
                label=result.label,
                rate=_rate(result.rate, result.unit),
                p50=_ms(result.p50_ms),
                p95=_ms(result.p95_ms),
                p99=_ms(result.p99_ms),
                rss="–" if result.peak_rss_mb is None else f"{result.peak_rss_mb:.1f} MB",
                queries="–" if result.queries is None else str(result.queries),
                vs=_with_note(this_run, result.note),
                across=across_sizes,
            )
        )
    return "\n".join(lines)


def limits_markdown(results: list[Result], found: list[Ratio], page_limits: dict[str, str],
                    page_queries: dict[str, str] | None = None) -> str:
    """For each page held to the floor that has a limit (`page_limits`: {page key: its limit's key},
    the limit held to the same target): the page's ratio to the floor, its limit's, its limit's
    queries alone (`page_queries`, the same way), and whether the limit reaches the target. A limit
    that misses it shows the target out of reach on this stack; queries alone that miss it show
    that no markup could reach it."""
    labels = {result.key: result.label for result in results}
    queries = page_queries or {}
    held = {ratio.operation: ratio for ratio in found
            if ratio.reference == "floor" and ratio.figure == RATE and ratio.bound and not ratio.across_sizes}
    lines = ["| page | target | page | its limit | its queries alone | the limit reaches the target? |",
             "|---|---|---:|---:|---:|---|"]
    for page, limit in page_limits.items():
        if page in held:
            alone = held.get(queries.get(page, ""))
            lines.append(f"| {labels.get(page, page)} | {_wanted(held[page])} floor | {_ratio_or_na(held[page])} | "
                         f"{_ratio_or_na(held.get(limit))} | {_ratio_or_na(alone)} | "
                         f"{_limit_verdict(held[page], held.get(limit), alone)} |")
    return "\n".join(lines)


def _ratio_or_na(ratio: Ratio | None) -> str:
    return "n/a" if ratio is None or ratio.ratio is None else f"{_ratio(ratio.ratio)}x"


def _limit_verdict(page: Ratio, limit: Ratio | None, alone: Ratio | None = None) -> str:
    if limit is None or limit.met is None:
        return "not measured"
    if not limit.met and alone is not None and alone.met is False:
        return (f"no, {_percent(limit.off_percent)}: the target is out of reach on this stack "
                f"(its queries alone miss it by {_percent(alone.off_percent)})")
    if not limit.met:
        return f"no, {_percent(limit.off_percent)}: the target is out of reach on this stack"
    return "yes: the page can reach it" if not page.met else "yes, and the page does"


def _cell(found: list[Ratio]) -> str:
    parts = []
    for ratio in found:
        if ratio.ratio is None:
            what = "changes made" if ratio.figure == CHANGES else f"{_prefix(ratio)}{ratio.reference}"
            parts.append(f"{what} ({_wanted(ratio)}): n/a")
        else:
            parts.append(_compared(ratio) + _verdict(ratio))
    return "; ".join(parts) or "–"


def _across_sizes_cell(found: list[Ratio]) -> str:
    """The time first, without its name (the column's), then any other figure named."""
    if all(ratio.ratio is None for ratio in found):
        return "n/a"
    parts = []
    for ratio in found:
        name = "" if ratio.figure == TIME else _prefix(ratio)
        figure = "n/a" if ratio.ratio is None else f"{_ratio(ratio.ratio)}x{_verdict(ratio)}"
        parts.append(f"{name}{figure}")
    return "; ".join(parts)


def _verdict(ratio: Ratio) -> str:
    if ratio.met is None:
        return ""
    return f" ({_wanted(ratio)}: {'met' if ratio.met else f'MISSED {_percent(ratio.off_percent)}'})"


def _compared(ratio: Ratio) -> str:
    if ratio.figure == CHANGES:
        return f"{ratio.value:.0f} of {ratio.reference_value:.0f} changes made"
    at = "at " if ratio.across_sizes else ""
    return f"{_prefix(ratio)}{_ratio(ratio.ratio)}x {at}{ratio.reference}"


def _prefix(ratio: Ratio) -> str:
    return {P95: "p95 ", TIME: "time ", PEAK_RSS: "peak RSS "}.get(ratio.figure, "")


def _wanted(ratio: Ratio) -> str:
    if ratio.figure == CHANGES:
        return "all"
    return f"{'>=' if ratio.figure in HIGHER_IS_BETTER else '<='} {ratio.bound:g}x"


def _percent(value: float) -> str:
    return f"{value:+.0f}%" if abs(value) >= 1 else f"{value:+.1f}%"


def _with_note(text: str, note: str) -> str:
    if not note:
        return text
    return note if text == "–" else f"{text}; {note}"


def _ratio(value: float) -> str:
    return f"{value:.2f}" if value >= 0.01 else f"{value:.4f}"


def _rate(rate: float | None, unit: str) -> str:
    if rate is None:
        return "–"
    return f"{rate:,.0f} {unit}" if rate >= 100 else f"{rate:,.1f} {unit}"


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} ms"


def as_json(results: list[Result], found: list[Ratio]) -> dict:
    return {
        "operations": [
            {**asdict(result), "targets": [asdict(target) for target in result.targets]} for result in results
        ],
        "ratios": [asdict(ratio) for ratio in found],
        "missed": missed_lines(found),
    }


def results_from_json(document: dict) -> list[Result]:
    """The results a run wrote (`as_json`), without their targets: the figures a later run compares with."""
    names = {attribute.name for attribute in fields(Result)} - {"targets"}
    return [Result(**{name: value for name, value in operation.items() if name in names})
            for operation in document.get("operations", [])]

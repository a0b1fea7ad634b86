"""The bench's output: each operation's figures, the ratios the issue sets as targets, and a
markdown table of both. Pure functions of the numbers, so the arithmetic is tested on its own."""

from dataclasses import asdict, dataclass, field

OK = "ok"
NOT_WIRED = "not wired yet"
FAILED = "failed"


RATE = "rate"  # higher is better: at least `bound` times the reference's
P95 = "p95_ms"  # lower is better: under `bound` times the reference's


@dataclass(frozen=True)
class Target:
    """This operation's rate must reach `bound` times the rate of operation `reference`; or, for
    `figure` P95, its p95 latency must stay under `bound` times the reference's."""

    reference: str
    bound: float
    figure: str = RATE


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
    targets: tuple[Target, ...] = field(default=())


@dataclass(frozen=True)
class Ratio:
    operation: str
    reference: str
    figure: str  # RATE or P95
    bound: float
    ratio: float | None  # None when either side has no figure
    met: bool | None
    missed_by: float | None  # how far the ratio is on the wrong side of the bound, when missed
    speedup_needed: float | None  # how many times faster the operation must get, when missed


def ratios(results: list[Result]) -> list[Ratio]:
    measured = {result.key: result for result in results if result.status == OK}
    found = []
    for result in results:
        for target in result.targets:
            mine, theirs = (getattr(measured.get(key), target.figure, None) for key in (result.key, target.reference))
            if not mine or not theirs:
                found.append(Ratio(result.key, target.reference, target.figure, target.bound, None, None, None, None))
                continue
            ratio = mine / theirs
            if target.figure == RATE:
                met = ratio >= target.bound
                missed_by, speedup = target.bound - ratio, target.bound / ratio
            else:
                met = ratio < target.bound
                missed_by, speedup = ratio - target.bound, ratio / target.bound
            found.append(Ratio(result.key, target.reference, target.figure, target.bound, ratio, met,
                               None if met else missed_by, None if met else speedup))
    return found


def missed_lines(found: list[Ratio]) -> list[str]:
    lines = []
    for ratio in found:
        if ratio.met is False:
            needs = "its rate" if ratio.figure == RATE else "less p95 latency"
            lines.append(
                f"MISSED {ratio.operation}: {_what(ratio)}{_ratio(ratio.ratio)}x {ratio.reference}, target "
                f"{_wanted(ratio)}: missed by {ratio.missed_by:.2f} (needs {ratio.speedup_needed:.2f}x {needs})"
            )
        elif ratio.met is None:
            lines.append(
                f"NOT MEASURED {ratio.operation} vs {ratio.reference} (target {_wanted(ratio)}): "
                "one of the two has no figure yet"
            )
    return lines


def markdown(results: list[Result], found: list[Ratio]) -> str:
    by_operation: dict[str, list[Ratio]] = {}
    for ratio in found:
        by_operation.setdefault(ratio.operation, []).append(ratio)
    lines = [
        "| operation | rate | p50 | p95 | p99 | peak RSS | queries | vs target |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for result in results:
        if result.status != OK:
            status = f"{result.status}: {result.note}" if result.note else result.status
            lines.append(f"| {result.label} | {status} | – | – | – | – | – | {_targets_text(by_operation.get(result.key, []))} |")
            continue
        lines.append(
            "| {label} | {rate} | {p50} | {p95} | {p99} | {rss} | {queries} | {vs} |".format(
                label=result.label,
                rate=_rate(result.rate, result.unit),
                p50=_ms(result.p50_ms),
                p95=_ms(result.p95_ms),
                p99=_ms(result.p99_ms),
                rss="–" if result.peak_rss_mb is None else f"{result.peak_rss_mb:.1f} MB",
                queries="–" if result.queries is None else str(result.queries),
                vs=_with_note(_targets_text(by_operation.get(result.key, [])), result.note),
            )
        )
    return "\n".join(lines)


def _targets_text(found: list[Ratio]) -> str:
    parts = []
    for ratio in found:
        if ratio.ratio is None:
            parts.append(f"{_what(ratio)}{_wanted(ratio)}: n/a")
        elif not ratio.bound:  # reported beside the operation, not a target
            parts.append(f"{_what(ratio)}{_ratio(ratio.ratio)}x {ratio.reference}")
        else:
            verdict = "met" if ratio.met else f"MISSED by {ratio.missed_by:.2f}"
            parts.append(f"{_what(ratio)}{_ratio(ratio.ratio)}x {ratio.reference} ({_wanted(ratio)}: {verdict})")
    return "; ".join(parts) or "–"


def _with_note(text: str, note: str) -> str:
    if not note:
        return text
    return note if text == "–" else f"{text}; {note}"


def _what(ratio: Ratio) -> str:
    return "" if ratio.figure == RATE else "p95 "


def _wanted(ratio: Ratio) -> str:
    return f"{'>=' if ratio.figure == RATE else '<'} {_times(ratio.bound)} {ratio.reference}"


def _ratio(value: float) -> str:
    return f"{value:.2f}" if value >= 0.01 else f"{value:.4f}"


def _times(value: float) -> str:
    return f"{value:g}x"


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

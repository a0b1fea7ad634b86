"""The bench's output: each operation's figures, the ratios the issue sets as targets, and a
markdown table of both. Pure functions of the numbers, so the arithmetic is tested on its own."""

from dataclasses import asdict, dataclass, field

OK = "ok"
NOT_WIRED = "not wired yet"
FAILED = "failed"


@dataclass(frozen=True)
class Target:
    """This operation's rate must reach `minimum` times the rate of operation `reference`."""

    reference: str
    minimum: float


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
    peak_rss_mb: float | None = None
    queries: int | None = None
    requests: int | None = None
    rows: int | None = None
    targets: tuple[Target, ...] = field(default=())


@dataclass(frozen=True)
class Ratio:
    operation: str
    reference: str
    minimum: float
    ratio: float | None  # None when either side has no rate
    met: bool | None
    missed_by: float | None  # minimum - ratio, when missed
    speedup_needed: float | None  # how many times faster the operation must get, when missed


def ratios(results: list[Result]) -> list[Ratio]:
    rates = {result.key: result.rate for result in results if result.status == OK}
    found = []
    for result in results:
        for target in result.targets:
            mine, theirs = rates.get(result.key), rates.get(target.reference)
            if not mine or not theirs:
                found.append(Ratio(result.key, target.reference, target.minimum, None, None, None, None))
                continue
            ratio = mine / theirs
            met = ratio >= target.minimum
            found.append(
                Ratio(
                    result.key,
                    target.reference,
                    target.minimum,
                    ratio,
                    met,
                    None if met else target.minimum - ratio,
                    None if met else target.minimum / ratio,
                )
            )
    return found


def missed_lines(found: list[Ratio]) -> list[str]:
    lines = []
    for ratio in found:
        if ratio.met is False:
            lines.append(
                f"MISSED {ratio.operation}: {_ratio(ratio.ratio)}x {ratio.reference}, target >= "
                f"{_times(ratio.minimum)} {ratio.reference}: missed by {ratio.missed_by:.2f} "
                f"(needs {ratio.speedup_needed:.2f}x its rate)"
            )
        elif ratio.met is None:
            lines.append(
                f"NOT MEASURED {ratio.operation} vs {ratio.reference} (target >= {_times(ratio.minimum)}): "
                "one of the two has no rate yet"
            )
    return lines


def markdown(results: list[Result], found: list[Ratio]) -> str:
    by_operation: dict[str, list[Ratio]] = {}
    for ratio in found:
        by_operation.setdefault(ratio.operation, []).append(ratio)
    lines = [
        "| operation | rate | p50 | p95 | peak RSS | queries | vs target |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for result in results:
        if result.status != OK:
            status = f"{result.status}: {result.note}" if result.note else result.status
            lines.append(f"| {result.label} | {status} | – | – | – | – | {_targets_text(by_operation.get(result.key, []))} |")
            continue
        lines.append(
            "| {label} | {rate} | {p50} | {p95} | {rss} | {queries} | {vs} |".format(
                label=result.label,
                rate=_rate(result.rate, result.unit),
                p50=_ms(result.p50_ms),
                p95=_ms(result.p95_ms),
                rss="–" if result.peak_rss_mb is None else f"{result.peak_rss_mb:.1f} MB",
                queries="–" if result.queries is None else str(result.queries),
                vs=_targets_text(by_operation.get(result.key, [])),
            )
        )
    return "\n".join(lines)


def _targets_text(found: list[Ratio]) -> str:
    parts = []
    for ratio in found:
        wanted = f">= {_times(ratio.minimum)} {ratio.reference}"
        if ratio.ratio is None:
            parts.append(f"{wanted}: n/a")
        else:
            verdict = "met" if ratio.met else f"MISSED by {ratio.missed_by:.2f}"
            parts.append(f"{_ratio(ratio.ratio)}x {ratio.reference} ({wanted}: {verdict})")
    return "; ".join(parts) or "–"


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

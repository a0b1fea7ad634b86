"""The run a bench run compares its times with, to show what grows with the data.

A run above 100,000 contacts (the million) compares with the latest run at 100,000 contacts in
its own results folder: the newest `bench-100000-<UTC stamp>.json` there (the stamp sorts by
time). `--reference FILE` names another result instead. A run at 100,000 contacts or fewer has
no reference unless one is named: its comparison is "n/a".
"""

import json
from dataclasses import dataclass
from pathlib import Path

from bench.generate import BenchError
from bench.report import Result, results_from_json

REFERENCE_CONTACTS = 100_000


@dataclass(frozen=True)
class Reference:
    path: Path
    contacts: int
    run_at: str
    results: list[Result]

    @property
    def label(self) -> str:
        return f"{self.contacts:,} contacts"


def result_path(out: Path, contacts: int, stamp: str) -> Path:
    """Where a run writes its JSON (and where a later run finds it)."""
    return out / f"bench-{contacts}-{stamp}.json"


def find(out: Path, contacts: int, named: Path | None = None) -> Reference | None:
    if named is not None:
        return load(named)
    if contacts <= REFERENCE_CONTACTS:
        return None
    candidates = sorted(out.glob(result_path(Path(), REFERENCE_CONTACTS, "*").name))
    return load(candidates[-1]) if candidates else None


def load(path: Path) -> Reference:
    try:
        document = json.loads(path.read_text())
        return Reference(path=path, contacts=int(document["contacts"]), run_at=str(document.get("run_at", "")),
                         results=results_from_json(document))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BenchError(f"cannot read the reference result {path} ({type(error).__name__}: {error}); "
                         "name another with --reference FILE") from None


def describe(reference: Reference | None, contacts: int, out: Path) -> str:
    """One line saying what the "time vs" column compares with, or why it is n/a."""
    if reference is not None:
        return f"time vs {reference.label}: {reference.path} (run at {reference.run_at})"
    if contacts <= REFERENCE_CONTACTS:
        return (f"time vs {REFERENCE_CONTACTS:,} contacts: n/a (only runs above {REFERENCE_CONTACTS:,} contacts "
                "compare with one, unless --reference FILE names it)")
    return (f"time vs {REFERENCE_CONTACTS:,} contacts: n/a (no {result_path(Path(), REFERENCE_CONTACTS, '*').name} "
            f"in {out}: the flat-in-size targets are not checked)")

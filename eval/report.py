"""Report: what one eval run leaves behind — eval.json, eval.md, eval.svg — and what it prints.

Kept apart from the harness so that scoring and gating stay one module and presenting another.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from footnote.eval.chart import metrics_svg

__all__ = ["print_report", "write_reports"]


def _table(metrics: Mapping[str, float], baseline: Mapping[str, Any]) -> str:
    lines = ["| metric | value | floor | accepted |", "|---|---|---|---|"]
    for name, value in metrics.items():
        floor = baseline.get("floors", {}).get(name, "")
        accepted = baseline.get("accepted", {}).get(name, "")
        lines.append(f"| {name} | {value} | {floor} | {accepted} |")
    return "\n".join(lines)


def _failing(report: Mapping[str, Any]) -> list[str]:
    return [f"- {r['id']}: {'; '.join(r['why_not'])}" for r in report["items"] if not r["passed"]]


def write_reports(
    report: Mapping[str, Any], baseline: Mapping[str, Any], names: Sequence[str], title: str, folder: Path
) -> None:
    """eval.json (everything), eval.md (table, gate, failing items) and eval.svg (`names` charted)."""
    problems: list[str] = report["gate"]["problems"]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "eval.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    (folder / "eval.svg").write_text(metrics_svg(report["metrics"], baseline, names))
    (folder / "eval.md").write_text(
        f"# footnote eval — {title}\n\n![metrics against the baseline](eval.svg)\n\n"
        f"{_table(report['metrics'], baseline)}\n\n"
        + ("## Gate: failed\n\n" + "\n".join(f"- {p}" for p in problems) + "\n\n" if problems else "")
        + "## Failing items\n\n"
        + ("\n".join(_failing(report)) or "none")
        + "\n"
    )


def print_report(report: Mapping[str, Any], baseline: Mapping[str, Any], as_json: bool, folder: Path) -> None:
    """The whole report as JSON, or the table and a summary (gate problems on stderr)."""
    if as_json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return
    print(_table(report["metrics"], baseline))
    print(f"\n{len(report['items'])} items, {len(_failing(report))} failing; reports in {folder}/")
    for p in report["gate"]["problems"]:
        print(f"GATE: {p}", file=sys.stderr)

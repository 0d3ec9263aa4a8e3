"""Agreement of a judge with hand labels: `python -m footnote.eval.agreement [--pairs F] [--json]`.

`eval/judge_pairs.jsonl` holds (premise, hypothesis, supported, kind) pairs labelled by hand:
premises are sentences of the seed articles, about half the hypotheses deliberately wrong.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from footnote.eval.judge import Judge, load_judge

__all__ = ["agreement", "load_pairs"]

PAIRS = Path(__file__).resolve().parent / "judge_pairs.jsonl"


def load_pairs(path: Path = PAIRS) -> list[dict[str, Any]]:
    """The labelled pairs."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def agreement(pairs: list[dict[str, Any]], judge: Judge) -> dict[str, Any]:
    """Accuracy, Cohen's kappa, precision/recall of 'supported', and the misses by kind."""
    counts: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    disagreements = []
    for p in pairs:
        said, truth = judge(p["premise"], p["hypothesis"]), bool(p["supported"])
        counts[f"{'t' if said == truth else 'f'}{'p' if said else 'n'}"] += 1
        if said != truth:
            missed[p["kind"]] += 1
            disagreements.append({"id": p["id"], "kind": p["kind"], "label": truth, "judge": said})
    n = len(pairs)
    agree = counts["tp"] + counts["tn"]
    said_yes = (counts["tp"] + counts["fp"]) / n
    truly_yes = (counts["tp"] + counts["fn"]) / n
    chance = said_yes * truly_yes + (1 - said_yes) * (1 - truly_yes)
    return {
        "pairs": n,
        "wrong_pairs": counts["tn"] + counts["fp"],
        "agreement": round(agree / n, 4),
        "agreed": agree,
        "kappa": round((agree / n - chance) / (1 - chance), 4) if chance < 1 else 1.0,
        "precision": round(counts["tp"] / max(1, counts["tp"] + counts["fp"]), 4),
        "recall": round(counts["tp"] / max(1, counts["tp"] + counts["fn"]), 4),
        "confusion": {k: counts[k] for k in ("tp", "fp", "tn", "fn")},
        "disagreements_by_kind": dict(missed.most_common()),
        "disagreements": disagreements,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=Path, default=PAIRS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = agreement(load_pairs(args.pairs), load_judge())
    if args.json:
        print(json.dumps(result, indent=2))
        return
    c = result["confusion"]
    print(
        f"{result['agreed']}/{result['pairs']} agree ({result['agreement']:.1%}), kappa {result['kappa']}, "
        f"precision {result['precision']}, recall {result['recall']} "
        f"(tp {c['tp']}, fp {c['fp']}, tn {c['tn']}, fn {c['fn']})"
    )
    for kind, k in result["disagreements_by_kind"].items():
        print(f"  misses of kind {kind}: {k}")


if __name__ == "__main__":
    main()

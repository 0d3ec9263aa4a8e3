"""The evaluation harness: run a dataset through the answer path, score it, gate on a baseline
(`eval/command.py` is the `footnote eval` command around it; `eval/report.py` writes its reports).

Dataset: JSONL with `id`, `question`, `answerable`, `expected_sources`, `expected_phrases`,
and optional `history` and `filters`. Nothing else about the items is assumed.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from footnote.eval.judge import Judge
from footnote.index.errors import FootnoteError
from footnote.index.types import Filters, Hit
from footnote.service.answer.types import Answer

__all__ = ["QUALITY", "Item", "evaluate", "gate", "load_dataset", "percentile"]

Answerer = Callable[["Item"], tuple[Answer, list[Hit]]]
QUALITY = (
    "answer_accuracy",
    "retrieval_hit_at_1",
    "retrieval_hit_at_5",
    "retrieval_mrr",
    "span_validity",
    "citation_recall",
    "citation_precision",
    "abstention_accuracy",
)


@dataclass(frozen=True, slots=True)
class Item:
    """One evaluation question."""

    id: str
    question: str
    answerable: bool
    expected_sources: tuple[str, ...]
    expected_phrases: tuple[str, ...]
    history: tuple[dict[str, str], ...] = ()
    filters: dict[str, Any] = field(default_factory=dict)

    def to_filters(self) -> Filters | None:
        """The item's filters as retrieval filters."""
        f = self.filters
        if not f:
            return None

        def day(key: str) -> date | None:
            return date.fromisoformat(f[key]) if f.get(key) else None

        sources = tuple(f["sources"]) if f.get("sources") is not None else None
        return Filters(sources, day("published_after"), day("published_before"))


def load_dataset(path: Path) -> list[Item]:
    """Read a JSONL dataset; a malformed line is a clear error naming its line number."""
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            item = Item(
                id=str(raw["id"]),
                question=str(raw["question"]),
                answerable=bool(raw["answerable"]),
                expected_sources=tuple(raw.get("expected_sources") or ()),
                expected_phrases=tuple(raw.get("expected_phrases") or ()),
                history=tuple(raw.get("history") or ()),
                filters=dict(raw.get("filters") or {}),
            )
            item.to_filters()  # a malformed date fails here, naming its line, not mid-run
            items.append(item)
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{n}: not a valid item ({exc})") from exc
    return items


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", re.sub(r"\[\d+\]", " ", text).lower()))


def _cited_text(answer: Answer, ids: Sequence[int]) -> str:
    by_id = {c.id: c.quote for c in answer.citations}
    return " ".join(by_id[i] for i in ids if i in by_id)


def _citation_scores(answer: Answer, judge: Judge) -> tuple[int, int, int, int]:
    """(supported sentences, sentences, precise citations, citations) as defined by ALCE."""
    supported = precise = n_cites = 0
    for s in answer.sentences:
        ids = list(s.citations)
        n_cites += len(ids)
        whole = bool(ids) and judge(_cited_text(answer, ids), s.text)
        supported += whole
        if not whole:
            continue
        for i in ids:
            rest = [j for j in ids if j != i]
            alone = judge(_cited_text(answer, [i]), s.text)
            needed = not (rest and judge(_cited_text(answer, rest), s.text))
            precise += alone or needed
    return supported, len(answer.sentences), precise, n_cites


def evaluate(
    items: Sequence[Item], answer: Answerer, texts: Mapping[str, str], judge: Judge
) -> dict[str, Any]:
    """Run every item and compute the metrics; per item, what passed and why not."""
    rows: list[dict[str, Any]] = []
    latencies: list[float] = []
    spans_ok = spans = supported = sentences = precise = cites = 0
    generated = [0, 0, 0, 0]  # the citation scores' counts over generated answers alone
    rr: list[float] = []
    hit1 = hit5 = 0
    for item in items:
        began = time.perf_counter()
        checks: dict[str, bool] = {}
        why: list[str] = []
        refused = None
        try:
            ans, hits = answer(item)
        except FootnoteError as exc:  # refused on purpose, e.g. a filter naming an unknown source
            refused = f"the request was refused: {exc}"
            ans, hits = Answer(answer="", abstained=False, reason=refused), []
            checks["request_accepted"] = False
            why.append(refused)
        latencies.append((time.perf_counter() - began) * 1000)
        bad_spans = [c.id for c in ans.citations if texts.get(c.source, "")[c.start : c.end] != c.quote]
        spans += len(ans.citations)
        spans_ok += len(ans.citations) - len(bad_spans)
        checks["spans_valid"] = not bad_spans
        if bad_spans:
            why.append(f"citations {bad_spans} do not match their source span")
        uncited = [s.text for s in ans.sentences if not s.citations]
        checks["every_sentence_cited"] = not uncited
        s_ok, s_n, p_ok, p_n = _citation_scores(ans, judge)
        supported, sentences, precise, cites = supported + s_ok, sentences + s_n, precise + p_ok, cites + p_n
        if ans.composer == "generative":
            generated = [a + b for a, b in zip(generated, (s_ok, s_n, p_ok, p_n), strict=True)]
        checks["citations_support"] = s_ok == s_n
        if s_ok < s_n:
            why.append(f"{s_n - s_ok} of {s_n} sentences not supported by their citations")
        if item.answerable:
            ranks = [i for i, h in enumerate(hits) if h.chunk.source in item.expected_sources]
            first = ranks[0] + 1 if ranks else None
            hit1 += first == 1
            hit5 += first is not None and first <= 5
            rr.append(1.0 / first if first else 0.0)
            checks["retrieved_expected_source"] = first is not None and first <= 5
            found = not ans.abstained and any(_norm(p) in _norm(ans.answer) for p in item.expected_phrases)
            checks["answer_correct"] = found
            if ans.abstained:
                why.append(f"abstained: {ans.reason}")
            elif not found and not refused:
                why.append("answer lacks every expected phrase")
        else:
            checks["abstained"] = ans.abstained  # a refusal is an error, not an abstention
            if not ans.abstained and not refused:
                why.append("answered an unanswerable question")
        rows.append(
            {
                "id": item.id,
                "question": item.question,
                "answerable": item.answerable,
                "passed": all(checks.values()),
                "checks": checks,
                "why_not": why,
                "answer": ans.answer,
                "abstained": ans.abstained,
                "reason": ans.reason,
                "citations": [
                    {"id": c.id, "source": c.source, "start": c.start, "end": c.end, "quote": c.quote}
                    for c in ans.citations
                ],
                "composer": ans.composer,
                "dropped": [{"text": d.text, "reason": d.reason} for d in ans.dropped],
                "latency_ms": round(latencies[-1], 2),
            }
        )
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    n_ans = max(1, len(answerable))

    def ratio(a: int, b: int) -> float:
        return round(a / b, 4) if b else 1.0

    metrics = {
        "answer_accuracy": ratio(sum(r["checks"]["answer_correct"] for r in answerable), len(answerable)),
        "retrieval_hit_at_1": ratio(hit1, len(answerable)),
        "retrieval_hit_at_5": ratio(hit5, len(answerable)),
        "retrieval_mrr": round(sum(rr) / n_ans, 4),
        "span_validity": ratio(spans_ok, spans),
        "citation_recall": ratio(supported, sentences),
        "citation_precision": ratio(precise, cites),
        "abstention_accuracy": ratio(sum(r["abstained"] for r in unanswerable), len(unanswerable)),
        "false_abstention_rate": ratio(sum(r["abstained"] for r in answerable), len(answerable)),
        # the answer's own words, markers left out, over the answers actually given
        "mean_answer_words": round(float(np.mean(said)), 1) if (said := _answer_words(rows)) else 0.0,
        # what a language model wrote, and what verify held back of it (0 for extractive answers)
        "generated_rate": ratio(sum(r["composer"] == "generative" for r in rows), len(rows)),
        "sentences_said": sentences,
        "sentences_dropped": sum(len(r["dropped"]) for r in rows),
        # the model's own text apart from any extractive fallback; None when it had none said
        "generated_citation_recall": ratio(generated[0], generated[1]) if generated[1] else None,
        "generated_citation_precision": ratio(generated[2], generated[3]) if generated[3] else None,
        "latency_p50_ms": round(percentile(latencies, 50), 2),
        "latency_p95_ms": round(percentile(latencies, 95), 2),
    }
    return {"metrics": metrics, "items": rows}


def _answer_words(rows: Sequence[dict[str, Any]]) -> list[int]:
    return [len(re.sub(r"\[\d+\]", " ", r["answer"]).split()) for r in rows if not r["abstained"]]


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of measured values, one of them (0.0 when there are none)."""
    return float(np.percentile(values, q, method="nearest")) if len(values) else 0.0


def gate(report: dict[str, Any], baseline: dict[str, Any]) -> list[str]:
    """Every way the report falls short of the baseline: floors, regressions, flipped items."""
    problems: list[str] = []
    metrics = report["metrics"]
    tolerance = float(baseline.get("tolerance", 0.0))
    for name, floor in baseline.get("floors", {}).items():
        if name in metrics and metrics[name] < floor:
            problems.append(f"{name} = {metrics[name]} is below its floor {floor}")
    for name in QUALITY:
        accepted = baseline.get("accepted", {}).get(name)
        if accepted is not None and name in metrics and metrics[name] < accepted - tolerance:
            problems.append(f"{name} regressed: {metrics[name]} < accepted {accepted} - {tolerance}")
    ceiling = baseline.get("false_abstention_ceiling")
    if ceiling is not None and metrics["false_abstention_rate"] > ceiling:
        problems.append(f"false_abstention_rate = {metrics['false_abstention_rate']} is above {ceiling}")
    passed_before = baseline.get("items", {})
    for row in report["items"]:
        if passed_before.get(row["id"]) is True and not row["passed"]:
            problems.append(
                f"item {row['id']} flipped to failing: {'; '.join(row['why_not']) or 'checks failed'}"
            )
    return problems

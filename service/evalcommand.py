"""`tarjoman eval`: a parallel test set through the service, BLEU and chrF, systems compared."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from service.apiclient import ApiClient, ApiError, HttpTransport, InProcessTransport, Transport
from service.evaluation import DataError, ParallelSet, Run, agreement, aligned, ntrex
from service.settings import Settings, SettingsError, load_settings

DIRECTIONS = {"fa-en": ("fa", "en"), "en-fa": ("en", "fa")}


def add_eval_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `eval` to the tarjoman parser's subcommands."""
    parser = commands.add_parser(
        "eval", help="score translations of a parallel test set (BLEU, chrF) per direction"
    )
    data = parser.add_mutually_exclusive_group(required=True)
    data.add_argument("--ntrex", type=Path, help="an NTREX-128 folder (see its README)")
    data.add_argument("--source-file", type=Path, help="TXT, one sentence a line")
    parser.add_argument("--reference-file", type=Path, help="TXT aligned with --source-file")
    parser.add_argument("--documents", type=Path, help="TXT: the document id of each line")
    parser.add_argument(
        "--direction", choices=[*DIRECTIONS, "both"], default="both", help="NTREX: default both"
    )
    parser.add_argument("--limit", type=int, help="only the first N lines")
    parser.add_argument("--batch-size", type=int, default=16, help="lines per request")
    parser.add_argument("--url", help="a Tarjoman server; default: the engine in this process")
    parser.add_argument("--api-key", help="sent as Authorization: Bearer")
    parser.add_argument(
        "--compare",
        nargs=2,
        metavar="SYSTEM",
        help="two systems side by side: each a URL or settings like profile=nllb,runtime=ct2",
    )
    parser.add_argument("--by-document", action="store_true", help="print each document too")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    parser.set_defaults(run=run_eval)


def parallel_sets(args: argparse.Namespace) -> list[ParallelSet]:
    """The test sets the arguments name, cut to --limit."""
    directions = list(DIRECTIONS.values()) if args.direction == "both" else []
    directions = directions or [DIRECTIONS[args.direction]]
    if args.ntrex is not None:
        sets = [ntrex(args.ntrex, source, target) for source, target in directions]
    else:
        if args.reference_file is None or args.direction == "both":
            raise DataError("--source-file needs --reference-file and --direction fa-en|en-fa")
        [(source, target)] = directions
        sets = [aligned(args.source_file, args.reference_file, source, target, args.documents)]
    return [test.limited(args.limit) for test in sets]


def client_for(system: str | None, args: argparse.Namespace, settings: Settings) -> ApiClient:
    """A client of a server (a URL) or of the service in this process with settings changed."""
    transport: Transport
    if system and system.startswith(("http://", "https://")):
        transport = HttpTransport(system)
    else:
        environ = dict(os.environ)
        for pair in filter(None, (system or "").split(",")):
            key, _, value = pair.partition("=")
            environ[f"TARJOMAN_{key.strip().upper()}"] = value.strip()
        transport = InProcessTransport(load_settings(environ) if system else settings)
    return ApiClient(transport, args.api_key)


def translate_set(client: ApiClient, name: str, test: ParallelSet, batch_size: int) -> Run:
    """Every line of `test` as its own text, `batch_size` lines a request."""
    run = Run(name, test)
    first = next((line for line in test.sources if line.strip()), None)
    if first is not None:  # load and warm the model outside the timing
        client.call("translate", {"text": first, "source": test.source, "target": test.target})
    started = time.perf_counter()
    for start in range(0, len(test.sources), batch_size):
        lines = list(test.sources[start : start + batch_size])
        # A blank line is a text the API refuses: it stays blank, as its reference expects.
        wanted = [i for i, line in enumerate(lines) if line.strip()]
        body = {"text": [lines[i] for i in wanted], "source": test.source, "target": test.target}
        reply = client.call("translate", body) if wanted else {"results": []}
        outputs = [""] * len(lines)
        for index, result in zip(wanted, reply["results"], strict=True):
            outputs[index] = result["text"]
        run.outputs.extend(outputs)
        run.demo = run.demo or bool(reply.get("demo"))
    run.seconds = time.perf_counter() - started
    return run


def report(runs: list[Run]) -> dict[str, Any]:
    """Every figure: per system and direction the total, time, and each document."""
    figures: dict[str, Any] = {"runs": []}
    for run in runs:
        total = run.total()
        figures["runs"].append(
            {
                "system": run.name,
                "direction": run.test.direction,
                "bleu": total.bleu,
                "chrf": total.chrf,
                "sentences": total.sentences,
                "seconds": round(run.seconds, 3),
                "demo": run.demo,
                "documents": {
                    name: {"bleu": s.bleu, "chrf": s.chrf, "sentences": s.sentences}
                    for name, s in run.by_document().items()
                },
            }
        )
    return figures


def print_report(runs: list[Run], agreements: dict[str, float], documents: bool) -> None:
    """A table a person reads: one line per system and direction (and document), agreement."""
    print(f"{'system':<28} {'direction':<9} {'BLEU':>7} {'chrF':>7} {'lines':>6} {'seconds':>8}")
    for run in runs:
        total = run.total()
        print(
            f"{run.name:<28} {run.test.direction:<9} {total.bleu:>7.2f} {total.chrf:>7.2f} "
            f"{total.sentences:>6} {run.seconds:>8.2f}"
        )
        for name, part in run.by_document().items() if documents else ():
            print(f"  {name:<35} {part.bleu:>7.2f} {part.chrf:>7.2f} {part.sentences:>6}")
    for direction, share in agreements.items():
        print(f"{direction}: the two systems wrote the same output for {share:.1%} of lines")
    if any(run.demo for run in runs):
        print("demo models: random tiny weights; these figures say nothing about quality")


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Translate, score and print; 0 done, 1 a request failed, 2 bad arguments or data."""
    try:
        if args.batch_size < 1:
            raise DataError("--batch-size must be at least 1")
        sets = parallel_sets(args)
        systems: list[str | None] = list(args.compare) if args.compare else [args.url]
        clients = [
            (system or "this process", client_for(system, args, settings)) for system in systems
        ]
    except (DataError, SettingsError) as exc:
        print(f"tarjoman: {exc}", file=sys.stderr)
        return 2
    runs: list[Run] = []
    agreements: dict[str, float] = {}
    try:
        for test in sets:
            pair = [translate_set(client, name, test, args.batch_size) for name, client in clients]
            runs += pair
            if len(pair) == 2:
                agreements[test.direction] = agreement(*pair)
    except ApiError as exc:
        print(f"tarjoman: stopped: {exc}", file=sys.stderr)
        return 1
    print_report(runs, agreements, args.by_document)
    if args.json is not None:
        figures = report(runs) | {"agreement": agreements}
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0

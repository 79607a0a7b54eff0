"""The translate and summarize commands: a file of texts through the API, resumable."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from tqdm import tqdm

from service.apiclient import ApiClient, ApiError, HttpTransport, InProcessTransport, Transport
from service.jobfiles import (
    FORMATS,
    JobFileError,
    Outcome,
    Record,
    completed_lines,
    guess_format,
    output_line,
    read_records,
)
from service.settings import Settings

OUTPUT_KEY = {"translate": "text", "summarize": "summary"}
INTERRUPTED = 130  # the shell's code for a run stopped by Ctrl-C
JOB_OVER = 1_000_000  # bytes: past this, --url runs the file as a job on the server


@dataclass
class Tally:
    """What one run did."""

    done: int = 0
    failed: int = 0
    demo: bool = False


def add_file_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `translate FILE` and `summarize FILE` to the tarjoman parser's subcommands."""
    for task, noun in (("translate", "translation"), ("summarize", "summary")):
        parser = commands.add_parser(
            task,
            help=f"{task} a TXT (one text a line) or JSONL file; resumes where it stopped",
        )
        parser.add_argument("file", type=Path, help="the input: .jsonl/.ndjson, else TXT")
        parser.add_argument("-o", "--output", type=Path, required=True, help="appended to")
        parser.add_argument("--field", default="text", help="JSONL: the field with the text")
        parser.add_argument("--output-field", default=noun, help=f"JSONL: default {noun!r}")
        parser.add_argument("--format", choices=FORMATS, help="input format (default: by suffix)")
        parser.add_argument("--output-format", choices=FORMATS, help="default: by suffix")
        parser.add_argument("--source", default="auto", choices=["auto", "fa", "en"])
        parser.add_argument("--target", choices=["fa", "en"], help="default: the service's")
        parser.add_argument("--batch-size", type=int, default=16, help="texts per request")
        parser.add_argument("--url", help="a Tarjoman server; default: run the engine in-process")
        parser.add_argument("--api-key", help="sent as Authorization: Bearer")
        parser.add_argument(
            "--job-over",
            type=int,
            default=JOB_OVER,
            metavar="BYTES",
            help="with --url, files larger than this go as one server-side job (POST /v1/jobs)",
        )
        if task == "summarize":
            parser.add_argument("--mode", choices=["auto", "abstractive", "extractive"])
            parser.add_argument("--max-sentences", type=int)
            parser.add_argument("--max-words", type=int)
        parser.set_defaults(run=partial(run_file, task=task))


def request_options(args: argparse.Namespace) -> dict[str, Any]:
    """The request fields every batch shares."""
    options: dict[str, Any] = {"source": args.source}
    for name in ("target", "mode", "max_sentences", "max_words"):
        value = getattr(args, name, None)
        if value is not None:
            options[name] = value
    return options


def about_the_texts(error: ApiError) -> bool:
    """Whether a refusal may be about some text of the batch, not the options or the service."""
    if error.status == 413:
        return True  # a text too long, or too many texts: each alone may pass
    # A 422 that blames another field or the whole body ("") would refuse every text.
    return error.status == 422 and not error.fields() - {"text"}


def outcomes(
    client: ApiClient, task: str, texts: Sequence[str], options: dict[str, Any]
) -> tuple[list[Outcome], bool]:
    """One outcome per text, and whether demo models wrote them; a refused text fails alone."""
    if not texts:
        return [], False
    try:
        body = client.call(task, {"text": list(texts), **options})
    except ApiError as exc:
        if not about_the_texts(exc):
            raise  # auth, overload, a bad option, no such route: stop, keep what is done
        if len(texts) == 1:
            return [Outcome("", {}, exc.message)], False
        # One bad text must not fail its batch: send each alone to find it.
        found = [outcomes(client, task, [text], options) for text in texts]
        return [o for part, _ in found for o in part], any(demo for _, demo in found)
    demo = bool(body.get("demo"))
    results = body.get("results")
    if not isinstance(results, list) or len(results) != len(texts):
        raise ApiError(0, "the service did not return one result per text")
    key = OUTPUT_KEY[task]
    found_outcomes = []
    for item in results:
        text = str(item.get(key, item.get("text", "")))
        meta = {k: v for k, v in item.items() if k not in (key, "text")}
        found_outcomes.append(Outcome(text, {**meta, "demo": demo}))
    return found_outcomes, demo


def process(
    client: ApiClient,
    task: str,
    records: Sequence[Record],
    already: int,
    args: argparse.Namespace,
    tally: Tally,
) -> None:
    """Append one output line per record after the first `already`, a batch at a time."""
    options = request_options(args)
    out_format = args.output_format or guess_format(args.output)
    todo = records[already:]
    with (
        args.output.open("a", encoding="utf-8") as out,
        tqdm(total=len(records), initial=already, unit="text", desc=task) as bar,
    ):
        for start in range(0, len(todo), args.batch_size):
            batch = todo[start : start + args.batch_size]
            texts = [r.text for r in batch if r.text.strip()]
            found, demo = outcomes(client, task, texts, options)
            if demo and not tally.demo:
                message = "tarjoman: demo models: the output is noise, not a real result"
                tqdm.write(message, file=sys.stderr)
            tally.demo |= demo
            results = iter(found)
            for record in batch:
                outcome = next(results) if record.text.strip() else Outcome("", {})
                tally.failed += outcome.error is not None
                out.write(output_line(record, outcome, out_format, args.output_field) + "\n")
            out.flush()  # lines on disk are lines done: a resumed run skips them
            tally.done += len(batch)
            bar.update(len(batch))


def make_client(args: argparse.Namespace, settings: Settings) -> ApiClient:
    """A client of the server at --url, or of the service in this process."""
    transport: Transport
    if args.url:
        if not args.url.startswith(("http://", "https://")):
            raise JobFileError(f"--url must start with http:// or https://, not {args.url!r}")
        transport = HttpTransport(args.url)
    else:
        transport = InProcessTransport(settings)
    return ApiClient(transport, args.api_key)


def run_file(args: argparse.Namespace, settings: Settings, *, task: str) -> int:
    """Run one file command; 0 done, 1 refused or failed texts, 130 interrupted."""
    try:
        if args.batch_size < 1:
            raise JobFileError("--batch-size must be at least 1")
        records = read_records(args.file, args.format or guess_format(args.file), args.field)
        already = completed_lines(args.output)
        if already > len(records):
            raise JobFileError(
                f"{args.output} has {already} lines but {args.file} only {len(records)} texts: "
                "it is not the output of this input"
            )
        client = make_client(args, settings)
    except JobFileError as exc:
        print(f"tarjoman: {exc}", file=sys.stderr)
        return 2
    if args.url and args.file.stat().st_size > args.job_over:
        return _as_job(args, task)
    if already:
        print(f"tarjoman: resuming: {already} of {len(records)} already in {args.output}")
    tally = Tally()
    try:
        process(client, task, records, already, args, tally)
    except KeyboardInterrupt:
        print(f"tarjoman: interrupted; {_kept(args)}", file=sys.stderr)
        return INTERRUPTED
    except ApiError as exc:
        print(f"tarjoman: stopped: {exc}; {_kept(args)}", file=sys.stderr)
        return 1
    print(f"tarjoman: {tally.done} texts processed, {already} skipped, {tally.failed} failed")
    return 1 if tally.failed else 0


def _as_job(args: argparse.Namespace, task: str) -> int:
    """Send the whole file to the server's jobs API; the connection may drop, the job goes on."""
    from service.jobclient import JobClient, run_job

    in_format = args.format or guess_format(args.file)
    if (args.output_format or guess_format(args.output)) != in_format:
        print(
            "tarjoman: a job's output has the input's format; name the output to match",
            file=sys.stderr,
        )
        return 2
    fields = {
        "task": task,
        "format": in_format,
        **{k: str(v) for k, v in request_options(args).items()},
    }
    if in_format == "jsonl":
        fields |= {"field": args.field, "output_field": args.output_field}
    try:
        return run_job(JobClient(args.url, args.api_key), args.file, args.output, fields)
    except KeyboardInterrupt:
        print(
            "tarjoman: interrupted; the job goes on: run the same command to resume",
            file=sys.stderr,
        )
        return INTERRUPTED
    except ApiError as exc:
        print(f"tarjoman: stopped: {exc}", file=sys.stderr)
        return 1


def _kept(args: argparse.Namespace) -> str:
    done = completed_lines(args.output)
    return f"{args.output} has {done} lines done; run the same command to resume"

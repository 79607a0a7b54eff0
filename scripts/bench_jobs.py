#!/usr/bin/env python3
"""Benchmark: live /v1/translate latency while a document job runs, against the idle service.

The same random opus-mt-sized model as scripts/bench.py (built once into .cache/bench-model,
end of sentence held back so every sentence costs the same), under gunicorn with one job
thread. Live requests are single Persian sentences of ../shared/data/ntrex sent one after
another; the job is a JSONL of other NTREX sentences. Output is noise, not a translation.

    .venv/bin/python scripts/bench_jobs.py bench-out/jobs [--live 40] [--job-items 400]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench


def live(url: str, texts: list[str]) -> list[float]:
    """Seconds per request, one sentence at a time."""
    found = []
    for text in texts:
        started = time.perf_counter()
        response = requests.post(
            f"{url}/v1/translate", json={"text": text, "source": "fa"}, timeout=900
        )
        response.raise_for_status()
        found.append(time.perf_counter() - started)
    return found


def stats(latencies: list[float]) -> dict[str, float]:
    """p50 and p90 in ms."""
    p50, p90 = (float(np.percentile(latencies, q)) * 1000 for q in (50, 90))
    return {"requests": len(latencies), "p50_ms": round(p50, 1), "p90_ms": round(p90, 1)}


def main(argv: list[str] | None = None) -> int:
    """Idle latency, then latency with a job running; print and save the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path, help="folder for results.json")
    parser.add_argument("--live", type=int, default=40, help="live requests per phase")
    parser.add_argument("--job-items", type=int, default=400, help="sentences in the job")
    parser.add_argument("--new-tokens", type=int, default=24)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="torch threads")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    pool = bench.sentences(args.live * 2 + args.job_items, 30, 0)
    idle_texts, busy_texts = pool[: args.live], pool[args.live : 2 * args.live]
    job_texts = pool[2 * args.live :]
    bench.build_model()
    env = {
        **bench.bench_env(bench.write_profile(), args.new_tokens, args.threads),
        "TARJOMAN_JOB_THREADS": "1",
        "TARJOMAN_JOBS_DIR": tempfile.mkdtemp(prefix="tarjoman-bench-jobs-"),
    }
    service = bench.Service(env, args.out / "gunicorn.log")
    results: dict[str, Any] = {"command": "scripts/bench_jobs.py " + " ".join(argv or sys.argv[1:])}
    try:
        live(service.url, idle_texts[:4])  # warm up
        print("idle ...", flush=True)
        results["idle"] = stats(live(service.url, idle_texts))
        body = "\n".join(json.dumps({"text": t}) for t in job_texts).encode()
        job = requests.post(
            f"{service.url}/v1/jobs",
            files={"file": ("bench.jsonl", body)},
            data={"source": "fa"},
            timeout=60,
        ).json()
        while requests.get(f"{service.url}{job['url']}", timeout=30).json()["state"] != "running":
            time.sleep(0.2)
        print("with a job running ...", flush=True)
        results["with_job"] = stats(live(service.url, busy_texts))
        after = requests.get(f"{service.url}{job['url']}", timeout=30).json()
        results["job"] = {"state_after": after["state"], "progress_after": after["progress"]}
        if after["state"] != "running":
            print("warning: the job ended before the live phase did: raise --job-items")
        requests.delete(f"{service.url}{job['url']}", timeout=30)
    finally:
        service.stop()
    results["ratio_p50"] = round(results["with_job"]["p50_ms"] / results["idle"]["p50_ms"], 2)
    (args.out / "results.json").write_text(json.dumps(results, indent=2))
    print("| phase | requests | p50 ms | p90 ms |\n| --- | --- | --- | --- |")
    for phase in ("idle", "with_job"):
        row = results[phase]
        print(f"| {phase} | {row['requests']} | {row['p50_ms']} | {row['p90_ms']} |")
    print(f"p50 with a job / idle: {results['ratio_p50']}× (target ≤ 2×); job: {results['job']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

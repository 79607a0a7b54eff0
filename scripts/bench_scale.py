#!/usr/bin/env python3
"""Scale benchmark: 1 vs 2 replicas behind nginx at equal total threads, nginx's overhead for
one client, and the result cache on a stream where ~30% of sentences repeat.

Replicas are gunicorn servers of the bench model of scripts/bench.py (opus-mt dimensions,
random weights, every sentence decodes exactly --new-tokens tokens: its output is noise, not a
translation), or of the tiny test models with --tiny (to check that the script works). nginx
runs deploy/compose/nginx.conf (rendered by scripts/topology.py); Redis is a redis-server.

    .venv/bin/python scripts/bench_scale.py bench-out/scale [--threads 2] [--clients 16]
        [--runtime torch] [--quantization none|int8]
    .venv/bin/python scripts/bench_scale.py /tmp/scale --tiny --sentences 12 --clients 4
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench
from topology import Nginx, Redis, Replica


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) in milliseconds."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return round(ordered[index] * 1000, 2)


def run_load(url: str, texts: list[str], clients: int) -> dict[str, Any]:
    """`clients` threads send one text per request until every text is sent once."""
    queue = list(reversed(texts))
    lock = threading.Lock()
    latencies: list[float] = []
    failures: list[str] = []

    def client() -> None:
        with requests.Session() as session:
            while True:
                with lock:
                    if not queue:
                        return
                    text = queue.pop()
                t0 = time.perf_counter()
                response = session.post(
                    url + "/v1/translate",
                    json={"text": text, "source": "fa", "target": "en"},
                    timeout=600,
                )
                with lock:
                    if response.status_code == 200:
                        latencies.append(time.perf_counter() - t0)
                    else:
                        failures.append(f"{response.status_code} {response.text[:200]}")

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "failed": len(failures),
        "failures": failures[:3],
        "seconds": round(wall, 3),
        "requests_per_s": round(len(latencies) / wall, 3),
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
    }


def one_client(urls: dict[str, str], texts: list[str]) -> dict[str, Any]:
    """One client, one sentence per request, alternating between the URLs (same load for each)."""
    times: dict[str, list[float]] = {name: [] for name in urls}
    sessions = {name: requests.Session() for name in urls}
    for text in texts:
        for name, url in urls.items():
            t0 = time.perf_counter()
            sessions[name].post(
                url + "/v1/translate", json={"text": text, "source": "fa", "target": "en"}
            ).raise_for_status()
            times[name].append(time.perf_counter() - t0)
    for session in sessions.values():
        session.close()
    return {
        name: {"p50_ms": percentile(v, 50), "p95_ms": percentile(v, 95)}
        for name, v in times.items()
    }


def cached_request(url: str, article: str, repeats: int) -> dict[str, Any]:
    """A request whose every sentence is cached: client p50 and the service's own timing_ms."""
    body = {"text": article, "source": "fa", "target": "en"}
    client, service = [], []
    with requests.Session() as session:
        session.post(url + "/v1/translate", json=body).raise_for_status()  # computes, caches
        for _ in range(repeats):
            t0 = time.perf_counter()
            response = session.post(url + "/v1/translate", json=body)
            client.append(time.perf_counter() - t0)
            response.raise_for_status()
            service.append(response.json()["timing_ms"] / 1000)
    return {
        "sentences": article.count("\n") + 1,
        "client_p50_ms": percentile(client, 50),
        "service_p50_ms": percentile(service, 50),
    }


def repeated_stream(pool: list[str], count: int, share: float, seed: int) -> list[str]:
    """`count` sentences where about `share` of them repeat one sent earlier (a headline many
    dashboards ask for); the rest are new."""
    rng = random.Random(seed)
    fresh = iter(pool)
    stream: list[str] = []
    for _ in range(count):
        stream.append(rng.choice(stream) if stream and rng.random() < share else next(fresh))
    return stream


@contextmanager
def topology(
    workdir: Path, env: dict[str, str], replicas: int, threads: int, redis: Redis | None
) -> Iterator[tuple[Nginx, list[Replica]]]:
    """`replicas` gunicorn servers with `threads` compute threads in all, behind nginx."""
    each = {**env, "TARJOMAN_TORCH_THREADS": str(max(1, threads // replicas))}
    if redis is not None:
        each["TARJOMAN_CACHE_URL"] = redis.url + "/1"
    started = [Replica(f"r{replicas}-{n}", workdir, each).start() for n in range(replicas)]
    nginx = None
    try:
        for replica in started:
            replica.wait_ready(600)
        nginx = Nginx([f"127.0.0.1:{r.port}" for r in started], workdir / f"nginx{replicas}")
        nginx.start()
        # Warm up every replica (first batches are slow) with sentences no phase measures.
        run_load(nginx.url, [f"گرم کردن شماره {n}." for n in range(4 * replicas)], 2 * replicas)
        yield nginx, started
    finally:
        for process in (nginx, *started):
            if process is not None:
                process.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--sentences", type=int, default=96)
    parser.add_argument("--new-tokens", type=int, default=24)
    parser.add_argument("--repeat-share", type=float, default=0.3)
    parser.add_argument("--runtime", default="", help="TARJOMAN_RUNTIME of the replicas")
    parser.add_argument("--quantization", default="", help="TARJOMAN_QUANTIZATION")
    parser.add_argument("--tiny", action="store_true", help="tiny test models (a smoke run)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    if args.tiny:
        models = Path(os.environ.get("TARJOMAN_TEST_MODELS", bench.ROOT / ".cache/test-models"))
        env = {"TARJOMAN_PROFILE": "tiny", "TARJOMAN_MODELS_DIR": str(models)}
        env["TARJOMAN_PRELOAD"] = "tiny-marian-fa-en"
    else:
        bench.build_model()
        env = {
            "TARJOMAN_PROFILE": "bench",
            "TARJOMAN_MODELS_FILE": str(bench.write_profile()),
            "TARJOMAN_MODELS_DIR": str(bench.MODEL_DIR),
        }
    env |= {
        "TARJOMAN_MAX_NEW_TOKENS": str(args.new_tokens),
        "TARJOMAN_MIN_NEW_TOKENS": str(args.new_tokens),
        "TARJOMAN_NUM_BEAMS": "1",
        "TARJOMAN_TRUSTED_PROXIES": "1",
    }
    if args.runtime:
        env["TARJOMAN_RUNTIME"] = args.runtime
    if args.quantization:
        env["TARJOMAN_QUANTIZATION"] = args.quantization
    pool = bench.sentences(args.sentences * 2 + 16, 40, seed=7)
    unique, single = pool[: args.sentences], pool[args.sentences : args.sentences + 16]
    stream = repeated_stream(
        pool[args.sentences + 16 :] + pool, args.sentences, args.repeat_share, 11
    )
    results: dict[str, Any] = {"args": {k: str(v) for k, v in vars(args).items()}}
    results["stream_repeated_share"] = round(1 - len(set(stream)) / len(stream), 3)
    with tempfile.TemporaryDirectory(prefix="tarjoman-bench-scale-") as tmp:
        work = Path(tmp)
        off = {**env, "TARJOMAN_CACHE": "false"}
        with topology(work, off, 1, args.threads, None) as (nginx, _):
            print("1 replica behind nginx…", flush=True)
            results["one_replica"] = run_load(nginx.url, unique, args.clients)
        with topology(work, off, 2, args.threads, None) as (nginx, replicas):
            print("2 replicas behind nginx…", flush=True)
            results["two_replicas"] = run_load(nginx.url, unique, args.clients)
            print("one client: direct vs nginx…", flush=True)
            urls = {"direct": replicas[0].url, "nginx": nginx.url}
            results["one_client"] = one_client(urls, single)
            print("stream, cache off…", flush=True)
            results["stream_cache_off"] = run_load(nginx.url, stream, args.clients)
        redis = Redis(work).start()
        try:
            with topology(work, env, 2, args.threads, redis) as (nginx, replicas):
                print("stream, cache on…", flush=True)
                results["stream_cache_on"] = run_load(nginx.url, stream, args.clients)
                article = "\n".join(single[:10])
                results["cached_request"] = cached_request(replicas[0].url, article, 50)
        finally:
            redis.stop()
    derive(results)
    (args.out / "scale.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(json.dumps({k: v for k, v in results.items() if k != "args"}, indent=2))
    failed = sum(r.get("failed", 0) for r in results.values() if isinstance(r, dict))
    return 1 if failed else 0


def derive(results: dict[str, Any]) -> None:
    """The ratios the targets are stated in."""
    one, two = results["one_replica"], results["two_replicas"]
    results["two_vs_one_throughput"] = round(two["requests_per_s"] / one["requests_per_s"], 3)
    direct, proxied = results["one_client"]["direct"], results["one_client"]["nginx"]
    results["nginx_p50_overhead"] = round(proxied["p50_ms"] / direct["p50_ms"] - 1, 4)
    on, off = results["stream_cache_on"], results["stream_cache_off"]
    results["cache_on_vs_off_throughput"] = round(on["requests_per_s"] / off["requests_per_s"], 3)
    results["cache_on_vs_off_p50"] = round(on["p50_ms"] / off["p50_ms"], 3)


if __name__ == "__main__":
    sys.exit(main())

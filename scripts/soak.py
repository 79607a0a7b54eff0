#!/usr/bin/env python3
"""Soak: mixed traffic against a real gunicorn (tiny profile); each worker's RSS, fds, threads.

Starts gunicorn with the tiny profile on a free loopback port, drives it with CLIENTS threads
of mixed requests (translate both ways, summarize, detect, the compatible routes, and bad
requests that must be 4xx), samples every worker's resident memory, open descriptors and
threads from /proc, and fits a line to the samples after the warm-up. Exits 1 on any 5xx or
dropped connection, a worker that died, or growth past the thresholds; 0 otherwise.

    scripts/soak --minutes 30 --out soak.json        # the documented run
    scripts/soak --minutes 1 --warmup 20             # what CI runs
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from soak_measure import sample, verdict, workers_of

ROOT = Path(__file__).resolve().parent.parent
EN_WORDS = "the council report city water rain market talks minister week said new plan"
# Everyday Persian words, written here (no text is taken from the shared data).
FA_WORDS = "امروز دولت گزارش شهر مردم جلسه درباره اقتصاد آب باران بازار وزیر"
POOL_THREADS = 8


def sentence(words: str, rng: random.Random, size: int = 8) -> str:
    """A varied sentence, so the sentence cache does not answer everything."""
    return " ".join(rng.choice(words.split()) for _ in range(size)) + f" {rng.randrange(10**6)}."


def article(words: str, rng: random.Random) -> str:
    """A few paragraphs of sentences."""
    return "\n\n".join(" ".join(sentence(words, rng) for _ in range(3)) for _ in range(3))


# The mix, in rough proportion to real use: name → the status class it must get.
MIX = {
    "translate fa-en": 2,
    "translate en-fa": 2,
    "summarize fa": 2,
    "summarize en": 2,
    "detect": 2,
    "compat translate": 2,
    "compat detect": 2,
    "malformed json": 4,
    "invalid request": 4,
    "unknown route": 4,
    "too large": 4,
}


def request_for(name: str, rng: random.Random) -> tuple[str, dict[str, Any]]:
    """The path and requests' keyword arguments of one request of kind `name`."""
    fa, en = sentence(FA_WORDS, rng), sentence(EN_WORDS, rng)
    json_type = {"Content-Type": "application/json"}
    table: dict[str, tuple[str, dict[str, Any]]] = {
        "translate fa-en": ("/v1/translate", {"json": {"text": article(FA_WORDS, rng)}}),
        "translate en-fa": (
            "/v1/translate",
            {"json": {"text": [en, sentence(EN_WORDS, rng)], "source": "en", "target": "fa"}},
        ),
        "summarize fa": (
            "/v1/summarize",
            {"json": {"text": article(FA_WORDS, rng), "target": "en"}},
        ),
        "summarize en": (
            "/v1/summarize",
            {"json": {"text": article(EN_WORDS, rng), "mode": "extractive"}},
        ),
        "detect": ("/v1/detect", {"json": {"text": fa}}),
        "compat translate": ("/translate", {"data": {"q": en, "source": "en", "target": "fa"}}),
        "compat detect": ("/detect", {"data": {"q": fa}}),
        "malformed json": ("/v1/translate", {"data": b'{"text": ', "headers": json_type}),
        "invalid request": ("/v1/translate", {"json": {"text": 7}}),
        "unknown route": (f"/no-such-{rng.randrange(99)}", {"json": {}}),
        "too large": ("/v1/detect", {"json": {"text": "x" * 2_100_000}}),
    }
    return table[name]


def send(session: requests.Session, url: str, name: str, rng: random.Random) -> int:
    """POST one request of kind `name`; its status."""
    path, kwargs = request_for(name, rng)
    return session.post(url + path, timeout=60, **kwargs).status_code


@dataclass
class Traffic:
    """What the clients saw, shared between their threads."""

    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, name: str, expected: int, status: int | None, error: str = "") -> None:
        """Count one reply; a 5xx, a wrong status class or a dropped connection is a failure."""
        with self.lock:
            self.statuses[(name, status or 0)] += 1
            wrong = status is None or status // 100 != expected
            if wrong and len(self.failures) < 20:
                self.failures.append(f"{name}: {status or error}")


def drive(url: str, stop: threading.Event, traffic: Traffic, seed: int) -> None:
    """One client: requests from the mix until told to stop."""
    rng = random.Random(seed)
    with requests.Session() as session:
        while not stop.is_set():
            name = rng.choice(list(MIX))
            try:
                traffic.record(name, MIX[name], send(session, url, name, rng))
            except requests.RequestException as exc:
                traffic.record(name, MIX[name], None, type(exc).__name__)


def fill_pool(url: str, traffic: Traffic) -> None:
    """Bursts of more requests than each worker has threads, so every pool thread exists."""
    rng = random.Random(-1)

    def one(_: int) -> None:
        with requests.Session() as session:
            try:
                traffic.record("translate en-fa", 2, send(session, url, "translate en-fa", rng))
            except requests.RequestException as exc:
                traffic.record("translate en-fa", 2, None, type(exc).__name__)

    for _ in range(2):
        with ThreadPoolExecutor(2 * POOL_THREADS) as pool:
            list(pool.map(one, range(4 * POOL_THREADS)))


def start_server(args: argparse.Namespace, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """gunicorn with the tiny profile on a free port, once /readyz answers 200."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TARJOMAN_")}
    models = os.environ.get("TARJOMAN_TEST_MODELS", str(ROOT / ".cache" / "test-models"))
    env.update(
        HOST="127.0.0.1",
        PORT=str(port),
        TARJOMAN_PROFILE="tiny",
        TARJOMAN_MODELS_DIR=models,
        TARJOMAN_MAX_NEW_TOKENS="16",
        TARJOMAN_TORCH_THREADS="1",
        TARJOMAN_WORKERS=str(args.workers),
        # A small thread pool, filled during the warm-up (see fill_pool): gthread starts pool
        # threads lazily up to this many, which would read as growth, not a leak.
        TARJOMAN_THREADS=str(POOL_THREADS),
        TARJOMAN_MAX_BATCH_SIZE=str(POOL_THREADS // 2),
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(url + "/readyz", timeout=2).status_code == 200:
                return process, url
        except requests.RequestException:
            pass
        time.sleep(0.3)
    process.kill()
    raise SystemExit(f"soak: gunicorn was not ready; its log:\n{log.read_text()[-3000:]}")


def main(argv: list[str] | None = None) -> int:
    """Run the soak; print the report; 0 when it held, 1 when it did not."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument(
        "--warmup",
        type=float,
        default=None,
        help="seconds before measuring (default: a fifth of the run, 20 s at least)",
    )
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between samples")
    parser.add_argument("--max-rss-growth", type=float, default=5.0, help="percent")
    parser.add_argument("--max-fd-growth", type=float, default=4.0)
    parser.add_argument("--max-thread-growth", type=float, default=1.0)
    parser.add_argument("--out", type=Path, help="write the report as JSON here too")
    args = parser.parse_args(argv)
    duration = args.minutes * 60
    warmup = args.warmup if args.warmup is not None else max(20.0, duration / 5)

    with tempfile.TemporaryDirectory(prefix="tarjoman-soak-") as scratch:
        process, url = start_server(args, Path(scratch) / "server.log")
        first = workers_of(process.pid)
        traffic, stop = Traffic(), threading.Event()
        clients = [
            threading.Thread(target=drive, args=(url, stop, traffic, seed), daemon=True)
            for seed in range(args.clients)
        ]
        series: dict[int, list[tuple[float, dict[str, float]]]] = {pid: [] for pid in first}
        fill_pool(url, traffic)  # before the clock: part of the warm-up, never measured
        began = time.monotonic()
        for client in clients:
            client.start()
        try:
            while (now := time.monotonic() - began) < duration:
                for pid in first:
                    if (taken := sample(pid)) is not None:
                        series[pid].append((now, taken))
                time.sleep(args.interval)
        finally:
            stop.set()
            for client in clients:
                client.join(timeout=70)
            last = workers_of(process.pid)
            process.terminate()
            process.wait(timeout=60)

    report, broken = verdict(series, warmup, args)
    total = sum(traffic.statuses.values())
    server_errors = sum(n for (_, status), n in traffic.statuses.items() if status >= 500)
    broken += [f"unexpected reply: {failure}" for failure in traffic.failures]
    if last != first:
        broken.append(f"workers changed during the run (a crash?): {first} → {last}")
    result = {
        "minutes": args.minutes,
        "warmup_s": warmup,
        "clients": args.clients,
        "requests": total,
        "requests_per_s": round(total / duration, 1),
        "server_errors": server_errors,
        "statuses": {
            f"{name} {status}": n for (name, status), n in sorted(traffic.statuses.items())
        },
        "workers": report,
        "failures": broken,
        "ok": not broken,
    }
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0 if not broken else 1


if __name__ == "__main__":
    sys.exit(main())

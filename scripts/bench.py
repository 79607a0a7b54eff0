#!/usr/bin/env python3
"""Benchmark: offline generate limit vs the service under gunicorn (1, 8, 32 clients) vs naive.

The model is a MarianMTModel with opus-mt dimensions (6+6 layers, d_model 512, vocabulary
58,101) and random, seeded weights, built once into .cache/bench-model. The end of sentence
is held back (min_new_tokens = max_new_tokens), so every sentence generates the same number
of tokens and runs compare equal work. Its output is noise, not a translation. Inputs are
Persian sentences of ../shared/data/ntrex, read at run time.

    .venv/bin/python scripts/bench.py bench-out [--new-tokens 24] [--sentences 96]
        [--runtime torch] [--quantization none|int8]
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import platform
import random
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from service.models.runtimes import RUNTIMES, quantizations  # noqa: E402  (after sys.path)

MODEL_DIR = ROOT / ".cache" / "bench-model"
MODEL_NAME = "bench-opus-mt-fa-en"
OPUS_MT = {
    "vocab_size": 58101,
    "d_model": 512,
    "encoder_layers": 6,
    "decoder_layers": 6,
    "encoder_attention_heads": 8,
    "decoder_attention_heads": 8,
    "encoder_ffn_dim": 2048,
    "decoder_ffn_dim": 2048,
    "max_position_embeddings": 512,
}
SPM_VOCAB = 8000
SINGLE = 8  # sentences sent one at a time to an idle service (and to bare generate)


def data_dir() -> Path:
    """The shared data folder (TARJOMAN_TEST_DATA, default ../shared/data)."""
    return Path(os.environ.get("TARJOMAN_TEST_DATA", ROOT.parent / "shared" / "data"))


def sentences(count: int, max_words: int, seed: int) -> list[str]:
    """Single-sentence Persian lines of NTREX (one terminator at most), sampled with a seed."""
    lines = (data_dir() / "ntrex" / "newstest2019-ref.fas.txt").read_text("utf-8").splitlines()
    single = []
    for line in (line.strip() for line in lines):
        inner = line[:-1]
        if line and len(line.split()) <= max_words and not any(m in inner for m in ".!?؟"):
            single.append(line)
    random.Random(seed).shuffle(single)
    if len(single) < count:
        raise SystemExit(f"only {len(single)} usable sentences; ask for fewer")
    return single[:count]


def build_model() -> Path:
    """The opus-mt-sized random model with a sentencepiece tokenizer trained on NTREX."""
    folder = MODEL_DIR / "opus-mt-fa-en"
    if (folder / "config.json").is_file():
        return folder
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    ntrex = data_dir() / "ntrex"
    lines = []
    for name in ("newstest2019-ref.fas.txt", "newstest2019-src.eng.txt"):
        lines += (ntrex / name).read_text("utf-8").splitlines()
    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=buffer,
        vocab_size=SPM_VOCAB,
        model_type="unigram",
        character_coverage=1.0,
        num_threads=1,
        minloglevel=2,
        hard_vocab_limit=False,
    )
    pieces = spm.SentencePieceProcessor(model_proto=buffer.getvalue())
    vocab = {"</s>": 0, "<unk>": 1}
    for i in range(pieces.get_piece_size()):
        piece = pieces.id_to_piece(i)
        if piece not in vocab and piece not in ("<s>", "</s>", "<unk>", "<pad>"):
            vocab[piece] = len(vocab)
    # Fill the vocabulary to opus-mt's size: a random model emits any id, and MarianTokenizer
    # (transformers 5) raises on an id that is neither in vocab.json nor in the spm model.
    while len(vocab) < OPUS_MT["vocab_size"] - 1:
        vocab[f"<unused{len(vocab)}>"] = len(vocab)
    vocab["<pad>"] = len(vocab)
    tmp = folder.with_name(folder.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    for side in ("source", "target"):
        (tmp / f"{side}.spm").write_bytes(buffer.getvalue())
    (tmp / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tokenizer = MarianTokenizer(
        source_spm=str(tmp / "source.spm"),
        target_spm=str(tmp / "target.spm"),
        vocab=str(tmp / "vocab.json"),
        source_lang="fa",
        target_lang="en",
    )
    tokenizer.save_pretrained(tmp)
    torch.manual_seed(0)
    config = MarianConfig(
        pad_token_id=vocab["<pad>"],
        eos_token_id=0,
        decoder_start_token_id=vocab["<pad>"],
        **OPUS_MT,
    )
    MarianMTModel(config).save_pretrained(tmp)
    tmp.rename(folder)
    return folder


def write_profile() -> Path:
    """A models.toml with one profile, `bench`, serving fa→en with the bench model."""
    path = MODEL_DIR / "models.toml"
    path.write_text(
        "[profiles.bench]\n"
        'description = "Random opus-mt-sized model for benchmarks: output is noise."\n'
        "demo = true\n\n"
        "[[profiles.bench.models]]\n"
        f'name = "{MODEL_NAME}"\nfamily = "marian"\npath = "opus-mt-fa-en"\n'
        'tasks = ["translate fa-en"]\nlicence = "MIT (built locally)"\nparams = "75M"\n',
        encoding="utf-8",
    )
    return path


def summary(latencies: list[float], wall: float, tokens: int) -> dict[str, float]:
    """Throughput and latency percentiles of one phase."""
    done = len(latencies)
    p50, p95, p99 = (float(np.percentile(latencies, q)) * 1000 for q in (50, 95, 99))
    return {
        "sentences": done,
        "seconds": round(wall, 3),
        "sentences_per_s": round(done / wall, 3),
        "tokens_per_s": round(done * tokens / wall, 1),
        "p50_ms": round(p50, 1),
        "p95_ms": round(p95, 1),
        "p99_ms": round(p99, 1),
    }


def offline(
    texts: list[str], tokens: int, threads: int, runtime: str, quantization: str
) -> tuple[dict[str, Any], Any, Any]:
    """The limit: model.generate on length-sorted batches of the best size, no HTTP."""
    from service.models.backend import GenerationOptions
    from service.models.registry import ModelSpec, Task
    from service.models.runtimes import RuntimeConfig, Runtimes

    task = Task("translate", "fa", "en")
    spec = ModelSpec(
        MODEL_NAME,
        "marian",
        (task,),
        path="opus-mt-fa-en",
        runtime=runtime,
        quantization=quantization,
    )
    runtimes = Runtimes(RuntimeConfig("cpu", "float32", threads))
    folder = runtimes.locate(spec, MODEL_DIR)
    if folder is None:
        raise SystemExit(f"the {runtime} runtime finds no model in {MODEL_DIR / 'opus-mt-fa-en'}")
    model = runtimes.load(spec, folder)
    options = GenerationOptions(task, 1, tokens, tokens)
    source_tokens = model.count_tokens(texts, task)
    ordered = [t for _, t in sorted(zip(source_tokens, texts, strict=True))]
    model.generate(ordered[:4], options)  # warm up

    cpu = [0.0]

    def run(size: int, pool: list[str]) -> tuple[float, list[float]]:
        started, latencies, cpu0 = time.perf_counter(), [], time.process_time()
        for i in range(0, len(pool), size):
            t0 = time.perf_counter()
            model.generate(pool[i : i + size], options)
            latencies += [time.perf_counter() - t0] * len(pool[i : i + size])
        cpu[0] = time.process_time() - cpu0
        return time.perf_counter() - started, latencies

    bare = [run(1, [text])[0] for text in texts[:SINGLE]]
    print(f"  bare generate, one sentence: {np.median(bare) * 1000:.0f} ms", flush=True)
    trial = {}
    # Up to 32: one sentence per request from 32 clients never makes a larger batch.
    for size in (4, 8, 16, 32):
        wall, _ = run(size, ordered[len(ordered) // 2 - size // 2 :][:size])  # middle lengths
        trial[size] = size / wall
        print(f"  offline trial: batch {size}: {trial[size]:.2f} sentences/s", flush=True)
    best = max(trial, key=lambda size: trial[size])
    wall, latencies = run(best, ordered)
    sorted_cpu = cpu[0]
    # The same batches without sorting: what 32 clients of random lengths can reach at best.
    unsorted_wall, _ = run(best, texts)
    return (
        model,
        options,
        {
            "cpu_seconds": round(sorted_cpu, 3),
            "sentences_per_cpu_s": round(len(ordered) / sorted_cpu, 3),
            "unsorted_sentences_per_s": round(len(texts) / unsorted_wall, 3),
            "unsorted_sentences_per_cpu_s": round(len(texts) / cpu[0], 3),
            "best_batch_size": best,
            "trial_sentences_per_s": {str(k): round(v, 3) for k, v in trial.items()},
            "bare_generate_one_ms": round(float(np.median(bare)) * 1000, 1),
            "source_tokens_mean": round(float(np.mean(source_tokens)), 1),
            **summary(latencies, wall, tokens),
        },
    )


def paired_single(service: Service, model: Any, options: Any, texts: list[str]) -> dict[str, Any]:
    """One sentence: bare generate and the idle service, alternately, under the same load."""
    bare, served, bare_cpu, served_cpu = [], [], [], []
    with requests.Session() as session:
        for text in texts:
            t0, c0 = time.perf_counter(), time.process_time()
            model.generate([text], options)
            bare.append(time.perf_counter() - t0)
            bare_cpu.append(time.process_time() - c0)
            t0, c0 = time.perf_counter(), service.worker_cpu()
            session.post(
                service.url + "/v1/translate",
                json={"text": text, "source": "fa", "target": "en"},
                timeout=300,
            ).raise_for_status()
            served.append(time.perf_counter() - t0)
            served_cpu.append(service.worker_cpu() - c0)

    def ms(values: list[float]) -> float:
        return round(float(np.median(values)) * 1000, 1)

    extra = [s - b for s, b in zip(served, bare, strict=True)]
    extra_cpu = [s - b for s, b in zip(served_cpu, bare_cpu, strict=True)]
    return {
        "sentences": len(texts),
        "bare_p50_ms": ms(bare),
        "service_p50_ms": ms(served),
        "extra_p50_ms": ms(extra),
        "extra_each_ms": [round(x * 1000, 1) for x in extra],
        "bare_cpu_p50_ms": ms(bare_cpu),
        "service_cpu_p50_ms": ms(served_cpu),
        "extra_cpu_p50_ms": ms(extra_cpu),
    }


class Service:
    """gunicorn serving the bench profile on a free loopback port."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        full = {k: v for k, v in os.environ.items() if not k.startswith("TARJOMAN_")}
        full.update(env, HOST="127.0.0.1", PORT=str(port))
        with log.open("ab") as handle:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py"],
                cwd=ROOT,
                env=full,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {log}")
            try:
                if requests.get(self.url + "/readyz", timeout=5).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet, or too busy loading the model to answer in time
            time.sleep(0.5)
        self.stop()
        raise SystemExit(f"gunicorn was not ready in 600 s; see {log}")

    def worker_cpu(self) -> float:
        """CPU seconds the gunicorn worker has used (it does all the work: HTTP and model)."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        total = 0.0
        for child in children:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def batches(self) -> tuple[float, float]:
        """(segments, batches) run so far, from /metrics."""
        text = requests.get(self.url + "/metrics", timeout=30).text
        found = {}
        for line in text.splitlines():
            for key in ("sum", "count"):
                if line.startswith(f"tarjoman_batch_size_{key}{{"):
                    found[key] = float(line.rsplit(" ", 1)[1])
        return found.get("sum", 0.0), found.get("count", 0.0)

    def load(self, clients: int, texts: list[str], tokens: int) -> dict[str, Any]:
        """`clients` threads, one sentence per request, until every text is sent once."""
        queue = list(reversed(texts))
        lock = threading.Lock()
        latencies: list[float] = []

        def client() -> None:
            with requests.Session() as session:
                while True:
                    with lock:
                        if not queue:
                            return
                        text = queue.pop()
                    t0 = time.perf_counter()
                    response = session.post(
                        self.url + "/v1/translate",
                        json={"text": text, "source": "fa", "target": "en"},
                        timeout=300,
                    )
                    response.raise_for_status()
                    with lock:
                        latencies.append(time.perf_counter() - t0)
                        if len(latencies) == clients:  # the first round is in: start-up over
                            first_round[:] = [time.perf_counter(), self.worker_cpu()]

        # Steady state: from the first round's end to the last reply. The first round starts
        # from an idle worker, which takes the first request alone (a lone request never
        # waits), so a short run understates what the batcher sustains.
        first_round: list[float] = []
        segments0, batches0 = self.batches()
        cpu0 = self.worker_cpu()
        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            for future in [pool.submit(client) for _ in range(clients)]:
                future.result()
        ended = time.perf_counter()
        wall = ended - started
        cpu_end = self.worker_cpu()
        cpu = cpu_end - cpu0
        steady: dict[str, float] = {}
        if clients > 1 and len(texts) >= 2 * clients:
            rest = len(texts) - clients
            steady = {
                "steady_sentences_per_s": round(rest / (ended - first_round[0]), 3),
                "steady_sentences_per_cpu_s": round(rest / (cpu_end - first_round[1]), 3),
            }
        segments1, batches1 = self.batches()
        segments, batches = segments1 - segments0, batches1 - batches0
        return {
            "clients": clients,
            "segments": int(segments),
            "mean_batch_size": round(segments / batches, 2) if batches else 0,
            "cpu_seconds": round(cpu, 3),
            "sentences_per_cpu_s": round(len(texts) / cpu, 3),
            **steady,
            **summary(latencies, wall, tokens),
        }

    def stop(self) -> None:
        """Stop gunicorn."""
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()


def machine(threads: int) -> dict[str, Any]:
    """What the run ran on."""
    import torch
    import transformers

    return {
        "cpu_count": os.cpu_count(),
        "torch_threads": threads,
        "load_average_at_start_1_5_15min": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
    }


def plot(results: dict[str, Any], out: Path) -> None:
    """Throughput against concurrency, with the offline limit and naive as references."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    service = results["service"]
    clients = [phase["clients"] for phase in service]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(clients, [p["sentences_per_s"] for p in service], "o-", label="service (batched)")
    ax.axhline(results["offline"]["sentences_per_s"], color="green", ls="--", label="offline limit")
    naive = results["naive"]
    ax.plot([naive["clients"]], [naive["sentences_per_s"]], "rs", label="naive (batch size 1)")
    ax.set_xscale("log", base=2)
    ax.set_xticks(clients, [str(c) for c in clients])
    ax.set_xlabel("concurrent clients (one sentence per request)")
    ax.set_ylabel("sentences / s")
    ax.set_title(
        f"opus-mt-sized model, {results['runtime']} {results['quantization']}, "
        f"{results['new_tokens']} tokens/sentence, CPU"
    )
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "throughput.png", dpi=120)


def main(argv: list[str] | None = None) -> int:
    """Run every phase, print the table, write results.json and throughput.png."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path, help="folder for results.json and throughput.png")
    parser.add_argument("--new-tokens", type=int, default=24, help="tokens per sentence")
    parser.add_argument("--sentences", type=int, default=96, help="sentences per 32-client run")
    parser.add_argument("--max-words", type=int, default=30, help="longest input sentence")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="compute threads")
    parser.add_argument("--runtime", default="torch", choices=sorted(RUNTIMES))
    parser.add_argument(
        "--quantization", default="none", help="none, int8 (torch); what the runtime offers"
    )
    parser.add_argument("--max-wait-ms", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    log = args.out / "gunicorn.log"
    log.write_text("")
    results: dict[str, Any] = {
        "command": "scripts/bench.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": machine(args.threads),
        "runtime": args.runtime,
        "quantization": args.quantization,
        "new_tokens": args.new_tokens,
    }
    if args.quantization not in quantizations(args.runtime):
        parser.error(f"the {args.runtime} runtime offers {', '.join(quantizations(args.runtime))}")
    n = args.sentences
    texts = sentences(n, args.max_words, args.seed)
    print("building the model (once) ...", flush=True)
    build_model()
    profile = write_profile()
    print("offline limit ...", flush=True)
    model, options, results["offline"] = offline(
        texts, args.new_tokens, args.threads, args.runtime, args.quantization
    )
    print(f"  {results['offline']}", flush=True)
    env = {
        "TARJOMAN_PROFILE": "bench",
        "TARJOMAN_MODELS_FILE": str(profile),
        "TARJOMAN_MODELS_DIR": str(MODEL_DIR),
        "TARJOMAN_DEVICE": "cpu",
        "TARJOMAN_NUM_BEAMS": "1",
        "TARJOMAN_MAX_NEW_TOKENS": str(args.new_tokens),
        "TARJOMAN_MIN_NEW_TOKENS": str(args.new_tokens),
        "TARJOMAN_TORCH_THREADS": str(args.threads),
        "TARJOMAN_RUNTIME": args.runtime,
        "TARJOMAN_QUANTIZATION": args.quantization,
        "TARJOMAN_THREADS": "80",
        "TARJOMAN_MAX_BATCH_SIZE": "32",
        "TARJOMAN_MAX_WAIT_MS": str(args.max_wait_ms),
        "TARJOMAN_LOG_LEVEL": "WARNING",
        # Naive runs queue 32 sentences behind batches of one: no 504s on a busy machine.
        "TARJOMAN_REQUEST_TIMEOUT_S": "900",
    }
    results["service_settings"] = {
        k: v for k, v in env.items() if "DIR" not in k and "FILE" not in k
    }
    save(results, args.out)
    plan: list[tuple[int, int]] = [(1, SINGLE), (8, max(16, n // 2)), (32, n)]
    service = Service(env, log)
    try:
        service.load(4, texts[:8], args.new_tokens)  # warm up the HTTP path
        print("one sentence: bare generate and idle service, alternately ...", flush=True)
        results["single"] = paired_single(service, model, options, texts[:SINGLE])
        print(f"  {results['single']}", flush=True)
        results["service"] = []
        for clients, count in plan:
            print(f"service, {clients} clients ...", flush=True)
            results["service"].append(service.load(clients, texts[:count], args.new_tokens))
            print(f"  {results['service'][-1]}", flush=True)
            save(results, args.out)
    finally:
        service.stop()
    print("naive (batch size 1), 32 clients ...", flush=True)
    service = Service({**env, "TARJOMAN_MAX_BATCH_SIZE": "1"}, log)
    try:
        results["naive"] = service.load(32, texts[: max(32, n // 2)], args.new_tokens)
    finally:
        service.stop()
    results["machine"]["load_average_at_end_1_5_15min"] = [round(x, 2) for x in os.getloadavg()]
    report(results)
    save(results, args.out)
    plot(results, args.out)
    print(f"wrote {args.out / 'results.json'} and {args.out / 'throughput.png'}")
    return 0


def save(results: dict[str, Any], out: Path) -> None:
    """Write what is measured so far (a run cut short still leaves its figures)."""
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


def report(results: dict[str, Any]) -> None:
    """Print the table and the ratios the targets are stated in."""
    offline, naive = results["offline"], results["naive"]
    top = results["service"][-1]
    single = results["single"]
    rows: list[tuple[str, dict[str, Any]]] = [("offline limit", offline)]
    rows += [(f"service, {p['clients']} clients", p) for p in results["service"]]
    rows.append(("naive, 32 clients", naive))
    print(
        "\n| run | sentences/s | tokens/s | p50 ms | p95 ms | p99 ms | mean batch "
        "| sentences per CPU-second |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, p in rows:
        batch = p.get("mean_batch_size", offline["best_batch_size"])
        print(
            f"| {name} | {p['sentences_per_s']:.2f} | {p['tokens_per_s']:.0f} | {p['p50_ms']:.0f} "
            f"| {p['p95_ms']:.0f} | {p['p99_ms']:.0f} | {batch} | {p['sentences_per_cpu_s']:.2f} |"
        )
    results["ratios"] = {
        "service_32_over_offline": round(top["sentences_per_s"] / offline["sentences_per_s"], 3),
        "service_32_over_naive": round(top["sentences_per_s"] / naive["sentences_per_s"], 2),
        "single_p50_minus_bare_ms": results["single"]["extra_p50_ms"],
        "single_cpu_minus_bare_cpu_ms": results["single"]["extra_cpu_p50_ms"],
        # A run of fewer than 2 × 32 sentences has no steady state: its ratios read as nan.
        "steady_service_32_over_offline": round(
            top.get("steady_sentences_per_s", math.nan) / offline["sentences_per_s"], 3
        ),
        "steady_cpu_service_32_over_offline": round(
            top.get("steady_sentences_per_cpu_s", math.nan) / offline["sentences_per_cpu_s"], 3
        ),
        "steady_service_32_over_unsorted_offline": round(
            top.get("steady_sentences_per_s", math.nan) / offline["unsorted_sentences_per_s"], 3
        ),
        "cpu_service_32_over_offline": round(
            top["sentences_per_cpu_s"] / offline["sentences_per_cpu_s"], 3
        ),
        "cpu_service_32_over_naive": round(
            top["sentences_per_cpu_s"] / naive["sentences_per_cpu_s"], 2
        ),
    }
    r = results["ratios"]
    print(
        f"\nservice at 32 clients / offline limit: {r['service_32_over_offline']:.2f}"
        " (target ≥ 0.85)"
        f"\nsteady state (after the first round): {r['steady_service_32_over_offline']:.2f}, "
        f"per CPU-second {r['steady_cpu_service_32_over_offline']:.2f}"
        f"\nsteady state / offline on unsorted batches of the same size: "
        f"{r['steady_service_32_over_unsorted_offline']:.2f}"
        f"\nservice at 32 clients / naive: {r['service_32_over_naive']:.1f}× (target ≥ 6×)"
        f"\nper CPU-second (robust to a shared machine): service 32 / offline "
        f"{r['cpu_service_32_over_offline']:.2f}, "
        f"service 32 / naive {r['cpu_service_32_over_naive']:.1f}×"
        f"\none sentence, idle service − bare generate (median of {single['sentences']} pairs): "
        f"{r['single_p50_minus_bare_ms']:.1f} ms (target ≤ 15 ms; bare generate p50 "
        f"{single['bare_p50_ms']:.0f} ms); in CPU time: "
        f"{r['single_cpu_minus_bare_cpu_ms']:.1f} ms (bare {single['bare_cpu_p50_ms']:.0f} ms)"
    )


if __name__ == "__main__":
    sys.exit(main())

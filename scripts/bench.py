#!/usr/bin/env python3
"""Benchmark, per runtime: offline limit, the service under gunicorn (1, 8, 32 clients), naive.

The model is a MarianMTModel with opus-mt dimensions (6+6 layers, d_model 512, vocabulary
58,101) and random, seeded weights, built once into .cache/bench-model. The end of sentence
is held back (min_new_tokens = max_new_tokens), so every sentence generates the same number
of tokens and runs compare equal work. Its output is noise, not a translation. Inputs are
Persian sentences of ../shared/data/ntrex, read at run time. Each `--runtime NAME[:QUANT]`
(repeatable; `--quantization` is the default QUANT) is measured in turn in the same run:
offline at batch 1 and 32, the service at 1, 8 and 32 clients, naive, and the worker's RSS.

    .venv/bin/python scripts/bench.py bench-out --runtime torch --runtime torch:int8 \
        --runtime ctranslate2:int8 --runtime ctranslate2:float32 [--new-tokens 24]
"""

from __future__ import annotations

import argparse
import io
import json
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
    runtime: str, quantization: str, texts: list[str], tokens: int, threads: int, single: int
) -> tuple[Any, Any, dict[str, Any]]:
    """The limit: the runtime's bare generate at batch 1, and on length-sorted batches of 32."""
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
    runtimes.prepare(spec, folder)  # CTranslate2 converts once, outside every timing
    model = runtimes.load(spec, folder)
    options = GenerationOptions(task, 1, tokens, tokens)
    source_tokens = model.count_tokens(texts, task)
    ordered = [t for _, t in sorted(zip(source_tokens, texts, strict=True))]
    model.generate(ordered[:4], options)  # warm up

    def run(size: int, pool: list[str]) -> tuple[float, float, list[float]]:
        started, cpu0, latencies = time.perf_counter(), time.process_time(), []
        for i in range(0, len(pool), size):
            t0 = time.perf_counter()
            model.generate(pool[i : i + size], options)
            latencies += [time.perf_counter() - t0] * len(pool[i : i + size])
        return time.perf_counter() - started, time.process_time() - cpu0, latencies

    wall1, _, latencies1 = run(1, texts[:single])
    print(f"  offline batch 1: {single / wall1:.2f} sentences/s", flush=True)
    wall, cpu, latencies = run(32, ordered)
    print(f"  offline batch 32: {len(ordered) / wall:.2f} sentences/s", flush=True)
    return (
        model,
        options,
        {
            "batch_1": summary(latencies1, wall1, tokens),
            "cpu_seconds": round(cpu, 3),
            "sentences_per_cpu_s": round(len(ordered) / cpu, 3),
            "best_batch_size": 32,
            "source_tokens_mean": round(float(np.mean(source_tokens)), 1),
            "loaded_bytes": model.nbytes,
            "device": model.device,
            "threads": model.threads,
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

    def worker_rss(self) -> dict[str, float]:
        """The worker's resident memory now and at its peak, in MB (from /proc)."""
        pid = self.process.pid
        found = {"rss_mb": 0.0, "peak_rss_mb": 0.0}
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                key, _, value = line.partition(":")
                name = {"VmRSS": "rss_mb", "VmHWM": "peak_rss_mb"}.get(key)
                if name:
                    found[name] += round(int(value.split()[0]) / 1024, 1)
        return found

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

    found: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "threads": threads,
        "load_average_at_start_1_5_15min": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
    }
    try:
        from importlib.metadata import version

        found["ctranslate2"] = version("ctranslate2")
    except ImportError:
        pass
    return found


def plot(results: dict[str, Any], out: Path) -> None:
    """Throughput against concurrency per runtime, with each offline limit as a reference."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i, (name, run) in enumerate(results["runtimes"].items()):
        if "service" not in run:
            continue
        color = f"C{i}"
        clients = [phase["clients"] for phase in run["service"]]
        ax.plot(
            clients, [p["sentences_per_s"] for p in run["service"]], "o-", color=color, label=name
        )
        ax.axhline(run["offline"]["sentences_per_s"], color=color, ls="--", lw=0.8)
        if "naive" in run:
            ax.plot([32], [run["naive"]["sentences_per_s"]], "s", color=color, mfc="none")
    ax.set_xscale("log", base=2)
    ax.set_xticks([1, 8, 32], ["1", "8", "32"])
    ax.set_xlabel("concurrent clients (one sentence per request)")
    ax.set_ylabel("sentences / s")
    ax.set_title(
        f"opus-mt-sized model, {results['new_tokens']} tokens/sentence, CPU\n"
        "dashed: offline batch-32 limit; open square: naive (batch size 1)"
    )
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "throughput.png", dpi=120)


def runtimes_of(args: argparse.Namespace) -> list[tuple[str, str]]:
    """(runtime, quantization) pairs from `--runtime NAME[:QUANT]` and `--quantization`."""
    found = []
    for item in args.runtime or ["torch"]:
        name, _, quantization = item.partition(":")
        quantization = quantization or args.quantization or "none"
        if name not in RUNTIMES:
            raise SystemExit(f"unknown runtime {name!r}; known: {', '.join(RUNTIMES)}")
        if quantization not in quantizations(name):
            offered = ", ".join(quantizations(name))
            raise SystemExit(f"the {name} runtime offers {offered}, not {quantization!r}")
        found.append((name, quantization))
    return found


def bench_env(profile: Path, new_tokens: int, threads: int) -> dict[str, str]:
    """gunicorn serving the bench profile on CPU: greedy, exactly `new_tokens` per sentence."""
    return {
        "TARJOMAN_PROFILE": "bench",
        "TARJOMAN_MODELS_FILE": str(profile),
        "TARJOMAN_MODELS_DIR": str(MODEL_DIR),
        "TARJOMAN_DEVICE": "cpu",
        "TARJOMAN_NUM_BEAMS": "1",
        "TARJOMAN_MAX_NEW_TOKENS": str(new_tokens),
        "TARJOMAN_MIN_NEW_TOKENS": str(new_tokens),
        "TARJOMAN_TORCH_THREADS": str(threads),
        "TARJOMAN_THREADS": "80",
        "TARJOMAN_LOG_LEVEL": "WARNING",
    }


def service_env(
    args: argparse.Namespace, profile: Path, runtime: str, quantization: str
) -> dict[str, str]:
    """The gunicorn settings of one runtime's runs."""
    return {
        **bench_env(profile, args.new_tokens, args.threads),
        "TARJOMAN_RUNTIME": runtime,
        "TARJOMAN_QUANTIZATION": quantization,
        "TARJOMAN_MAX_BATCH_SIZE": "32",
        "TARJOMAN_MAX_WAIT_MS": str(args.max_wait_ms),
        # Every phase sends sentences an earlier phase sent: with the result cache on, the
        # later phases would measure cache hits, not the runtime.
        "TARJOMAN_CACHE": "false",
        # Naive runs queue 32 sentences behind batches of one: no 504s on a busy machine.
        "TARJOMAN_REQUEST_TIMEOUT_S": "900",
    }


def bench_runtime(
    args: argparse.Namespace, texts: list[str], profile: Path, runtime: str, quantization: str
) -> dict[str, Any]:
    """Offline, service at 1/8/32 clients, RSS and naive for one runtime."""
    n, log = len(texts), args.out / "gunicorn.log"
    run: dict[str, Any] = {"runtime": runtime, "quantization": quantization}
    print(f"{runtime}/{quantization}: offline limit ...", flush=True)
    model, options, run["offline"] = offline(
        runtime, quantization, texts, args.new_tokens, args.threads, args.single
    )
    env = service_env(args, profile, runtime, quantization)
    run["service_settings"] = {k: v for k, v in env.items() if "DIR" not in k and "FILE" not in k}
    service = Service(env, log)
    try:
        service.load(4, texts[:8], args.new_tokens)  # warm up the HTTP path
        print("  one sentence: bare generate and idle service, alternately ...", flush=True)
        run["single"] = paired_single(service, model, options, texts[: args.single])
        run["service"] = []
        for clients, count in [(1, args.single), (8, max(16, n // 2)), (32, n)]:
            phase = service.load(clients, texts[:count], args.new_tokens)
            print(f"  service, {clients} clients: {phase['sentences_per_s']:.2f}/s", flush=True)
            run["service"].append(phase)
        run["worker_memory"] = service.worker_rss()
    finally:
        service.stop()
    del model
    print("  naive (batch size 1), 32 clients ...", flush=True)
    service = Service({**env, "TARJOMAN_MAX_BATCH_SIZE": "1"}, log)
    try:
        run["naive"] = service.load(32, texts[: args.naive_sentences], args.new_tokens)
    finally:
        service.stop()
    return run


def main(argv: list[str] | None = None) -> int:
    """Run every phase of every runtime, print the table, write results.json and throughput.png."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path, help="folder for results.json and throughput.png")
    parser.add_argument(
        "--runtime",
        action="append",
        metavar="NAME[:QUANT]",
        help="a runtime to measure (repeatable): torch, torch:int8, ctranslate2:int8, ...",
    )
    parser.add_argument("--quantization", default="", help="QUANT for --runtime without one")
    parser.add_argument("--new-tokens", type=int, default=24, help="tokens per sentence")
    parser.add_argument("--sentences", type=int, default=96, help="sentences per 32-client run")
    parser.add_argument("--single", type=int, default=SINGLE, help="sentences at batch 1")
    parser.add_argument("--naive-sentences", type=int, default=32, help="sentences, naive run")
    parser.add_argument("--max-words", type=int, default=30, help="longest input sentence")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="compute threads")
    parser.add_argument("--max-wait-ms", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)  # RUNTIME:QUANT
    parser.add_argument("--part", type=Path, help=argparse.SUPPRESS)  # where a child writes
    args = parser.parse_args(argv)
    if args.child:
        return run_child(args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "gunicorn.log").write_text("")
    results: dict[str, Any] = {
        "command": "scripts/bench.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": machine(args.threads),
        "new_tokens": args.new_tokens,
        "runtimes": {},
    }
    print("building the model (once) ...", flush=True)
    build_model()
    write_profile()
    for runtime, quantization in runtimes_of(args):
        name = f"{runtime}/{quantization}"
        results["runtimes"][name] = bench_in_child(args, argv, runtime, quantization)
        save(results, args.out)
    results["machine"]["load_average_at_end_1_5_15min"] = [round(x, 2) for x in os.getloadavg()]
    report(results)
    save(results, args.out)
    plot(results, args.out)
    print(f"wrote {args.out / 'results.json'} and {args.out / 'throughput.png'}")
    return 0


def texts_of(args: argparse.Namespace) -> list[str]:
    """The run's sentences (the same in the parent and every child)."""
    count = max(args.sentences, args.naive_sentences, args.single)
    return sentences(count, args.max_words, args.seed)[: args.sentences]


def bench_in_child(
    args: argparse.Namespace, argv: list[str] | None, runtime: str, quantization: str
) -> dict[str, Any]:
    """bench_runtime in a fresh process, which loads only what the service's worker loads.

    A CTranslate2 worker has no torch (service/models/torchless.py); this process has (it built
    the model), and CTranslate2 measured beside torch's OpenMP runtime is not what it serves.
    """
    part = args.out / f"part-{runtime}-{quantization}.json"
    part.unlink(missing_ok=True)
    given = sys.argv[1:] if argv is None else argv
    command = [sys.executable, __file__, *given, "--child", f"{runtime}:{quantization}"]
    subprocess.run([*command, "--part", str(part)], check=True)
    found: dict[str, Any] = json.loads(part.read_text(encoding="utf-8"))
    part.unlink()
    return found


def run_child(args: argparse.Namespace) -> int:
    """One runtime's phases, for bench_in_child: torch left out unless the runtime is torch."""
    from service.models.torchless import leave_torch_out, torch_left_out

    runtime, _, quantization = args.child.partition(":")
    if runtime != "torch":
        leave_torch_out()
    run = bench_runtime(args, texts_of(args), MODEL_DIR / "models.toml", runtime, quantization)
    run["torch_in_bench_process"] = not torch_left_out()
    args.part.write_text(json.dumps(run), encoding="utf-8")
    return 0


def save(results: dict[str, Any], out: Path) -> None:
    """Write what is measured so far (a run cut short still leaves its figures)."""
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


def _cell(phase: dict[str, Any]) -> str:
    return f"{phase['sentences_per_s']:.2f} ({phase['p50_ms']:.0f}/{phase['p95_ms']:.0f})"


def report(results: dict[str, Any]) -> None:
    """Print the table (sentences/s, p50/p95 ms in brackets) and the targets' ratios."""
    print(
        "\n| runtime | offline batch 1 | offline batch 32 | service 1 client | 8 clients "
        "| 32 clients | naive, 32 clients | worker RSS MB |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    runs = results["runtimes"]
    for name, run in runs.items():
        offline, service = run["offline"], run["service"]
        print(
            f"| {name} | {_cell(offline['batch_1'])} | {_cell(offline)} | "
            + " | ".join(_cell(phase) for phase in service)
            + f" | {_cell(run['naive'])} | {run['worker_memory']['rss_mb']:.0f} |"
        )
    base = runs.get("torch/none")
    for name, run in runs.items():
        top, single = run["service"][-1], run["single"]
        ratios: dict[str, float] = {
            "steady_service_32_over_own_offline": round(
                top.get("steady_sentences_per_s", top["sentences_per_s"])
                / run["offline"]["sentences_per_s"],
                3,
            ),
            "single_service_p50_minus_bare_ms": single["extra_p50_ms"],
            "service_32_over_naive": round(
                top["sentences_per_s"] / run["naive"]["sentences_per_s"], 2
            ),
        }
        if base is not None:
            ratios["service_32_over_torch_fp32_offline_32"] = round(
                top["sentences_per_s"] / base["offline"]["sentences_per_s"], 3
            )
            ratios["single_p50_over_torch_fp32_single_p50"] = round(
                single["service_p50_ms"] / base["single"]["service_p50_ms"], 3
            )
            ratios["rss_over_torch_fp32_rss"] = round(
                run["worker_memory"]["rss_mb"] / base["worker_memory"]["rss_mb"], 3
            )
        run["ratios"] = ratios
        print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in ratios.items()))
    print(
        "targets (default CPU runtime): service 32 ≥ 3× torch fp32 offline 32 and ≥ 0.9× its own "
        "offline (steady); one client p50 ≤ 0.3× torch fp32's and ≤ bare + 15 ms; RSS ≤ 0.5× fp32's"
    )


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Compare torch int8 APIs on the opus-mt-sized random Marian: fp32, torch.ao, torchao.

Sentences per CPU-second of bare generate (fixed output length, greedy), per API and batch
size; docs/runtimes.md explains the choice it informed. Random weights: output is noise.

    .venv/bin/python scripts/bench_int8_api.py [--threads 1] [--repeats 3]
"""

from __future__ import annotations

import argparse
import copy
import time
import warnings
from typing import Any


def quantize_ao(model: Any) -> Any:
    """torch.ao dynamic int8 of the Linear layers (what the torch runtime uses)."""
    import torch

    return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


def quantize_torchao(model: Any) -> Any:
    """torchao's replacement: int8 weights, int8 dynamic activations."""
    from torchao.quantization import Int8DynamicActivationInt8WeightConfig, quantize_

    quantize_(model, Int8DynamicActivationInt8WeightConfig())
    return model


def main() -> int:
    """Print sentences per CPU-second for each API and batch size."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--new-tokens", type=int, default=20)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    import torch
    from transformers import MarianConfig, MarianMTModel

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    config = MarianConfig(
        vocab_size=58101,
        d_model=512,
        encoder_layers=6,
        decoder_layers=6,
        encoder_attention_heads=8,
        decoder_attention_heads=8,
        encoder_ffn_dim=2048,
        decoder_ffn_dim=2048,
        max_position_embeddings=512,
        pad_token_id=58100,
        decoder_start_token_id=58100,
        eos_token_id=0,
    )
    base = MarianMTModel(config).eval()
    models = {
        "fp32": base,
        "torch.ao quantize_dynamic": quantize_ao(copy.deepcopy(base)),
        "torchao Int8DynamicActivationInt8Weight": quantize_torchao(copy.deepcopy(base)),
    }
    inputs = {size: torch.randint(5, 8000, (size, 20)) for size in (1, 8)}
    n = args.new_tokens
    for repeat in range(args.repeats):
        for name, model in models.items():
            for size, ids in inputs.items():
                with torch.inference_mode():
                    model.generate(input_ids=ids, max_new_tokens=4, min_new_tokens=4)  # warm
                    started = time.process_time()
                    model.generate(input_ids=ids, max_new_tokens=n, min_new_tokens=n)
                    cpu = time.process_time() - started
                print(f"{repeat} {name:42} batch {size}: {size / cpu:6.2f} sentences/CPU-s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

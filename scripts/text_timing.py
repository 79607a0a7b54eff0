#!/usr/bin/env python3
"""Time normalize and segment on 1 MB adversarial inputs and on the shared news data."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from service.text.normalize import normalize
from service.text.segment import join_pieces, segment

CASES = {
    "no punctuation (1M letters)": "و" * 1_000_000,
    "only dots (1M)": "." * 1_000_000,
    "only punctuation (؟!… × 333k)": "؟!…" * 333_333,
    "100k dots in words (`word. ` × 100k, ~1 MB)": "word. Word " * 100_000,
    "500k one-char sentences (`. ` × 500k)": ". " * 500_000,
    "dots inside one word (`a.` × 500k)": "a." * 500_000,
    "1M line breaks": "\n" * 1_000_000,
    "`x@` × 500k (e-mail scan)": "x@" * 500_000,
}


def main() -> int:
    """Print seconds per case (best of three)."""
    for name, text in CASES.items():
        best_segment = best_normalize = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            pieces = segment(text)
            best_segment = min(best_segment, time.perf_counter() - started)
            started = time.perf_counter()
            normalize(text)
            best_normalize = min(best_normalize, time.perf_counter() - started)
        assert join_pieces(pieces) == text
        print(
            f"{name:48} {len(text):>9} chars  segment {best_segment:6.3f} s "
            f"({len(pieces)} pieces)  normalize {best_normalize:6.3f} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

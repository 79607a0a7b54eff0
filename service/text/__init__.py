"""Text handling in pure Python (no torch, no Flask): normalize, detect, segment, chunk."""

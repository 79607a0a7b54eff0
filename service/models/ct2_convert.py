"""CTranslate2 folders converted from Hugging Face ones, cached beside them, built atomically."""

# Layout: a hub snapshot `models--org--name/snapshots/<sha>` converts into
# `models--org--name/ctranslate2/<key>`; a local folder `tiny/bart` into `tiny/bart.ctranslate2/<key>`.
# The key names the source revision (the snapshot's commit, or a digest of a local folder's config
# and weight files), the quantization and CTranslate2's version, so a change of any of them
# converts again. A conversion is written to a hidden temporary folder and renamed into place:
# a folder under its key is always complete. A file lock serialises conversions of one model
# across processes (every gunicorn worker preloads), and the later ones find the work done.

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

log = logging.getLogger(__name__)

WEIGHTS = ("*.safetensors", "pytorch_model*.bin")
MODEL_FILE = "model.bin"
SOURCE_NOTE = "tarjoman-source.json"


class ConversionError(RuntimeError):
    """A model could not be converted; the message says why."""


def ctranslate2_version() -> str:
    """The installed CTranslate2's version, read without loading the library."""
    try:
        return metadata.version("ctranslate2")
    except metadata.PackageNotFoundError:
        raise ConversionError(
            "ctranslate2 is not installed (pip install ctranslate2, pinned in constraints.txt)"
        ) from None


def _weights(folder: Path) -> list[Path]:
    return sorted(path for pattern in WEIGHTS for path in folder.glob(pattern))


def is_hub_snapshot(folder: Path) -> bool:
    """Whether `folder` is a snapshot in the Hugging Face cache layout."""
    return folder.parent.name == "snapshots" and folder.parent.parent.name.startswith("models--")


def source_revision(folder: Path) -> str | None:
    """The snapshot's commit, or a digest of a local folder's config and weights (None without)."""
    if is_hub_snapshot(folder):
        return folder.name
    weights = _weights(folder)
    if not weights or not (folder / "config.json").is_file():
        return None
    digest = hashlib.sha256((folder / "config.json").read_bytes())
    for path in weights:
        stat = path.stat()
        digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def cache_root(folder: Path) -> Path:
    """Where the converted folders of the model in `folder` live."""
    if is_hub_snapshot(folder):
        return folder.parent.parent / "ctranslate2"
    return folder.with_name(folder.name + ".ctranslate2")


def cache_key(revision: str, quantization: str, version: str) -> str:
    """The folder name of one conversion."""
    return f"{revision[:16]}-{quantization}-ct2-{version}"


def _suffix(quantization: str, version: str) -> str:
    return f"-{quantization}-ct2-{version}"


def find_converted(folder: Path, quantization: str) -> Path | None:
    """The converted folder for the current source, quantization and CTranslate2, if built.

    With the Hugging Face weights gone (removed to save disk), a conversion for this
    quantization and CTranslate2 version still serves: a CTranslate2 folder is never missing.
    """
    root = cache_root(folder)
    version = ctranslate2_version()
    revision = source_revision(folder)
    if revision is not None:
        target = root / cache_key(revision, quantization, version)
        return target if (target / MODEL_FILE).is_file() else None
    if not root.is_dir():
        return None
    built = [
        path
        for path in root.iterdir()
        if path.name.endswith(_suffix(quantization, version)) and (path / MODEL_FILE).is_file()
    ]
    return max(built, key=lambda path: path.stat().st_mtime) if built else None


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def converter_quantization(quantization: str) -> str | None:
    """The converter's `quantization` argument: None keeps the weights' own precision."""
    return None if quantization == "none" else quantization


def convert(folder: Path, quantization: str, force: bool = False) -> Path:
    """Convert the Hugging Face model in `folder` (once); the converted folder."""
    version = ctranslate2_version()
    revision = source_revision(folder)
    if revision is None:
        existing = find_converted(folder, quantization)
        if existing is not None and not force:
            return existing
        raise ConversionError(f"{folder} has no config.json and weights to convert from")
    root = cache_root(folder)
    key = cache_key(revision, quantization, version)
    target = root / key
    with _locked(root):
        if (target / MODEL_FILE).is_file() and not force:
            return target
        for stale in root.glob(".tmp-*"):  # left by a conversion that crashed (we hold the lock)
            shutil.rmtree(stale, ignore_errors=True)
        staging = root / f".tmp-{key}-{os.getpid()}"
        _run_converter(folder, staging, quantization)
        note = {"source": str(folder), "revision": revision, "quantization": quantization}
        note["ctranslate2"] = version
        (staging / SOURCE_NOTE).write_text(json.dumps(note, indent=1) + "\n", encoding="utf-8")
        if target.exists():
            old = root / f".tmp-old-{key}-{os.getpid()}"
            target.rename(old)
            shutil.rmtree(old, ignore_errors=True)
        staging.rename(target)
        _prune(root, keep=key, quantization=quantization)
    log.info("converted %s to CTranslate2 (%s) in %s", folder, quantization, target)
    return target


def _prune(root: Path, keep: str, quantization: str) -> None:
    """Drop conversions of older revisions or CTranslate2 versions with this quantization."""
    for path in root.iterdir():
        if path.is_dir() and path.name != keep and f"-{quantization}-ct2-" in path.name:
            if not path.name.startswith("."):
                shutil.rmtree(path, ignore_errors=True)


def _run_converter(folder: Path, staging: Path, quantization: str) -> None:
    """CTranslate2's TransformersConverter, with our loader fixes registered."""
    try:
        from ctranslate2.converters import TransformersConverter

        import service.models.ct2_loaders  # noqa: F401  (registers the fixes)
    except ImportError as exc:
        raise ConversionError(f"ctranslate2 cannot be imported: {exc}") from exc
    try:
        TransformersConverter(str(folder)).convert(
            str(staging), quantization=converter_quantization(quantization), force=True
        )
    except Exception as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise ConversionError(
            f"CTranslate2 could not convert {folder}: {type(exc).__name__}: {exc}"
        ) from exc


def read_note(path: Path) -> dict[str, str]:
    """The note a conversion leaves in its folder: source, revision, quantization, version."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def convert_isolated(folder: Path, quantization: str) -> Path:
    """`convert` in a child process, unless already done.

    The converter loads the whole torch model; in a child, that peak (and what the allocator
    would keep of it) goes back to the system when it exits instead of staying in the worker.
    """
    existing = find_converted(folder, quantization)
    if existing is not None:
        return existing
    command = [sys.executable, "-m", "service.models.ct2_convert", str(folder), quantization]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        said = [line for line in result.stderr.splitlines() if line.startswith(_ERROR)]
        tail = [line for line in result.stderr.splitlines() if line.strip()][-1:]
        reason = said[-1].removeprefix(_ERROR) if said else " ".join(tail)
        raise ConversionError(reason or f"the converter exited with {result.returncode}")
    converted = find_converted(folder, quantization)
    if converted is None:
        raise ConversionError(f"the converter left no {quantization} conversion of {folder}")
    return converted


_ERROR = "tarjoman-convert: "


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m service.models.ct2_convert FOLDER QUANTIZATION`: what convert_isolated runs."""
    folder, quantization = argv if argv is not None else sys.argv[1:]
    try:
        print(convert(Path(folder), quantization))
    except ConversionError as exc:
        print(_ERROR + str(exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The tarjoman command: serve, and manage models."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from service.evalcommand import add_eval_command
from service.filecommands import add_file_commands
from service.models.registry import ModelSpec, Profile, load_profile, with_runtime
from service.models.runtimes import RuntimeConfig, Runtimes
from service.settings import PROJECT_ROOT, Settings, SettingsError, load_settings
from service.workercommand import add_worker_command


def _profile(settings: Settings, name: str | None) -> Profile:
    profile = load_profile(settings.models_file, name or settings.profile)
    return with_runtime(profile, settings.runtime, settings.quantization)


def _runtimes(settings: Settings) -> Runtimes:
    return Runtimes(RuntimeConfig(settings.device, settings.dtype, 1))


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Run gunicorn with the project's gunicorn.conf.py."""
    os.environ.setdefault("HOST", args.host)
    os.environ.setdefault("PORT", str(args.port))
    config = PROJECT_ROOT / "gunicorn.conf.py"
    os.execvp(sys.executable, [sys.executable, "-m", "gunicorn", "-c", str(config)])


def cmd_models_list(args: argparse.Namespace, settings: Settings) -> int:
    """Each model of the profile: present or missing, bytes on disk, licence."""
    profile = _profile(settings, args.profile)
    print(f"profile {profile.name}: {profile.description}  ({settings.models_dir})")
    if profile.notice:
        print(f"note: {profile.notice}")
    missing = 0
    runtimes = _runtimes(settings)
    for spec in profile.models:
        folder = runtimes.locate(spec, settings.models_dir)
        if folder is None:
            missing += 1
            state = f"{'missing':<8} {'':>14}"
        else:
            state = f"{'present':<8} {_folder_bytes(folder):>12,d} B"
            state += _conversion_state(spec, folder)
        tasks = ", ".join(str(t) for t in spec.tasks)
        gated = " (gated)" if spec.gated else ""
        print(f"{spec.name:<26} {state}  {spec.licence}{gated}  [{tasks}]")
    if missing:
        hints = sorted({spec.fetch_hint(profile.name) for spec in profile.models})
        print(f"{missing} missing; fetch with {' or '.join(hints)}")
    return 1 if args.check and missing else 0


def _conversion_state(spec: ModelSpec, folder: Path) -> str:
    """For a CTranslate2 model: whether it is converted for its quantization yet."""
    if spec.runtime != "ctranslate2":
        return ""
    from service.models import ct2_convert

    try:
        converted = ct2_convert.find_converted(folder, spec.quantization)
    except ct2_convert.ConversionError as exc:
        return f" ({exc})"
    return " (converted)" if converted else " (not converted: `tarjoman models convert`)"


def cmd_models_build_test(args: argparse.Namespace, settings: Settings) -> int:
    """Build the tiny models of the `tiny` profiles into the models folder."""
    sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
    import make_test_models

    return int(make_test_models.main(["--out", str(settings.models_dir)]))


def cmd_models_download(args: argparse.Namespace, settings: Settings) -> int:
    """Fetch the profile's hub models at their pinned revisions; skip what is already there."""
    from service.models.download import DownloadError, HubUnreachable, fetch

    profile = _profile(settings, args.profile)
    runtimes = _runtimes(settings)
    failed = 0
    for spec in profile.models:
        if spec.hub_id is None:
            print(f"{spec.name}: a local folder; build it with `tarjoman models build-test`")
            continue
        if (folder := runtimes.locate(spec, settings.models_dir)) is not None:
            print(f"{spec.name}: present")
            failed += not _prepare(runtimes, spec, folder)
            continue
        print(f"{spec.name}: downloading {spec.hub_id}@{spec.revision} into {settings.models_dir}")
        try:
            folder = fetch(spec, settings.models_dir, partial(runtimes.hub_files, spec))
        except HubUnreachable as exc:
            print(f"tarjoman: {spec.name}: {exc}; stopping", file=sys.stderr)
            return 1
        except DownloadError as exc:
            print(f"tarjoman: {spec.name}: {exc}", file=sys.stderr)
            failed += 1
            continue
        print(f"{spec.name}: done, {_folder_bytes(folder):,d} B in {folder}")
        failed += not _prepare(runtimes, spec, folder)
    return 1 if failed else 0


def _prepare(runtimes: Runtimes, spec: ModelSpec, folder: Path) -> bool:
    """Make a present model loadable by its runtime (CTranslate2 converts); False on failure."""
    from service.errors import ModelNotReady

    if spec.runtime == "ctranslate2":
        print(f"{spec.name}: converting for CTranslate2 ({spec.quantization}) if not done yet")
    try:
        runtimes.prepare(spec, folder)
    except ModelNotReady as exc:
        print(f"tarjoman: {exc.message}", file=sys.stderr)
        return False
    return True


def cmd_models_convert(args: argparse.Namespace, settings: Settings) -> int:
    """Convert the profile's models for their runtime (CTranslate2), once per revision."""
    profile = _profile(settings, args.profile)
    runtimes = _runtimes(settings)
    failed = 0
    for spec in profile.models:
        if args.model and spec.name not in args.model:
            continue
        folder = runtimes.locate(spec, settings.models_dir)
        if folder is None:
            print(
                f"tarjoman: {spec.missing_reason(settings.models_dir, profile.name)}",
                file=sys.stderr,
            )
            failed += 1
        elif _prepare(runtimes, spec, folder):
            print(f"{spec.name}: ready for {spec.runtime} ({spec.quantization})")
        else:
            failed += 1
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="tarjoman", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP service under gunicorn")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(run=cmd_serve)
    add_file_commands(commands)
    add_worker_command(commands)
    add_eval_command(commands)

    models = commands.add_parser("models", help="list, download or build models")
    models_commands = models.add_subparsers(dest="models_command", required=True)
    listing = models_commands.add_parser("list", help="present or missing, bytes, licence")
    listing.add_argument("--profile")
    listing.add_argument("--check", action="store_true", help="exit 1 when a model is missing")
    listing.set_defaults(run=cmd_models_list)
    download = models_commands.add_parser("download", help="fetch the profile's weights")
    download.add_argument("--profile")
    download.set_defaults(run=cmd_models_download)
    convert = models_commands.add_parser(
        "convert", help="convert the profile's models for their runtime (CTranslate2)"
    )
    convert.add_argument("--profile")
    convert.add_argument("--model", action="append", help="only this model (repeatable)")
    convert.set_defaults(run=cmd_models_convert)
    build = models_commands.add_parser("build-test", help="build the tiny demo/test models")
    build.set_defaults(run=cmd_models_build_test)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the tarjoman command."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"tarjoman: {exc}", file=sys.stderr)
        return 2
    result: int = args.run(args, settings)
    return result

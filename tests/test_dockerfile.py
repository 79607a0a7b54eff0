"""The Dockerfile, checked without a Docker engine: install script, files, user, probe, models."""

from __future__ import annotations

import json
import re
import shlex
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from werkzeug.serving import make_server

from service.cli import build_parser
from service.settings import PROJECT_ROOT

Instruction = tuple[str, str]


def instructions() -> list[Instruction]:
    """(KEYWORD, arguments) of each Dockerfile instruction, continuation lines joined."""
    text = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")
    joined = re.sub(r"\\\n", " ", text)
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            result.append((keyword.upper(), " ".join(rest.split())))
    return result


def stages() -> dict[str, list[Instruction]]:
    """Instructions by stage name."""
    found: dict[str, list[Instruction]] = {}
    current: list[Instruction] = []
    for keyword, rest in instructions():
        if keyword == "FROM":
            current = found.setdefault(rest.split(" AS ")[-1], [])
        current.append((keyword, rest))
    return found


def test_dependencies_come_from_the_script_ci_runs() -> None:
    runs = [rest for keyword, rest in stages()["build"] if keyword == "RUN"]
    assert runs == ["scripts/setup"]
    assert "pip install" not in (PROJECT_ROOT / "Dockerfile").read_text()
    assert "scripts/test" in (PROJECT_ROOT / ".ci/run").read_text()
    assert "scripts/setup" in (PROJECT_ROOT / "scripts/test").read_text()
    assert subprocess.run(["bash", "-n", str(PROJECT_ROOT / "scripts/setup")]).returncode == 0


def test_the_image_installs_the_service_without_dev_tools() -> None:
    env = " ".join(rest for keyword, rest in stages()["build"] if keyword == "ENV")
    assert "TARJOMAN_EXTRAS=none" in env
    assert '[ "$EXTRAS" = none ] && spec="."' in (PROJECT_ROOT / "scripts/setup").read_text()


def test_every_copied_path_exists_and_is_not_ignored() -> None:
    ignored = {
        line.strip()
        for line in (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", ".cache", "models", ".git"} <= ignored
    copies = [rest for keyword, rest in instructions() if keyword == "COPY"]
    sources = [s for c in copies if "--from=" not in c for s in c.split()[:-1]]
    assert sources
    for source in sources:
        assert (PROJECT_ROOT / source).exists(), source
        assert source.rstrip("/") not in ignored, source


def test_runs_as_a_user_that_is_not_root() -> None:
    runtime = stages()["runtime"]
    users = [rest for keyword, rest in runtime if keyword == "USER"]
    assert users
    assert users[-1] not in ("root", "0")
    assert any(
        keyword == "RUN" and "useradd" in rest and users[-1] in rest for keyword, rest in runtime
    )


def test_runtime_is_offline_and_keeps_models_in_a_volume() -> None:
    runtime = stages()["runtime"]
    env = " ".join(rest for keyword, rest in runtime if keyword == "ENV")
    assert "HF_HUB_OFFLINE=1" in env
    assert "TARJOMAN_MODELS_DIR=/models" in env
    assert ("VOLUME", '["/models"]') in runtime
    assert ("VOLUME", '["/data"]') in runtime  # DeepL glossaries and usage, translated files
    assert runtime[-1] == ("CMD", '["tarjoman", "serve"]')


def test_baking_models_runs_the_download_command_at_the_pinned_revisions() -> None:
    models = stages()["models"]
    assert ("ARG", "BAKE_MODELS=0") in models
    (run,) = [rest for keyword, rest in models if keyword == "RUN"]
    command = run[run.index("/app/.venv/bin/tarjoman") :].split(";")[0]
    argv = shlex.split(command.replace('"$PROFILE"', "default"))[1:]
    args = build_parser().parse_args(argv)
    assert (args.command, args.models_command, args.profile) == ("models", "download", "default")


@pytest.fixture
def live_app(app: Flask) -> Iterator[int]:
    """The app served on a free loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.port
    server.shutdown()


def healthcheck(port: int) -> int:
    """Run the HEALTHCHECK command of the Dockerfile against a port; its exit status."""
    (rest,) = [rest for keyword, rest in instructions() if keyword == "HEALTHCHECK"]
    argv = json.loads(rest[rest.index("CMD ") + 4 :])
    assert argv[0] == "python"
    assert "/livez" in argv[-1]
    argv = [sys.executable, *argv[1:-1], argv[-1].replace(":8000/", f":{port}/")]
    return subprocess.run(argv, capture_output=True, timeout=30).returncode


def test_the_healthcheck_passes_on_a_live_service(live_app: int) -> None:
    assert healthcheck(live_app) == 0


def test_the_healthcheck_fails_when_nothing_answers() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert healthcheck(port) != 0

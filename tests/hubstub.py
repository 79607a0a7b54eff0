"""A stand-in for the Hugging Face hub on 127.0.0.1: tree listings and file downloads."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

# Called with (repo, commit, path, handler); returns True when it answered the request itself.
Hook = Callable[[str, str, str, "Handler"], bool]


@dataclass
class Repo:
    """One repository: commits by SHA, each a mapping of path to bytes; branch names to SHAs."""

    commits: dict[str, dict[str, bytes]]
    refs: dict[str, str] = field(default_factory=dict)
    gated: bool = False


@dataclass
class Hub:
    """The repositories served, the requests seen and optional per-file hooks."""

    repos: dict[str, Repo] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    hooks: list[Hook] = field(default_factory=list)
    token: str = "hf_test_token"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def gets(self, repo: str) -> list[str]:
        """Paths of the files fetched with GET from `repo`, in order."""
        prefix = f"/{repo}/resolve/"
        return [
            path[len(prefix) :].split("/", 1)[1]
            for method, path, _ in self.requests
            if method == "GET" and path.startswith(prefix)
        ]


def folder_files(folder: Path) -> dict[str, bytes]:
    """Every file of a folder, by relative path."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


class Handler(BaseHTTPRequestHandler):
    """Answers the few endpoints huggingface_hub's snapshot_download calls."""

    hub: Hub
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _record(self) -> str:
        path = unquote(urlparse(self.path).path)
        with self.hub.lock:
            self.hub.requests.append((self.command, path, dict(self.headers.items())))
        return path

    def _error(self, status: int, code: str, message: str) -> None:
        body = json.dumps({"error": message}).encode()
        self.send_response(status)
        self.send_header("X-Error-Code", code)
        self.send_header("X-Error-Message", message)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":  # a body after a HEAD answer reads as the next status line
            self.wfile.write(body)

    def _json(self, payload: object) -> None:
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _resolve(self, repo_id: str, rev: str) -> tuple[Repo, str] | None:
        repo = self.hub.repos.get(repo_id)
        if repo is None:
            self._error(404, "RepoNotFound", f"Repository not found: {repo_id}")
            return None
        commit = repo.refs.get(rev, rev)
        if commit not in repo.commits:
            self._error(404, "RevisionNotFound", f"Invalid rev id: {rev}")
            return None
        return repo, commit

    def _authorized(self, repo: Repo) -> bool:
        if not repo.gated or self.headers.get("Authorization") == f"Bearer {self.hub.token}":
            return True
        self._error(401, "GatedRepo", "Access to this model is restricted.")
        return False

    def do_GET(self) -> None:
        """Tree listings, repo info and file bodies."""
        self._serve(body=True)

    def do_HEAD(self) -> None:
        """File metadata."""
        self._serve(body=False)

    def _serve(self, body: bool) -> None:
        path = self._record()
        parts = path.strip("/").split("/")
        if parts[:2] == ["api", "models"] and len(parts) >= 6 and parts[4] in ("tree", "revision"):
            found = self._resolve("/".join(parts[2:4]), parts[5])
            if found is None:
                return
            repo, commit = found
            if parts[4] == "revision":
                siblings = [{"rfilename": name} for name in repo.commits[commit]]
                self._json({"id": "/".join(parts[2:4]), "sha": commit, "siblings": siblings})
                return
            self._json([_entry(name, data) for name, data in sorted(repo.commits[commit].items())])
            return
        if len(parts) >= 5 and parts[2] == "resolve":
            repo_id, rev, name = "/".join(parts[:2]), parts[3], "/".join(parts[4:])
            found = self._resolve(repo_id, rev)
            if found is None:
                return
            repo, commit = found
            if not self._authorized(repo):
                return
            data = repo.commits[commit].get(name)
            if data is None:
                self._error(404, "EntryNotFound", f"{name} does not exist")
                return
            for hook in self.hub.hooks:
                if hook(repo_id, commit, name, self):
                    return
            self.send_file(data, commit, body)
            return
        self._error(404, "NotFound", path)

    def send_file(self, data: bytes, commit: str, body: bool, cut_at: int | None = None) -> None:
        """Send a file, honouring Range; with cut_at, stop after that many bytes and hang up."""
        start = 0
        spec = self.headers.get("Range", "")
        if spec.startswith("bytes="):
            start = int(spec[len("bytes=") :].split("-")[0])
        self.send_response(206 if start else 200)
        self.send_header("X-Repo-Commit", commit)
        self.send_header("ETag", f'"{hashlib.sha256(data).hexdigest()}"')
        self.send_header("Content-Length", str(len(data) - start))
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        if not body:
            return
        end = len(data) if cut_at is None else cut_at
        self.wfile.write(data[start:end])
        self.wfile.flush()
        if cut_at is not None:
            self.close_connection = True


def _entry(name: str, data: bytes) -> dict[str, object]:
    blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    entry: dict[str, object] = {"type": "file", "oid": blob, "size": len(data), "path": name}
    if name.endswith((".safetensors", ".bin", ".h5", ".msgpack", ".ot", ".onnx", ".model")):
        sha = hashlib.sha256(data).hexdigest()
        entry["lfs"] = {"oid": sha, "size": len(data), "pointerSize": 134}
    return entry


class QuietServer(ThreadingHTTPServer):
    """A client hanging up mid-response (as the tests make it do) is not worth a traceback."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Say nothing: stderr belongs to the command under test."""


def serve(hub: Hub) -> tuple[ThreadingHTTPServer, str]:
    """Start the stand-in on a free loopback port; returns the server and its URL."""
    handler = type("BoundHandler", (Handler,), {"hub": hub})
    server = QuietServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"

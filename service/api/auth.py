"""API keys: optional, sent as `Authorization: Bearer`, compared in constant time, never logged."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from flask import Flask, Response, g, request

from service.api import access
from service.api.payload import request_field
from service.errors import Forbidden, NotFound, Unauthorized
from service.settings import Settings, SettingsError


@dataclass(frozen=True)
class KeyRing:
    """The configured keys, as bytes for hmac.compare_digest."""

    keys: tuple[bytes, ...]

    @property
    def required(self) -> bool:
        """True when at least one key is configured."""
        return bool(self.keys)

    def matches(self, candidate: str) -> bool:
        """True when candidate is a key; every key is compared, so timing tells nothing."""
        given = candidate.encode("utf-8", "surrogatepass")
        found = False
        for key in self.keys:
            found |= hmac.compare_digest(given, key)
        return found


def load_keys(settings: Settings) -> KeyRing:
    """Keys from TARJOMAN_API_KEYS and the lines of TARJOMAN_API_KEYS_FILE."""
    keys = [secret.get_secret_value() for secret in settings.api_keys]
    if settings.api_keys_file is not None:
        try:
            lines = settings.api_keys_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise SettingsError(f"TARJOMAN_API_KEYS_FILE: cannot read it: {exc.strerror}") from None
        keys += [
            line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")
        ]
    return KeyRing(tuple(key.encode("utf-8") for key in keys if key))


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer …` header, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def deepl_auth_key() -> str | None:
    """The key of an `Authorization: DeepL-Auth-Key …` header (DeepL's scheme), if any."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "deepl-auth-key" or not token.strip():
        return None
    return token.strip()


def _sent_key() -> str | None:
    """The key this request sent: the Bearer header; `DeepL-Auth-Key` on the DeepL surface;
    `api_key` on the LibreTranslate surface."""
    token = bearer_token()
    if token is not None:
        return token
    if request.blueprint == "deepl":
        return deepl_auth_key()
    if request.blueprint == "compat":
        return request_field("api_key")
    return None


def client_key_id(ring: KeyRing) -> str | None:
    """A stable, non-reversible id of the valid key sent (for rate-limit buckets), else None."""
    if "tarjoman_key_id" in g:
        cached: str | None = g.tarjoman_key_id
        return cached
    sent = _sent_key()
    key_id = None
    if sent is not None and ring.matches(sent):
        key_id = "key:" + hashlib.sha256(sent.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    g.tarjoman_key_id = key_id
    return key_id


def install(app: Flask, ring: KeyRing) -> None:
    """Refuse protected requests without a valid key: 401 when none is sent, 403 when wrong."""
    app.extensions["tarjoman.keys"] = ring
    if not ring.required:
        return

    @app.before_request
    def _check_key() -> None:
        # Preflights carry no credentials; every routed endpoint off the public list needs a key.
        if request.method == "OPTIONS" or not access.needs_key(request.endpoint):
            return
        if client_key_id(ring) is not None:
            return
        if _sent_key() is None:
            raise Unauthorized(
                "an API key is required: send `Authorization: Bearer <key>`",
            )
        raise Forbidden("the API key is not valid")

    @app.after_request
    def _challenge(response: Response) -> Response:
        # RFC 6750: a 401 names the scheme the client should use.
        if response.status_code == 401:
            response.headers.setdefault("WWW-Authenticate", 'Bearer realm="tarjoman"')
        return response


def _metrics_check(settings: Settings, path: str) -> None:
    """404 when /metrics is off; with a token set, 401 without it and 403 with a wrong one."""
    if not settings.metrics:
        raise NotFound(f"{path} is turned off (TARJOMAN_METRICS)")
    if settings.metrics_token is None:
        return
    token = bearer_token()
    if token is None:
        raise Unauthorized("/metrics needs `Authorization: Bearer <TARJOMAN_METRICS_TOKEN>`")
    expected = settings.metrics_token.get_secret_value().encode("utf-8")
    if not hmac.compare_digest(token.encode("utf-8", "surrogatepass"), expected):
        raise Forbidden("the metrics token is not valid")


def guard_metrics(app: Flask, settings: Settings) -> None:
    """Switch /metrics off or behind a token, keyed on the path so any metrics view is covered."""
    if settings.metrics and settings.metrics_token is None:
        return

    @app.before_request
    def _check_metrics() -> None:
        if request.path.rstrip("/") == "/metrics":
            _metrics_check(settings, request.path)

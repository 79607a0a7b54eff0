"""Fetch a profile's hub weights into the Hugging Face cache layout, at pinned revisions."""

# Which files to fetch is the runtime's choice (a `pick` function from its backend).
# huggingface_hub skips files already complete in the cache and resumes a transfer cut
# mid-file, so a rerun after an interruption fetches only what is missing.

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from service.models.registry import ModelSpec

class DownloadError(RuntimeError):
    """A model could not be fetched; the message says why and what to do."""


class HubUnreachable(DownloadError):
    """No connection to the hub at all: the other models of a profile would fail the same way."""


def _gated_message(spec: ModelSpec, token: str | None) -> str:
    url = f"https://huggingface.co/{spec.hub_id}"
    if token:
        return (
            f"{spec.hub_id} is gated and the token in HF_TOKEN has no access to it: sign in at "
            f"{url} with that account and accept the model's terms, then run this again"
        )
    return (
        f"{spec.hub_id} is gated: sign in at {url}, accept the model's terms, create a read "
        "token at https://huggingface.co/settings/tokens and run this again with HF_TOKEN=<token>"
    )


Pick = Callable[[Iterable[str]], list[str]]


def fetch(spec: ModelSpec, models_dir: Path, pick: Pick) -> Path:
    """Download `spec` at its pinned revision into models_dir (Hugging Face cache layout).

    `pick` chooses the files of the repository listing that the model's runtime needs.
    """
    import httpx2
    from huggingface_hub import HfApi, snapshot_download
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )
    from huggingface_hub.constants import is_offline_mode

    if spec.hub_id is None:
        raise DownloadError(f"{spec.name} is a local folder, not a hub model")
    if is_offline_mode():
        raise DownloadError("HF_HUB_OFFLINE is set: unset it to download models")
    # Read at call time (huggingface_hub reads HF_ENDPOINT once, at import).
    endpoint = os.environ.get("HF_ENDPOINT") or None
    token = os.environ.get("HF_TOKEN") or None
    revision = spec.revision or "main"
    try:
        api = HfApi(endpoint=endpoint, token=token)
        try:
            wanted = pick(api.list_repo_files(spec.hub_id, revision=revision))
        except ValueError as exc:
            raise DownloadError(str(exc)) from exc
        folder = snapshot_download(
            spec.hub_id,
            revision=revision,
            cache_dir=models_dir,
            allow_patterns=wanted,
            endpoint=endpoint,
            token=token,
        )
    except GatedRepoError as exc:
        raise DownloadError(_gated_message(spec, token)) from exc
    except RevisionNotFoundError as exc:
        raise DownloadError(f"{spec.hub_id} has no revision {revision!r}") from exc
    except RepositoryNotFoundError as exc:
        raise DownloadError(
            f"{spec.hub_id} was not found (or is private and HF_TOKEN gives no access)"
        ) from exc
    except HfHubHTTPError as exc:
        raise DownloadError(f"the hub refused {spec.hub_id}: {exc}") from exc
    except httpx2.TransportError as exc:  # refused, DNS, timeouts, after the hub's own retries
        where = endpoint or "https://huggingface.co"
        raise HubUnreachable(f"could not reach the hub at {where} for {spec.hub_id}: {exc}") from exc
    except (OSError, httpx2.HTTPError) as exc:  # disk full, a transfer cut past its retries
        raise DownloadError(f"could not fetch {spec.hub_id}: {exc}") from exc
    return Path(folder)

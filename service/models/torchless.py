"""Keep torch out of a process whose models all run on CTranslate2 (about 200 MB of RSS)."""

# transformers imports torch whenever it is installed, even for a tokenizer, and torch alone
# takes about 200 MB of a worker's memory. A `None` in sys.modules makes `import torch` fail and
# `importlib.util.find_spec("torch")` answer None, so transformers, imported afterwards, finds
# no torch and loads tokenizers only (every family's tokenizer works without it; the
# conformance tests check the ids). Conversion to CTranslate2 needs torch: it runs in a child
# process (ct2_convert.convert_isolated), which starts with a clean sys.modules.

from __future__ import annotations

import logging
import os
import sys

from service.models.registry import Profile

log = logging.getLogger(__name__)


def needs_torch(profile: Profile, runtime: str = "") -> bool:
    """Whether any model of the profile runs on torch (`runtime`: TARJOMAN_RUNTIME, if set)."""
    return any((runtime or spec.runtime) == "torch" for spec in profile.models)


def torch_left_out() -> bool:
    """Whether this process has made torch unimportable."""
    return "torch" in sys.modules and sys.modules["torch"] is None


def keep_torch_out(profile: Profile, runtime: str = "") -> bool:
    """Make torch unimportable here when no model of `profile` needs it; True when it is out.

    Takes effect only before torch or transformers is imported (transformers decides once
    whether torch is there); otherwise it changes nothing and says so in the log.
    """
    return not needs_torch(profile, runtime) and leave_torch_out()


def leave_torch_out() -> bool:
    """Make torch unimportable here, unless torch or transformers is imported already."""
    if torch_left_out():
        return True
    if "torch" in sys.modules or "transformers" in sys.modules:
        log.info("torch is already imported here: it stays (the profile does not need it)")
        return False
    sys.modules["torch"] = None  # type: ignore[assignment]
    # transformers would advise that "models won't be available": true, and meant.
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    log.info("torch is left out of this process: no model here runs on it")
    return True

"""Start-up checks of the settings against the models file and profile they name."""

from __future__ import annotations

import tomllib

from service.models.registry import Profile, load_profile
from service.settings import Settings, SettingsError


def checked_profile(settings: Settings) -> Profile:
    """The profile settings name, or a SettingsError naming the variable and the file."""
    path = settings.models_file
    try:
        profile = load_profile(path, settings.profile)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise SettingsError(f"TARJOMAN_MODELS_FILE: cannot read {path}: {reason}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"TARJOMAN_MODELS_FILE: {path} is not valid TOML: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        if str(exc).startswith("no profile"):
            raise SettingsError(f"TARJOMAN_PROFILE: {exc} (TARJOMAN_MODELS_FILE)") from None
        problem = f"TARJOMAN_MODELS_FILE: a model entry in {path} is bad: {exc}"
        raise SettingsError(problem) from None
    check_preload(settings, profile)
    return profile


def check_preload(settings: Settings, profile: Profile) -> None:
    """Every TARJOMAN_PRELOAD name is a model of the profile (or `all`)."""
    known = [spec.name for spec in profile.models]
    unknown = [name for name in settings.preload if name != "all" and name not in known]
    if unknown:
        raise SettingsError(
            f"TARJOMAN_PRELOAD: {', '.join(map(repr, unknown))} "
            f"{'is not a model' if len(unknown) == 1 else 'are not models'} of profile "
            f"{profile.name!r} (TARJOMAN_PROFILE); the known names are: "
            f"{', '.join(known) or 'none'}, or `all`"
        )

"""Where ``idgate login`` keeps the operator's tokens.

One JSON file, ``credentials.json``, in the user's config directory:
``$IDGATE_CONFIG_DIR`` (tests, scripts), else ``$XDG_CONFIG_HOME/idgate``, else
``~/.config/idgate``. The directory is 0700 and the file 0600 from the moment it exists:
it is created with ``os.open(..., 0o600)`` under a fresh name and renamed into place, so
the tokens are never readable by anyone else, not even for an instant.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

FILE_NAME = "credentials.json"


@dataclass(frozen=True)
class Credentials:
    url: str
    access_token: str
    refresh_token: str | None
    expires_at: float


class CredentialsError(Exception):
    """The credentials file exists but cannot be read or is not ours."""


def config_dir() -> Path:
    override = os.environ.get("IDGATE_CONFIG_DIR")
    if override:
        return Path(override)
    xdg = os.environ.get("XDG_CONFIG_HOME")
    base = Path(xdg) if xdg else Path.home() / ".config"
    return base / "idgate"


def credentials_path() -> Path:
    return config_dir() / FILE_NAME


def load() -> Credentials | None:
    """The stored credentials, or None when not logged in."""
    path = credentials_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return Credentials(
            url=str(raw["url"]),
            access_token=str(raw["access_token"]),
            refresh_token=str(raw["refresh_token"]) if raw.get("refresh_token") else None,
            expires_at=float(raw.get("expires_at") or 0),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CredentialsError(
            f"cannot read {path}; remove it and run `idgate login --url URL`"
        ) from exc


def save(credentials: Credentials) -> Path:
    """Write the credentials atomically, 0600 in a 0700 directory."""
    directory = config_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(OSError):  # a directory we did not create: tighten if ours
        os.chmod(directory, 0o700)
    path = directory / FILE_NAME
    temporary = directory / f".{FILE_NAME}.{os.getpid()}.tmp"
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(asdict(credentials), handle, indent=2)
            handle.write("\n")
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    return path


def delete() -> bool:
    """Remove the credentials file; False when there was none."""
    try:
        credentials_path().unlink()
    except FileNotFoundError:
        return False
    return True

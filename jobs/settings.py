"""Where the job keeps things: folders and their environment overrides."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "digest"


def cache_dir() -> Path:
    """The user's cache folder for digest (`DIGEST_CACHE_DIR` overrides), created on demand."""
    path = Path(os.environ.get("DIGEST_CACHE_DIR") or platformdirs.user_cache_dir(APP_NAME))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_models_dir() -> Path:
    """Installed translation models: `DIGEST_MODELS_DIR`, else `./lang_models`."""
    return Path(os.environ.get("DIGEST_MODELS_DIR") or "lang_models")

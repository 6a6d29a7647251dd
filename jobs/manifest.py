"""What has been done: the content hash of each batch's input when its output was written."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .writing import write_json

MANIFEST_NAME = ".digest-manifest.json"


def content_hash(data: bytes) -> str:
    """The hash that decides whether an input changed (SHA-256 of its bytes)."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass
class Manifest:
    """Per batch: the input's hash, path and counts at the time its output was completed."""

    path: Path
    batches: dict[str, dict[str, Any]] = field(default_factory=dict)
    problem: str | None = None  # why an existing manifest could not be used

    @classmethod
    def load(cls, output_dir: Path) -> Manifest:
        """Read the manifest; a missing or corrupt one means no batch is known to be done."""
        path = output_dir / MANIFEST_NAME
        try:
            batches = json.loads(path.read_text(encoding="utf-8"))["batches"]
            if not isinstance(batches, dict):
                raise TypeError("'batches' is not an object")
        except FileNotFoundError:
            return cls(path)
        except (ValueError, KeyError, TypeError) as error:
            return cls(path, problem=f"{path} is unreadable ({error}); every batch will be redone")
        return cls(path, batches)

    def is_done(self, batch: str, input_hash: str, output: Path) -> bool:
        """Whether the batch's output exists and was made from these exact input bytes."""
        entry = self.batches.get(batch)
        return entry is not None and entry.get("input_hash") == input_hash and output.exists()

    def mark_done(self, batch: str, input_hash: str, source: Path, records: int, errors: int) -> None:
        """Record a completed batch and save the manifest atomically."""
        self.batches[batch] = {
            "input": str(source),
            "input_hash": input_hash,
            "records": records,
            "errors": errors,
            "completed": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        write_json(self.path, {"version": 1, "batches": self.batches})

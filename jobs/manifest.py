"""What has been done: per batch, the hash of its input and of every output file it wrote.

A batch is skipped only while its input is unchanged and every output it wrote is still there
with the size and SHA-256 it was written with: an output that was truncated, emptied or deleted
since (or its errors file gone) gets the batch redone. It also keeps the input files that were
links to digest's own outputs, so that they stay skipped once digest has replaced those outputs.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .layout import MANIFEST_NAME, batch_outputs
from .writing import open_regular, write_json

MANIFEST_VERSION = 2
_CHUNK = 1 << 20
#: A file as it stands: device, inode, size and modification time (ns).
Stamp = tuple[int, int, int, int]
#: Input files that were links to digest's outputs, by stamp, with their absolute paths where they can be written.
OwnCopies = dict[Stamp, str | None]


class ContentHash:
    """The hash that decides whether an input changed (SHA-256 of its bytes), fed a block at a time."""

    def __init__(self) -> None:
        self._digest = hashlib.sha256()

    def update(self, block: bytes) -> None:
        self._digest.update(block)

    def text(self) -> str:
        """The hash as the manifest records it."""
        return "sha256:" + self._digest.hexdigest()


def content_hash(data: bytes | Iterable[bytes]) -> str:
    """The `ContentHash` of bytes given whole or in blocks."""
    digest = ContentHash()
    for block in [data] if isinstance(data, bytes) else data:
        digest.update(block)
    return digest.text()


def file_fingerprint(path: Path) -> dict[str, Any]:
    """Size and SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with open_regular(path) as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {"size": size, "sha256": digest.hexdigest()}


def _is_entry(value: Any) -> bool:
    """Whether a manifest entry has the shape this version writes."""
    outputs = value.get("outputs") if isinstance(value, dict) else None
    return (
        isinstance(value, dict)
        and isinstance(value.get("input_hash"), str)
        and isinstance(outputs, dict)
        and all(
            isinstance(name, str)
            and isinstance(print_, dict)
            and isinstance(print_.get("size"), int)
            and isinstance(print_.get("sha256"), str)
            for name, print_ in outputs.items()
        )
    )


@dataclass
class Manifest:
    """Per batch: the input's hash and path, what was written, and counts, when it was completed."""

    path: Path
    batches: dict[str, dict[str, Any]] = field(default_factory=dict)
    problem: str | None = None  # why (part of) an existing manifest could not be used
    #: Input files that were hard links to digest's own outputs when a run skipped them: one is
    #: all that is left of an output digest has since replaced, and is skipped until it changes.
    own_copies: OwnCopies = field(default_factory=dict)
    #: The mail outbox (`jobs/mail/outbox.py`): the record ids queued for mail by batch (`queued`), and
    #: those each address is still owed (`pending`); saved with the batches, in the same atomic write.
    mail: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, output_dir: Path) -> Manifest:
        """Read the manifest; a missing or corrupt one, or entry, means that batch is not known to be done."""
        path = output_dir / MANIFEST_NAME
        try:
            with open_regular(path) as handle:
                content = json.loads(handle.read().decode("utf-8"))
            batches = content["batches"]
            if not isinstance(batches, dict):
                raise TypeError("'batches' is not an object")
            copies = content.get("own_copies", [])
            mail = _mail_state(content.get("mail"))
        except FileNotFoundError:
            return cls(path)
        except (OSError, ValueError, KeyError, TypeError, RecursionError) as error:
            return cls(path, problem=f"{path} is unreadable ({error}); every batch will be redone")
        bad = sorted(name for name, entry in batches.items() if not _is_entry(entry))
        kept = {name: entry for name, entry in batches.items() if name not in bad}
        problem = None
        if bad:
            problem = (
                f"{path}: ignored {len(bad)} entr{'y' if len(bad) == 1 else 'ies'} of an unknown shape "
                f"({', '.join(repr(name) for name in bad[:5])}{', ...' if len(bad) > 5 else ''}); "
                "those batches will be redone"
            )
        return cls(path, kept, problem, _own_copies(copies), mail)

    def is_done(self, batch: str, input_hash: str) -> bool:
        """Whether the batch was made from these exact input bytes and its outputs are as written.

        Only the batch's own two files are looked at, whatever names the manifest holds: it is a
        file in the output folder, and anyone who can write there could point it elsewhere.
        """
        entry = self.batches.get(batch)
        if entry is None or entry["input_hash"] != input_hash:
            return False
        records, errors = (path.name for path in batch_outputs(self.path.parent, batch))
        outputs = entry["outputs"]
        if records not in outputs or not set(outputs) <= {records, errors}:
            return False
        return all(_unchanged(self.path.parent / name, recorded) for name, recorded in outputs.items())

    def mark_done(
        self, batch: str, input_hash: str, source: Path, outputs: Iterable[Path], records: int, errors: int
    ) -> None:
        """Record a completed batch with the fingerprints of the files it wrote; save atomically."""
        self.batches[batch] = {
            "input": str(source),
            "input_hash": input_hash,
            "outputs": {path.name: file_fingerprint(path) for path in outputs},
            "records": records,
            "errors": errors,
            "completed": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        self._save()

    def keep_own_copies(self, copies: OwnCopies) -> None:
        """Remember these input files, links to digest's outputs (saved if they changed)."""
        if copies != self.own_copies:
            self.own_copies = dict(copies)
            self._save()

    def save(self) -> None:
        """Write the manifest as it is now (atomically): what mail was sent."""
        self._save()

    def _save(self) -> None:
        content: dict[str, Any] = {"version": MANIFEST_VERSION, "batches": self.batches}
        if self.mail:
            content["mail"] = self.mail
        if self.own_copies:
            content["own_copies"] = [
                [*stamp, where] if where is not None else list(stamp)
                for stamp, where in sorted(self.own_copies.items())
            ]
        write_json(self.path, content)


def _own_copies(value: Any) -> OwnCopies:
    """A manifest's `own_copies`, each `[device, inode, size, mtime, path]` (or without the path); none from a
    value of another shape, nor the entries of another shape (nothing is skipped for them)."""
    if not isinstance(value, list):
        return {}
    return {
        (item[0], item[1], item[2], item[3]): item[4] if len(item) == 5 else None
        for item in value
        if isinstance(item, list)
        and len(item) in (4, 5)
        and all(type(number) is int for number in item[:4])
        and (len(item) == 4 or isinstance(item[4], str))
    }


#: What no batch's name holds (it is an input file's name, without its suffix).
_ELSEWHERE = re.compile(r"[/\\\x00]")


def _mail_state(value: Any) -> dict[str, Any]:
    """A manifest's mail outbox, by recipient list: `{"queued": {list: {batch: [id]}}, "pending": {list: {address:
    {batch: [id]}}}}`; the parts of another shape are dropped (what they held is neither queued nor owed)."""
    if not isinstance(value, dict):
        return {}

    def table(found: Any, depth: int) -> dict[str, Any]:
        if not isinstance(found, dict):
            return {}
        if depth == 0:  # by batch: a name that is not one file's (`../x`) would lead out of the output folder
            return {
                key: ids
                for key, ids in found.items()
                if isinstance(ids, list) and all(isinstance(item, str) for item in ids) and not _ELSEWHERE.search(key)
            }
        return {key: table(inner, depth - 1) for key, inner in found.items()}

    return {"queued": table(value.get("queued"), 1), "pending": table(value.get("pending"), 2)}


def _unchanged(path: Path, recorded: dict[str, Any]) -> bool:
    try:
        if path.is_symlink() or path.stat().st_size != recorded["size"]:
            return False
        return file_fingerprint(path)["sha256"] == recorded["sha256"]  # not a FIFO: open_regular
    except OSError:
        return False

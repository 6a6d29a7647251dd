"""The same paper in several batches (people export overlapping searches every week): recognised
by its DOI, else its title, journal, year and issue (`citation.paper_keys`), it is one index entry and one
feed entry, and each of its batch pages says where else it is ("also in ...").

Where this knowledge lives: it is computed at render time from the batch JSONL files of the output
folder, never stored. The JSONL files are the single source of the pages (a batch redone replaces
its file, a batch removed takes its file with it, a batch copied in brings its own), so what is
computed from them is right for the folder as it is, after any rerun, redo or removal, with no
second record to fall out of step: the manifest records the inputs a run processed, and knows
nothing of a batch file copied in or deleted by hand. Each batch page carries a hash of its
"also in" links beside its sources key (`Papers.links_key`), so that a page whose links change
because another batch came or went is rebuilt with them.

A title, journal and year that records with different DOIs share is no paper's: a journal's
notices ("征稿简则", "本刊启事") come out under one title in every issue, each with its own DOI.

A paper's first occurrence (the oldest batch, then the batch name, then its place in the batch) is
the one the index and the feed show.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import RenderError
from ..layout import HTML_SUFFIX
from ..messages import Warn
from .batch import Occurrence, batch_date, batch_files, batch_name, iter_paper_keys, page_of, page_path
from .sources import sources_fingerprint

#: The links key of a batch none of whose papers is anywhere else.
NO_LINKS = "0" * 12


class Papers:
    """Every paper of an output folder's batches, and where each one is."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}  # union-find over the keys: records sharing a key are one paper
        self._records: list[tuple[Occurrence, tuple[str, ...]]] = []
        self._by_batch: dict[str, list[Occurrence]] = {}
        self._keys: dict[tuple[str, str], tuple[str, ...]] = {}
        self._groups: dict[tuple[str, str], list[Occurrence]] | None = None

    @classmethod
    def of_folder(cls, output_dir: Path, warn: Warn | None = None, paths: Iterable[Path] | None = None) -> Papers:
        """The papers of every batch in `output_dir` (or of `paths`); a batch that cannot be read is left out."""
        papers = cls()
        for path in batch_files(output_dir) if paths is None else paths:
            try:
                papers.add_batch(path)
            except (RenderError, OSError) as error:
                if warn is not None:
                    warn(f"{error}; its papers are not looked for in other batches")
        return papers

    def add_batch(self, path: Path) -> None:
        """Add every record of a batch JSONL (raises RenderError when it cannot be read)."""
        date, name = batch_date(path), batch_name(path)
        records = []
        for number, anchor, keys in iter_paper_keys(path):
            page = page_path(path, HTML_SUFFIX, page_of(number)).name
            records.append((Occurrence(date, name, number, anchor, page), keys))
        for occurrence, keys in records:
            self._records.append((occurrence, keys))
            self._by_batch.setdefault(name, []).append(occurrence)
            self._keys[(name, occurrence.anchor)] = keys
        self._groups = None

    def _find(self, key: str) -> str:
        root = self._parent.setdefault(key, key)
        while root != self._parent[root]:
            root = self._parent[root]
        while key != root:  # every key on the way points at the root from now on
            self._parent[key], key = root, self._parent[key]
        return root

    def _union(self, one: str, other: str) -> None:
        first, second = self._find(one), self._find(other)
        if first != second:
            self._parent[max(first, second)] = min(first, second)

    def _join(self) -> None:
        """Join the keys of each record: its DOI and its title key name one paper. A title key that
        records with different DOIs share (a journal's "征稿简则" in two issues of a year) names no
        paper: each DOI stays apart, and records without a DOI that have it go together."""
        self._parent = {}
        dois: dict[str, set[str]] = {}
        for _, keys in self._records:
            for key in keys[1:]:
                dois.setdefault(key, set()).add(keys[0])
        for _, keys in self._records:
            for key in keys[1:]:
                if len(dois[key]) == 1:
                    self._union(keys[0], key)

    def _grouped(self) -> dict[tuple[str, str], list[Occurrence]]:
        """Each record's (batch, anchor) to every occurrence of its paper, first first."""
        if self._groups is None:
            self._join()
            by_root: dict[str, list[Occurrence]] = {}
            for occurrence, keys in self._records:
                if keys:
                    by_root.setdefault(self._find(keys[0]), []).append(occurrence)
            self._groups = {}
            for occurrences in by_root.values():
                occurrences.sort()
                if len(occurrences) > 1:
                    for occurrence in occurrences:
                        self._groups[(occurrence.batch, occurrence.anchor)] = occurrences
        return self._groups

    def elsewhere(self, batch: str, anchor: str) -> list[Occurrence]:
        """The other occurrences of the record's paper, first first ([] where it is only here)."""
        return [
            occurrence
            for occurrence in self._grouped().get((batch, anchor), [])
            if (occurrence.batch, occurrence.anchor) != (batch, anchor)
        ]

    def first(self, batch: str, anchor: str) -> Occurrence | None:
        """The paper's first occurrence where it is in several places (None where it is only here)."""
        occurrences = self._grouped().get((batch, anchor))
        return occurrences[0] if occurrences else None

    def is_shown(self, batch: str, anchor: str) -> bool:
        """Whether the index and the feed show this record: it is its paper's first occurrence."""
        first = self.first(batch, anchor)
        return first is None or (first.batch, first.anchor) == (batch, anchor)

    def links_key(self, batch: str) -> str:
        """A hash of the batch's "also in" links: it changes whenever one of its pages would show other links."""
        shown = []
        for occurrence in self._by_batch.get(batch, []):
            others = self.elsewhere(batch, occurrence.anchor)
            if others:
                shown.append((occurrence.anchor, [(other.batch, other.page_name, other.anchor) for other in others]))
        if not shown:
            return NO_LINKS
        return hashlib.sha256(repr(shown).encode("utf-8", "surrogateescape")).hexdigest()[: len(NO_LINKS)]

    def paper_key(self, batch: str, anchor: str) -> str | None:
        """What names the record's paper wherever it is (its DOI, else its title, journal and year), or None."""
        first = self.first(batch, anchor)
        keys = self._keys.get((first.batch, first.anchor) if first else (batch, anchor), ())
        return keys[0] if keys else None


@dataclass
class Folder:
    """What a file about the whole output folder (the index, the feed) is made from."""

    path: Path
    warn: Warn
    #: The folder's `sources_fingerprint`, taken before its batches were read: the file carries it.
    fingerprint: str
    papers: Papers
    #: Where the pages are published (`--base-url`), ending in "/"; None where not known.
    base_url: str | None = None
    #: The names of the topics (`topics/<name>.html`), which the index links to.
    topics: tuple[str, ...] = ()

    @classmethod
    def read(cls, path: Path, warn: Warn, base_url: str | None = None) -> Folder:
        """The folder as it is now."""
        fingerprint = sources_fingerprint(path)  # before the batches are read: a change meanwhile is redone
        return cls(path, warn, fingerprint, Papers.of_folder(path), base_url)

"""Finding batches: which files of the input folders are batches, under which names, and which cannot be.

Every visible file directly in an input folder is one batch, named after the file's stem (its full
name where two stems clash, or where the stem would be one of digest's own files). An input that
cannot be processed as a batch (a name that is not UTF-8 or holds a control character, a name
another input's outputs would also take, a name too long for the files digest derives from it, a
path too long for the system) is still returned, with the reason, so that it fails alone and the
other batches are done.
"""

from __future__ import annotations

import dataclasses
import errno
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from ..errors import ConfigError
from ..layout import folded, is_reserved_batch_name
from ..limits import path_too_long, shown
from ..manifest import OwnCopies, Stamp
from ..messages import Warn
from ..render.formats import batch_name_limit
from ..render.sources import is_readers_file
from .source import UNSAFE_NAME_RE, BatchSource


def find_batches(
    paths: Sequence[Path],
    warn: Warn | None = None,
    follow_symlinks: bool = False,
    output_dir: Path | None = None,
    own: OwnOutputs | None = None,
) -> list[BatchSource]:
    """Every batch under `paths`: files as given, and the visible files directly in folders.

    A symbolic link in an input folder that leads outside it is skipped with a warning (unless
    `follow_symlinks`): dropping a link to /etc/passwd into input/ must not publish it. So is one
    of digest's own output files (`own`, by default those in `output_dir`), whatever its name: its
    page must not come back as an abstract. Names are limited by the file system of `output_dir`.
    """
    files = _input_files(paths, own if own is not None else OwnOutputs(output_dir), warn, follow_symlinks)
    # `a.txt` and `a.jsonl` would both write `a.jsonl`, and a batch called `runs` or `a.errors`
    # would write digest's run log or batch `a`'s errors file: such files keep their suffix.
    # Names are compared as file systems that ignore case and Unicode normalisation compare them.
    stems = Counter(folded(p.stem) for p in files)
    batches = [
        BatchSource(p.stem if stems[folded(p.stem)] == 1 and not is_reserved_batch_name(p.stem) else p.name, p)
        for p in files
    ]
    names = Counter(folded(b.name) for b in batches)
    limit = batch_name_limit(output_dir)
    return [
        _checked(batch, limit)
        if names[folded(batch.name)] == 1
        else dataclasses.replace(
            batch,
            problem=f"{batch.path}: another input writes the same output file ({batch.name}.jsonl); rename one",
        )
        for batch in batches
    ]


def _input_files(paths: Sequence[Path], own: OwnOutputs, warn: Warn | None, follow_symlinks: bool) -> list[Path]:
    """The files under `paths` that are inputs (see `find_batches`), each once, in order."""
    files: list[Path] = []
    for path in paths:
        try:
            is_folder = path.is_dir()
            is_file = not is_folder and path.is_file()
        except OSError as error:  # ENAMETOOLONG: a path or a name longer than the system allows
            raise ConfigError(f"input {shown(path)} cannot be read: {error.strerror}") from None
        if is_folder:
            try:
                entries = sorted(path.iterdir())
            except OSError as error:
                raise ConfigError(f"input folder {path} cannot be read: {error.strerror}") from None
            files += [
                p
                for p in entries
                if not p.name.startswith(".")
                and not own.skips(p, warn)
                and _is_input_file(p, path, warn, follow_symlinks)
            ]
        elif is_file:
            if not own.skips(path, warn):
                files.append(path)
        elif path.exists():  # a FIFO or a device: opening it would wait, or never end
            raise ConfigError(f"input {path} is not a file or a folder; give text files or folders of them")
        else:
            raise ConfigError(f"input {path} does not exist")
    # The same file given twice, or spelt two ways (input and $PWD/input), is one batch.
    return list({_same_file_key(p): p for p in reversed(files)}.values())[::-1]


class OwnOutputs:
    """digest's own output files, to be told from inputs by device and inode whatever their names.

    An input file that is one of them (a hard link, or a symbolic link to one) is skipped; so is one
    that was when an earlier run skipped it (`remembered`), and is all that is left of an output
    digest has replaced since (pages and records are replaced whole, the run log once linked); and
    so is a copy of a page, the index, a feed or a citation file of any output folder, told by its content.
    """

    def __init__(self, output_dir: Path | None, remembered: OwnCopies | None = None) -> None:
        self.files = _files_in(output_dir)
        self.remembered = dict(remembered or {})
        #: The input files skipped as links to outputs in this run, for the next run to remember.
        self.seen: OwnCopies = {}

    def skips(self, path: Path, warn: Warn | None) -> bool:
        """Whether `path` is (or was) one of digest's outputs; warns that it is skipped."""
        stamp = _stamp(path)
        if stamp is None:
            return False
        twin = self.files.get(stamp[:2])
        if twin is None and stamp not in self.remembered:
            # A copy (cp, a restored backup, another output folder's): a Markdown page of 19 abstracts was read as 208.
            if is_readers_file(path):
                if warn is not None:
                    warn(
                        f"{path} is a copy of a page, index, feed or citation file digest wrote (it has a digest-sources line); skipped"
                    )
                return True
            return False
        where = os.path.abspath(path)
        self.seen[stamp] = where if _is_utf8(where) else None
        if warn is not None:
            was = f"is the same file as {twin}, digest's own output" if twin else "was one of digest's own outputs"
            warn(f"{path} {was}; skipped")
        return True

    def kept(self) -> OwnCopies:
        """The input files for the next run to remember: those skipped this run, and those remembered that are still
        there as they were, which a run over other inputs (one file given by hand) did not look at."""
        kept: OwnCopies = {
            stamp: where for stamp, where in self.remembered.items() if where is not None and _stamp(where) == stamp
        }
        kept.update(self.seen)
        return kept


def _stamp(path: Path | str) -> Stamp | None:
    """The device, inode, size and modification time of what `path` names; None if it cannot be read."""
    try:
        status = os.stat(path)
    except (OSError, ValueError):
        return None
    return status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns


def _files_in(folder: Path | None) -> dict[tuple[int, int], Path]:
    """The files of `folder` (not links to files) by device and inode, the first by name where several are one."""
    if folder is None:
        return {}
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError:  # no output folder yet, or none that can be read: nothing in it to protect
        return {}
    found: dict[tuple[int, int], Path] = {}
    for entry in entries:
        try:
            if entry.is_file(follow_symlinks=False):
                status = entry.stat(follow_symlinks=False)
                found.setdefault((status.st_dev, status.st_ino), folder / entry.name)
        except OSError:
            continue
    return found


def file_identity(path: Path) -> tuple[int, int] | None:
    """The (device, inode) of what `path` names (through links and bind mounts); None if it cannot be read."""
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_dev, status.st_ino


def _same_file_key(path: Path) -> object:
    return file_identity(path) or path.resolve()


def _checked(batch: BatchSource, name_limit: int) -> BatchSource:
    """The batch, with the reason it cannot be processed if its name is unusable."""
    if not _is_utf8(str(batch.path)):
        # A GBK-named file from a Windows zip: the name cannot go into UTF-8 outputs and logs.
        return BatchSource(
            _printable(batch.name),
            batch.path,
            f"{_printable(str(batch.path))}: the file name is not valid UTF-8; rename the file to process it",
        )
    if UNSAFE_NAME_RE.search(str(batch.path)):
        # A line break in a name would forge lines in the cron log, and it cannot be a link target.
        quoted = repr(str(batch.path))
        return BatchSource(
            repr(batch.name).strip("'\""),
            batch.path,
            f"{quoted}: the file name contains a line break or control character; rename the file to process it",
        )
    try:
        batch.path.stat()
    except OSError as error:
        if error.errno == errno.ENAMETOOLONG:  # the folder's path and this name pass PATH_MAX
            return dataclasses.replace(batch, problem=path_too_long(batch.path))
        return dataclasses.replace(batch, problem=f"{batch.path}: cannot be read: {error.strerror}")
    if is_reserved_batch_name(batch.name):
        return dataclasses.replace(
            batch, problem=f"{batch.path}: its name is one of digest's own output files; rename the file to process it"
        )
    if len(os.fsencode(batch.name)) > name_limit:
        # Every file of the batch would fail to be written (ENAMETOOLONG): stopping the run there.
        where = "before the suffix" if batch.name == batch.path.stem else "in all"
        return dataclasses.replace(
            batch,
            problem=f"{batch.path}: the file name is too long for digest's files: rename it to at most "
            f"{name_limit} bytes ({name_limit // 3} Chinese characters) {where} to process it",
        )
    return batch


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable(name: str) -> str:
    """A file name as text, with bytes that are not UTF-8 shown as U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _is_input_file(path: Path, folder: Path, warn: Warn | None, follow_symlinks: bool) -> bool:
    try:
        if not path.is_file():
            return False
    except OSError:
        return True  # a file that cannot be looked up (a path too long): it fails as a batch, saying why
    if path.is_symlink() and not follow_symlinks and folder.resolve() not in path.resolve().parents:
        if warn is not None:
            warn(
                f"{path} is a symbolic link to {path.resolve()}, outside {folder}; skipped (--follow-symlinks reads it)"
            )
        return False
    return True

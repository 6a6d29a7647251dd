"""The job itself: for each new batch, read, split, translate, summarise and write its records.

`run(RunOptions(...))` is the library entry point; `digest run` is a thin wrapper over it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import traceback
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing, nullcontext
from pathlib import Path

from . import messages
from .cache import TranslationCache, default_cache_path
from .context import RunContext
from .engines import prepare_engines
from .errors import BatchError, ConfigError, OutputError
from .executor import Chunk, Executor, LocalExecutor
from .glossary import Glossary, load_glossary
from .language import normalise_whitespace
from .layout import HTML_SUFFIX, INDEX_NAME, TOPICS_FOLDER, batch_outputs
from .limits import check_descriptors, check_output_path, check_working_folder
from .lock import exclusive_run
from .manifest import Manifest, OwnCopies
from .messages import Warn
from .options import RunOptions
from .reading import (
    BatchSource,
    InputScan,
    OwnOutputs,
    RecordError,
    SourceRecord,
    file_identity,
    find_batches,
    read_file_records,
    scan_input,
)
from .record import Record
from .render import render_all
from .report import RunReport
from .settings import cache_dir_problem
from .topics import TopicMatcher, build_topics
from .translators import Translators
from .writing import atomic_jsonl, atomic_text_file, dumps, remove_partial_files, sync

__all__ = ["RunOptions", "run"]


def run(options: RunOptions, warn: Warn = messages.warning, error: Warn = messages.error) -> RunReport:
    """Process every new or changed batch under `options.inputs`; return the run's report.

    Raises RunInProgress when another run holds the output folder's lock, ConfigError for bad
    options, too few free file descriptors or a path too long (before anything is written), and
    OutputError when the output folder itself cannot be created. Per-batch and per-record
    failures, and an output that could not be written (disk full, read-only folder: the run stops
    there), are in the report, not raised.
    """
    options.check()
    check_working_folder()
    check_descriptors()  # before anything: one run out of them half-way fails in misleading ways
    check_output_path(options.output_dir)
    output_dir = options.output_dir
    glossary = load_glossary(options.glossary) if options.glossary else Glossary()
    settings = dataclasses.replace(options.engine_settings, glossary=glossary.terms)
    check_separate_folders(options.inputs, output_dir)
    # Read before the lock, as the inputs are; written again, locked, once the run starts.
    own = OwnOutputs(output_dir, Manifest.load(output_dir).own_copies)
    batches = find_batches(options.inputs, warn, options.follow_symlinks, output_dir, own)
    created = _missing_folders(output_dir)
    with exclusive_run(output_dir):
        # Checked before anything reads a cache there (the translators' jieba): one warning for the folder.
        cache_problem = cache_dir_problem()
        if cache_problem:
            warn(cache_problem)
        try:
            prepare_engines(settings, warn)
            context = RunContext(options, Translators(options.engine, settings, warn, None, glossary), warn, error)
            for message in messages.take_deferred_warnings():
                warn(message)
        except ConfigError:
            for folder in created:  # a usage error leaves nothing behind: deepest first
                _remove_empty_folder(folder)
            raise
        report = RunReport()  # timed from here: starting the executor's workers is part of the run
        try:
            with _open_cache(options, warn, use_cache_dir=cache_problem is None) as cache:
                context.translators.cache = cache
                with make_executor(context) as executor:
                    return _run_batches(context, executor, batches, own.kept(), report)
        except ConfigError:  # e.g. a Ray cluster that cannot be joined, found with the first batch
            for folder in created:  # a folder this run made and left empty goes too
                _remove_empty_folder(folder)
            raise


def make_executor(context: RunContext) -> Executor:
    """The executor the run's options name (checked by `RunOptions.check`), ready to map chunks.

    A Ray one joins or starts Ray and its workers with the first chunk: a run with nothing new starts none.
    """
    if context.options.executor != "ray":
        return LocalExecutor(context)
    try:
        from .ray_executor import RayExecutor
    except ImportError as missing:
        raise ConfigError(
            f"--executor ray needs Ray ({missing}); install it with: pip install 'zh-abstract-digest[ray]'"
        ) from None
    return RayExecutor(context)


def _run_batches(
    context: RunContext, executor: Executor, batches: list[BatchSource], own_copies: OwnCopies, report: RunReport
) -> RunReport:
    """The locked part of a run: each batch, then the pages, then the run log (all in `report`).

    `own_copies` are the input files skipped as links to digest's outputs, for the manifest to keep.
    """
    output_dir, warn, error = context.options.output_dir, context.warn, context.error
    try:
        remove_partial_files(output_dir)
        remove_partial_files(output_dir / TOPICS_FOLDER)
        manifest = Manifest.load(output_dir)
        if manifest.problem:
            warn(manifest.problem)
        manifest.keep_own_copies(own_copies)  # before the run log may replace a linked one
        for batch in batches:
            try:
                _process_batch(context, executor, batch, manifest, report)
            except BatchError as failure:
                report.batches_failed[batch.name] = str(failure)
                error(str(failure))
            except (ConfigError, OutputError):
                raise
            except Exception as failure:  # a bug: show it, keep the other batches going
                report.batches_failed[batch.name] = f"internal error: {failure!r}"
                error(f"{batch.path}: internal error, batch not written:\n{traceback.format_exc()}")
        # The readers' pages are rebuilt from the JSONL just written (and any page not made from its JSONL as it is).
        topics = build_topics(context.options.topics, context.translators.glossary)
        rendered = render_all(output_dir, warn=warn, error=error, base_url=context.options.base_url, topics=topics)
        report.pages_failed = {str(path): reason for path, reason in rendered.failed.items()}
        report.pages_written = [path for path in rendered.written if path.name.endswith(HTML_SUFFIX)]
        report.index_page = output_dir / INDEX_NAME
        if context.options.mail is not None:
            _mail(context, manifest, report)
    except OutputError as failure:
        report.output_error = str(failure)
        error(
            f"{failure}; the run stopped here, every output written before is intact and unfinished batches are redone by the next run"
        )
    report.finish()
    try:
        report.append_to_log(output_dir)
    except OutputError as failure:
        if report.output_error is None:
            report.output_error = str(failure)
            error(f"{failure}; this run is not in the run log")
    return report


def _mail(context: RunContext, manifest: Manifest, report: RunReport) -> None:
    """Send the mail owed (this run's new records, and what earlier runs could not send); a failure is reported, never raised."""
    from .mail.delivery import deliver

    assert context.options.mail is not None
    outcome = deliver(
        context.options.output_dir, manifest, context.options.mail, warn=context.warn, topics=context.options.topics
    )
    report.messages_sent = outcome.sent
    if outcome.failed:
        report.mail_error = outcome.failed
        context.error(f"mail: {outcome.failed}")


def _missing_folders(folder: Path) -> list[Path]:
    """`folder` and those of its parents that do not exist yet, deepest first."""
    missing = []
    for candidate in (folder, *folder.absolute().parents):
        if candidate.exists() or candidate.is_symlink():
            break
        missing.append(candidate)
    return missing


def _remove_empty_folder(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass  # not empty after all: something else is using it


def _folder_identities(path: Path) -> set[tuple[int, int]]:
    """The (device, inode) of `path` and of every folder above it that exists."""
    identities = set()
    for candidate in (path.absolute(), *path.absolute().parents):
        identity = file_identity(candidate)
        if identity is not None:
            identities.add(identity)
    return identities


def check_separate_folders(inputs: Sequence[Path], output_dir: Path) -> None:
    """Refuse an output folder that is an input folder, inside one, or holds one (ConfigError).

    digest would otherwise read its own records, pages and run log back as abstracts.
    """
    output = output_dir.resolve()
    output_chain = _folder_identities(output_dir)
    for given in inputs:
        source = given.resolve()
        # By path, and by device and inode, which also sees through bind mounts and hard-linked names.
        inside = source == output or output in source.parents or source in output.parents
        if inside or file_identity(given) in output_chain or file_identity(output_dir) in _folder_identities(given):
            raise ConfigError(
                f"input {given} and output folder {output_dir} are the same or one is inside the other; "
                "digest would read its own outputs as abstracts. Give separate folders (e.g. input/ and output/)"
            )


def _open_cache(options: RunOptions, warn: Warn, use_cache_dir: bool) -> closing[TranslationCache] | nullcontext[None]:
    """The run's translation cache; none with `--no-cache`, nor in a cache folder refused (with its warning) already."""
    if not options.use_cache or (options.cache_path is None and not use_cache_dir):
        return nullcontext(None)
    return closing(TranslationCache(options.cache_path or default_cache_path(), warn))


def _process_batch(
    context: RunContext, executor: Executor, batch: BatchSource, manifest: Manifest, report: RunReport
) -> None:
    """One batch: skipped when done already, else its records and errors written and marked done in `manifest`."""
    if batch.problem:
        raise BatchError(batch.problem)
    output, errors_output = batch_outputs(context.options.output_dir, batch.name)
    try:
        scan = scan_input(batch.path)
    except OSError as failure:
        raise BatchError(f"{batch.path}: cannot be read: {failure.strerror}") from None
    if not context.options.force and manifest.is_done(batch.name, scan.digest):
        report.batches_skipped.append(batch.name)
        return

    counts, errors = _write_batch(context, executor, batch, scan, report)
    if not counts.records and not errors:
        context.warn(f"{batch.path}: no abstracts found; wrote an empty {output.name}")

    for record_error in errors:
        context.error(
            f"{record_error.file}, line {record_error.line} (record {record_error.number}): {record_error.reason}"
        )
    report.add_records(counts)  # the records file is complete: they count even if the manifest fails
    report.batches_done.append(batch.name)
    outputs = [output, errors_output] if errors else [output]
    if context.options.mail is not None:  # queued in the same write that marks the batch done
        from .mail.delivery import queue_batch

        # Each topic's subscribers are queued the records the topic matches (its glossary terms too).
        matcher = TopicMatcher(build_topics(context.options.topics, context.translators.glossary))
        queue_batch(manifest, context.options.mail, batch.name, output, context.options.topics, matcher.matches)
    manifest.mark_done(batch.name, scan.digest, batch.path, outputs, counts.records, len(errors))


def _write_batch(
    context: RunContext, executor: Executor, batch: BatchSource, scan: InputScan, report: RunReport
) -> tuple[RunReport, list[RecordError]]:
    """Translate and write a batch's records file and errors file; their counts, and the record errors.

    The batch is read as chunks are needed; progress is shown by input line. What the engines
    and the cache translated counts in the run's `report` at once, even if the batch fails later.
    """
    # Here, not above: a run with nothing new never writes a batch.
    import jsonlines
    from tqdm import tqdm

    output, errors_output = batch_outputs(context.options.output_dir, batch.name)
    items = read_file_records(batch, scan)  # read as the work goes: the batch is never held whole
    errors: list[RecordError] = []
    counts = RunReport()  # added to the run's report only once the batch's output is complete
    warn, lines = context.warn, scan.lines
    with (
        atomic_text_file(output) as handle,
        jsonlines.Writer(handle, dumps=dumps) as writer,
        tqdm(total=lines, desc=batch.name, unit="line", disable=not context.options.progress, leave=False) as bar,
    ):
        for done in executor.map_chunks(_chunks(items, errors, context)):
            for message in done.warnings:
                warn(message)
            report.cache_hits += done.stats.cache_hits
            report.engine_translations += done.stats.engine_translations
            for result in done.results:
                if isinstance(result, RecordError):
                    errors.append(result)
                    continue
                try:
                    writer.write(result.as_json())  # `dumps` fails before a byte of the line is written
                except (ValueError, RecursionError) as failure:  # reading lets none through: a bug
                    errors.append(_unwritable(result, failure, warn))
                    continue
                counts.add_record(result)
            if done.results:
                last = done.results[-1]
                bar.update(max(0, (last.line if isinstance(last, RecordError) else last.source.line) - bar.n))
        bar.update(max(0, lines - bar.n))
        # The errors file is replaced before the records file, and only once the records are on
        # disk: a failure (disk full) on either leaves the old pair of files, never a mixed one.
        sync(handle)
        errors.sort(key=lambda record_error: record_error.number)
        _write_errors(errors_output, errors)
    counts.record_errors = len(errors)
    return counts, errors


def _write_errors(path: Path, errors: list[RecordError]) -> None:
    if not errors:
        try:
            path.unlink(missing_ok=True)  # from an earlier run of a since-corrected input
        except OSError as failure:
            raise OutputError.from_os_error(path, failure) from None
        return
    with atomic_jsonl(path) as writer:
        writer.write_all(error.as_json() for error in errors)


def _chunks(
    items: Iterable[SourceRecord | RecordError], errors: list[RecordError], context: RunContext
) -> Iterator[Chunk]:
    """Chunks of the run's `chunk_records` records with their ids, read from `items` as they are asked for; record errors go to `errors`."""
    size = context.options.chunk_records
    ids = RecordIds(context.warn)
    named: set[str] = set()  # the unknown tags already named for this file
    chunk: list[SourceRecord] = []
    for item in items:
        if isinstance(item, RecordError):
            errors.append(item)
            continue
        if item.unknown_tags:
            _name_unknown_tags(item, named, context.warn)
        chunk.append(item)
        if len(chunk) == size:
            yield chunk, {record.number: ids.of(record) for record in chunk}
            chunk = []
    if chunk:
        yield chunk, {record.number: ids.of(record) for record in chunk}


#: How many unknown tags of one file are named: a hostile file can hold any number.
_UNKNOWN_TAGS_NAMED = 10
_MORE = "\0"  # in `named` once the rest of the file's unknown tags have been said to exist


def _name_unknown_tags(record: SourceRecord, named: set[str], warn: Warn) -> None:
    """One warning for the tags of `record` no earlier record of its file brought (`named`)."""
    new = [tag for tag in record.unknown_tags if tag not in named]
    if not new or _MORE in named:
        return
    room = max(0, _UNKNOWN_TAGS_NAMED - len(named))
    shown = [repr(tag if len(tag) <= 40 else tag[:40] + "…") for tag in new[:room]]  # repr: no control character
    named.update(new[:room])
    where = f"{record.file}: line {record.line}"
    if shown:
        tags = f"tag {shown[0]} is" if len(shown) == 1 else f"tags {', '.join(shown)} are"
        warn(f"{where}: {tags} not one digest reads; left out of the record")
    if len(new) > room:
        named.add(_MORE)
        warn(f"{where}: more tags digest does not read; left out of their records")


class RecordIds:
    """Stable ids, given in input order: the input's own id, else the batch name and a hash of the text.

    An input id that an earlier record of the batch has already (7 and "7" are both "7") is kept,
    as the input's own, with a warning: a database keyed on it would keep one of the two records.
    """

    def __init__(self, warn: Warn) -> None:
        self.seen: Counter[str] = Counter()
        self.given: dict[str, tuple[int, int]] = {}  # an input id -> the line and number of its first record
        self.warn = warn

    def of(self, record: SourceRecord) -> str:
        if record.id is not None:
            first = self.given.setdefault(record.id, (record.line, record.number))
            if first != (record.line, record.number):
                self.warn(
                    f"{record.file}, line {record.line} (record {record.number}): its id {record.id!r} is the id of "
                    f"line {first[0]} (record {first[1]}) too; both records are written with it"
                )
            return record.id
        # A reference with no abstract is known by its title.
        known_by = record.text if record.text else record.title or ""
        digest = hashlib.sha256(normalise_whitespace(known_by).encode("utf-8")).hexdigest()[:12]
        base = f"{record.batch}-{digest}"
        self.seen[base] += 1
        return base if self.seen[base] == 1 else f"{base}-{self.seen[base]}"


def _unwritable(record: Record, failure: Exception, warn: Warn) -> RecordError:
    source = record.source
    warn(f"{source.file}, line {source.line}: internal error, the record cannot be written as JSON: {failure}")
    return RecordError(source.file, source.line, source.record, f"internal error: {failure!r}")

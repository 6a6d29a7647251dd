"""The job itself: for each new batch, read, split, translate, summarise and write its records.

`run(RunOptions(...))` is the library entry point; `digest run` is a thin wrapper over it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import jsonlines
from tqdm import tqdm

from . import engines, messages, wordseg
from .cache import TranslationCache, TranslationStats, default_cache_path, translate
from .engines.base import EngineSettings, TranslationEngine
from .errors import BatchError, ConfigError, OutputError
from .glossary import Glossary, load_glossary
from .keywords import DEFAULT_METHOD as DEFAULT_KEYWORD_METHOD
from .keywords import extract_keywords
from .language import detect_language, is_traditional, is_truncated, normalise_whitespace
from .layout import batch_outputs
from .lock import exclusive_run
from .manifest import Manifest, content_hash
from .models import install_dropped_packages
from .quality import is_repetitive
from .reading import BatchSource, RecordError, SourceRecord, file_identity, find_batches, read_records
from .record import LANGUAGES, EngineUsed, Record, SourceRef, both
from .record import Summary as RecordSummary
from .render import render_all
from .report import RunReport
from .segment import split_sentences
from .summarize import DEFAULT_ALGORITHM, choose_sentences, summary_length
from .wordseg import Segmenter
from .writing import atomic_jsonl, atomic_text_file, dumps, remove_partial_files, sync

Warn = Callable[[str], None]


@dataclass
class RunOptions:
    """Everything `digest run` can be told."""

    inputs: Sequence[Path] = (Path("input"),)
    output_dir: Path = Path("output")
    engine: str = "auto"
    #: Sentences per summary (int), or a share of the abstract's sentences (float, 0 < R <= 1).
    summary_size: int | float = 3
    summarizer: str = DEFAULT_ALGORITHM
    #: `aligned`: indices chosen on the source, both languages emitted by them; `independent`:
    #: each language summarised on its own sentences.
    summary_mode: str = "aligned"
    #: Keywords per language (0: none).
    keywords: int = 5
    keyword_method: str = DEFAULT_KEYWORD_METHOD
    force: bool = False
    engine_settings: EngineSettings = field(default_factory=EngineSettings)
    #: TSV of forced Chinese -> English terms.
    glossary: Path | None = None
    #: The translation cache file (None: the user's cache folder); `use_cache=False` turns it off.
    cache_path: Path | None = None
    use_cache: bool = True
    progress: bool = False
    #: Read symbolic links in input folders that lead outside them (skipped with a warning by default).
    follow_symlinks: bool = False
    #: Records whose sentences go to the engine in one `translate_batch` call.
    chunk_records: int = 256


@dataclass
class PreparedAbstract:
    """A record tidied, classified and split, ready for translation and summary."""

    source: SourceRecord
    record_id: str
    lang: str
    text: str
    sentences: list[str]
    flags: list[str]
    title: str | None
    title_lang: str | None
    keywords: list[str] | None


class Translators:
    """The engines of one run, chosen per language pair on first use; warnings given once."""

    def __init__(
        self,
        engine_name: str,
        settings: EngineSettings,
        warn: Warn,
        cache: TranslationCache | None = None,
        glossary: Glossary | None = None,
    ) -> None:
        if engine_name != "auto":
            # A named engine must do the main direction; its message says what to install.
            engine = engines.engine_class(engine_name)
            if not engine.supports("zh", "en", settings):
                raise ConfigError(engine.unavailable_message("zh", "en", settings))
        self.engine_name = engine_name
        self.settings = settings
        self.warn = warn
        self.cache = cache
        self.glossary = glossary or Glossary()
        #: Words for summaries and keywords, the glossary's terms kept whole (jieba is never changed).
        self.words = wordseg.segmenter(frozenset(self.glossary.terms))
        self.stats = TranslationStats()
        self._engines: dict[tuple[str, str], TranslationEngine | None] = {}

    def get(self, source_lang: str, target_lang: str) -> TranslationEngine | None:
        """The engine for the pair, or None when nothing installed translates it."""
        pair = (source_lang, target_lang)
        if pair not in self._engines:
            self._engines[pair] = engines.select_engine(
                self.engine_name, source_lang, target_lang, self.settings, self.warn
            )
        return self._engines[pair]

    def translate(self, engine: TranslationEngine, sentences: list[str]) -> list[str]:
        """The engine's translations, through the cache, each distinct sentence translated once."""
        return translate(engine, sentences, self.cache, self.stats)


def run(options: RunOptions, warn: Warn = messages.warning, error: Warn = messages.error) -> RunReport:
    """Process every new or changed batch under `options.inputs`; return the run's report.

    Raises RunInProgress when another run holds the output folder's lock, ConfigError for bad
    options (before anything is written), and OutputError when the output folder itself cannot
    be created. Per-batch and per-record failures, and an output that could not be written
    (disk full, read-only folder: the run stops there), are in the report, not raised.
    """
    try:
        summary_length(1, options.summary_size)
    except (TypeError, ValueError) as problem:
        raise ConfigError(str(problem)) from None
    if options.summary_mode not in ("aligned", "independent"):
        raise ConfigError(f"unknown summary mode {options.summary_mode!r}; choose aligned or independent")
    output_dir = options.output_dir
    glossary = load_glossary(options.glossary) if options.glossary else Glossary()
    settings = dataclasses.replace(options.engine_settings, glossary=glossary.terms)
    check_separate_folders(options.inputs, output_dir)
    batches = find_batches(options.inputs, warn, options.follow_symlinks)
    created = _missing_folders(output_dir)
    with exclusive_run(output_dir):
        try:
            install_dropped_packages(settings.models_dir, warn)
            translators = Translators(options.engine, settings, warn, None, glossary)
        except ConfigError:
            for folder in created:  # a usage error leaves nothing behind: deepest first
                _remove_empty_folder(folder)
            raise
        with _open_cache(options, warn) as cache:
            translators.cache = cache
            return _run_batches(batches, options, output_dir, translators, warn, error)


def _run_batches(
    batches: list[BatchSource],
    options: RunOptions,
    output_dir: Path,
    translators: Translators,
    warn: Warn,
    error: Warn,
) -> RunReport:
    """The locked part of a run: each batch, then the pages, then the run log."""
    report = RunReport()
    try:
        remove_partial_files(output_dir)
        manifest = Manifest.load(output_dir)
        if manifest.problem:
            warn(manifest.problem)
        for batch in batches:
            try:
                _process_batch(batch, options, manifest, translators, report, warn, error)
            except BatchError as failure:
                report.batches_failed[batch.name] = str(failure)
                error(str(failure))
            except (ConfigError, OutputError):
                raise
            except Exception as failure:  # a bug: show it, keep the other batches going
                report.batches_failed[batch.name] = f"internal error: {failure!r}"
                error(f"{batch.path}: internal error, batch not written:\n{traceback.format_exc()}")
        # The readers' pages are rebuilt from the JSONL just written (and any page older than its JSONL).
        rendered = render_all(output_dir, warn=warn, error=error)
        report.pages_failed = {str(path): reason for path, reason in rendered.failed.items()}
    except OutputError as failure:
        report.output_error = str(failure)
        error(
            f"{failure}; the run stopped here, every output written before is intact and unfinished batches are redone by the next run"
        )
    report.cache_hits = translators.stats.cache_hits
    report.engine_translations = translators.stats.engine_translations
    report.finish()
    try:
        report.append_to_log(output_dir)
    except OutputError as failure:
        if report.output_error is None:
            report.output_error = str(failure)
            error(f"{failure}; this run is not in the run log")
    return report


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


def _open_cache(options: RunOptions, warn: Warn) -> closing[TranslationCache] | nullcontext[None]:
    if not options.use_cache:
        return nullcontext(None)
    return closing(TranslationCache(options.cache_path or default_cache_path(), warn))


def _process_batch(
    batch: BatchSource,
    options: RunOptions,
    manifest: Manifest,
    translators: Translators,
    report: RunReport,
    warn: Warn,
    error: Warn,
) -> None:
    if batch.problem:
        raise BatchError(batch.problem)
    output, errors_output = batch_outputs(options.output_dir, batch.name)
    try:
        data = batch.path.read_bytes()
    except OSError as failure:
        raise BatchError(f"{batch.path}: cannot be read: {failure.strerror}") from None
    input_hash = content_hash(data)
    if not options.force and manifest.is_done(batch.name, input_hash):
        report.batches_skipped.append(batch.name)
        return

    items = list(read_records(batch, data))
    records = [item for item in items if isinstance(item, SourceRecord)]
    errors = [item for item in items if isinstance(item, RecordError)]
    if not items:
        warn(f"{batch.path}: no abstracts found; writing an empty {output.name}")
    counts = _write_batch(batch, (output, errors_output), records, errors, options, translators, warn)

    for record_error in errors:
        error(f"{record_error.file}, line {record_error.line} (record {record_error.number}): {record_error.reason}")
    report.add_records(counts)  # the records file is complete: they count even if the manifest fails
    report.batches_done.append(batch.name)
    outputs = [output, errors_output] if errors else [output]
    manifest.mark_done(batch.name, input_hash, batch.path, outputs, counts.records, len(errors))


def _write_batch(
    batch: BatchSource,
    outputs: tuple[Path, Path],
    records: list[SourceRecord],
    errors: list[RecordError],
    options: RunOptions,
    translators: Translators,
    warn: Warn,
) -> RunReport:
    """Translate and write a batch's records file and errors file (`outputs`, adding to `errors`); their counts."""
    output, errors_output = outputs
    record_ids = _record_ids(records)
    counts = RunReport()  # added to the run's report only once the batch's output is complete
    with (
        atomic_text_file(output) as handle,
        jsonlines.Writer(handle, dumps=dumps) as writer,
        tqdm(total=len(records), desc=batch.name, unit="abstract", disable=not options.progress, leave=False) as bar,
    ):
        for chunk in _chunks(records, options.chunk_records):
            for result in _process_chunk(chunk, record_ids, options, translators, warn):
                if isinstance(result, RecordError):
                    errors.append(result)
                    continue
                try:
                    writer.write(result.as_json())  # `dumps` fails before a byte of the line is written
                except (ValueError, RecursionError) as failure:  # reading lets none through: a bug
                    errors.append(_unwritable(result, failure, warn))
                    continue
                counts.add_record(result)
            bar.update(len(chunk))
        # The errors file is replaced before the records file, and only once the records are on
        # disk: a failure (disk full) on either leaves the old pair of files, never a mixed one.
        sync(handle)
        errors.sort(key=lambda record_error: record_error.number)
        _write_errors(errors_output, errors)
    counts.record_errors = len(errors)
    return counts


def _write_errors(path: Path, errors: list[RecordError]) -> None:
    if not errors:
        try:
            path.unlink(missing_ok=True)  # from an earlier run of a since-corrected input
        except OSError as failure:
            raise OutputError.from_os_error(path, failure) from None
        return
    with atomic_jsonl(path) as writer:
        writer.write_all(error.as_json() for error in errors)


def _chunks(items: list[SourceRecord], size: int) -> Iterator[list[SourceRecord]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _record_ids(records: list[SourceRecord]) -> dict[int, str]:
    """Stable ids: the input's own id, else the batch name and a hash of the text."""
    ids: dict[int, str] = {}
    seen: Counter[str] = Counter()
    for record in records:
        if record.id is not None:
            ids[record.number] = record.id
            continue
        digest = hashlib.sha256(normalise_whitespace(record.text).encode("utf-8")).hexdigest()[:12]
        base = f"{record.batch}-{digest}"
        seen[base] += 1
        ids[record.number] = base if seen[base] == 1 else f"{base}-{seen[base]}"
    return ids


def prepare(
    record: SourceRecord, record_id: str, options: RunOptions, words: Segmenter | None = None
) -> PreparedAbstract:
    """Tidy the text, decide its language, flag it, split it into sentences and find its keywords."""
    text = normalise_whitespace(record.text)
    lang = detect_language(text)
    flags = []
    if is_truncated(text):
        flags.append("truncated")
    if lang == "zh" and is_traditional(text):
        flags.append("traditional")
    title = normalise_whitespace(record.title) if record.title else None
    title_lang = detect_language(title) if title else None
    sentences = split_sentences(text, lang)
    return PreparedAbstract(
        source=record,
        record_id=record_id,
        lang=lang,
        text=text,
        sentences=sentences,
        flags=flags,
        title=title or None,
        title_lang=title_lang,
        keywords=extract_keywords(
            sentences, lang, options.keywords, options.keyword_method, words, title if title_lang == lang else None
        )
        if options.keywords
        else None,
    )


def _other(lang: str) -> str:
    return "en" if lang == "zh" else "zh"


def _process_chunk(
    chunk: list[SourceRecord],
    record_ids: dict[int, str],
    options: RunOptions,
    translators: Translators,
    warn: Warn,
) -> list[Record | RecordError]:
    """Records for one chunk, in input order; each pair's sentences go to its engine in one call.

    A function of its arguments alone: no report, no global state, so that it can run elsewhere.
    """
    results: list[PreparedAbstract | RecordError] = []
    for record in chunk:
        try:
            results.append(prepare(record, record_ids[record.number], options, translators.words))
        except Exception as error:  # a bug on odd input: report it on the record, keep going
            results.append(_internal_error(record, error, warn))

    requests: dict[tuple[str, str], list[str]] = {}
    for item in results:
        if isinstance(item, PreparedAbstract):
            requests.setdefault((item.lang, _other(item.lang)), []).extend(item.sentences + (item.keywords or []))
            if item.title and item.title_lang:
                requests.setdefault((item.title_lang, _other(item.title_lang)), []).append(item.title)
    # Each pair's texts go to its engine in one call; results are looked up by their source text,
    # so no record depends on the order in which the texts were queued.
    translated: dict[tuple[str, str], dict[str, str]] = {}
    for pair, texts in requests.items():
        engine = translators.get(*pair)
        if engine is not None and texts:
            translated[pair] = dict(zip(texts, translators.translate(engine, texts)))

    output: list[Record | RecordError] = []
    for item in results:
        if isinstance(item, RecordError):
            output.append(item)
            continue
        pair = (item.lang, _other(item.lang))
        table = translated.get(pair)
        sentence_translations = [table[text] for text in item.sentences] if table is not None else None
        keyword_translations = [table[text] for text in item.keywords or []] if table is not None else None
        title_pair = (item.title_lang, _other(item.title_lang)) if item.title_lang else None
        title_table = translated.get(title_pair) if title_pair else None
        title_translation = title_table[item.title] if item.title and title_table is not None else None
        try:
            output.append(
                _build_record(
                    item, sentence_translations, keyword_translations, title_translation, translators, options
                )
            )
        except Exception as error:
            output.append(_internal_error(item.source, error, warn))
    return output


def _build_record(
    item: PreparedAbstract,
    sentence_translations: list[str] | None,
    keyword_translations: list[str] | None,
    title_translation: str | None,
    translators: Translators,
    options: RunOptions,
) -> Record:
    """The output record of a prepared abstract and its translations (no side effects)."""
    source_lang, target_lang = item.lang, _other(item.lang)
    engine = translators.get(source_lang, target_lang) if sentence_translations is not None else None
    flags, glossary_misses = _flags(item, sentence_translations, engine, translators.glossary)
    titles = {item.title_lang: item.title, _other(item.title_lang): title_translation} if item.title_lang else {}
    summary, algorithm = _summary(item, sentence_translations, titles, translators.words, options)
    targets: Sequence[str | None] = (
        sentence_translations if sentence_translations is not None else [None] * len(item.sentences)
    )
    joined = None if sentence_translations is None else _join(sentence_translations, target_lang)
    return Record(
        id=item.record_id,
        batch=item.source.batch,
        source_lang=source_lang,
        title=titles if item.title and item.title_lang else None,
        text={source_lang: item.text, target_lang: joined},
        sentences=[{source_lang: s, target_lang: t} for s, t in zip(item.sentences, targets)],
        summary=summary,
        keywords=None if item.keywords is None else {source_lang: item.keywords, target_lang: keyword_translations},
        engine=EngineUsed(engine.name if engine else None, engine.model if engine else None, algorithm),
        flags=flags,
        meta=item.source.meta,
        source=SourceRef(item.source.file, item.source.line, item.source.number),
        glossary_misses=glossary_misses,
    )


def _flags(
    item: PreparedAbstract,
    translations: list[str] | None,
    engine: TranslationEngine | None,
    glossary: Glossary,
) -> tuple[list[str], list[dict[str, str]]]:
    """What a reader should know about the record, and the glossary terms its English misses."""
    flags = list(item.flags)
    misses: list[dict[str, str]] = []
    if engine is None or translations is None:
        return flags, misses
    flags += [flag for flag in engine.record_flags if flag not in flags]
    if any(not translation.strip() for translation in translations):
        flags.append("empty_translation")
    if any(is_repetitive(translation) for translation in translations):
        flags.append("repetition")
    if item.lang == "zh" and glossary:
        misses = glossary.misses(item.text, _join(translations, _other(item.lang)))
        if misses:
            flags.append("glossary_miss")
    return flags, misses


def _summary(
    item: PreparedAbstract,
    translations: list[str] | None,
    titles: dict[str, str | None],
    words: Segmenter,
    options: RunOptions,
) -> tuple[RecordSummary, str]:
    """The summary in both languages (aligned: chosen on the source; or each on its own), and its algorithm."""
    source_lang, target_lang = item.lang, _other(item.lang)
    chosen = choose_sentences(
        item.sentences,
        source_lang,
        options.summary_size,
        options.summarizer,
        title=titles.get(source_lang),
        words=words,
    )
    indices: dict[str, list[int] | None] = {source_lang: chosen.indices, target_lang: None}
    if translations is not None:
        indices[target_lang] = (
            choose_sentences(
                translations,
                target_lang,
                options.summary_size,
                options.summarizer,
                title=titles.get(target_lang),
                words=words,
            ).indices
            if options.summary_mode == "independent"
            else chosen.indices
        )
    sides: dict[str, list[str] | None] = {source_lang: item.sentences, target_lang: translations}
    summary = RecordSummary(
        sentences={lang: _pick(sides[lang], indices[lang]) for lang in LANGUAGES},
        indices=chosen.indices if options.summary_mode == "aligned" else both(indices),
        mode=options.summary_mode,
    )
    return summary, chosen.algorithm


def _pick(sentences: list[str] | None, indices: list[int] | None) -> list[str] | None:
    """The sentences at `indices`, or None for a side that was not translated."""
    return None if sentences is None or indices is None else [sentences[i] for i in indices]


def _join(sentences: list[str], lang: str) -> str:
    return (" " if lang == "en" else "").join(sentences)


def _unwritable(record: Record, failure: Exception, warn: Warn) -> RecordError:
    source = record.source
    warn(f"{source.file}, line {source.line}: internal error, the record cannot be written as JSON: {failure}")
    return RecordError(source.file, source.line, source.record, f"internal error: {failure!r}")


def _internal_error(record: SourceRecord, error: Exception, warn: Warn) -> RecordError:
    warn(f"{record.file}, line {record.line}: internal error on this record:\n{traceback.format_exc()}")
    return RecordError(record.file, record.line, record.number, f"internal error: {error!r}")

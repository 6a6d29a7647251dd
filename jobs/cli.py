"""The `digest` command: parse options, call the library, map outcomes to exit codes."""

from __future__ import annotations

import json
import os
import signal
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import __version__, messages
from .cli_config import CONFIG_HELP, config_group, config_option, config_topics, fail, flag_over_file, mail_command
from .config import Config
from .engines import download_model, engine_choices, engine_options, install_model, installed_models, remove_model
from .engines.base import EngineOption, EngineSettings
from .errors import (
    EXIT_FAILURES,
    EXIT_HANGUP,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    DigestError,
    OutputError,
    UsageError,
)
from .keywords import DEFAULT_METHOD as DEFAULT_KEYWORD_METHOD
from .keywords import METHODS as KEYWORD_METHODS
from .limits import check_descriptors
from .lock import exclusive_run
from .options import EXECUTORS, RunOptions, check_base_url, summary_size
from .pipeline import run
from .reading import INPUT_FORMATS
from .render import check_batch_files, render_all
from .settings import default_models_dir
from .summarize import ALGORITHMS, DEFAULT_ALGORITHM


class EngineChoice(click.Choice):
    """`--engine`'s choices, read from the engine registry when the command is used, not at import."""

    def __init__(self) -> None:
        super().__init__(["auto"])

    @property  # type: ignore[override]
    def choices(self) -> list[str]:
        return engine_choices()

    @choices.setter
    def choices(self, value: object) -> None:
        pass  # set by click.Choice.__init__; the registry is the source


def _engine_option(option: EngineOption) -> click.Option:
    """The `digest run` flag of one of an engine's own options."""
    kind: click.ParamType
    if option.kind is bool:
        return click.Option([option.flag, option.name], is_flag=True, default=False, help=option.help)
    if option.choices:
        kind = click.Choice(option.choices)
    elif option.kind is int:
        kind = click.IntRange(min=None if option.minimum is None else int(option.minimum))
    elif option.kind is float:
        kind = click.FloatRange(min=option.minimum)
    else:
        kind = click.STRING
    return click.Option(
        [option.flag, option.name], type=kind, default=option.default, show_default=True, help=option.help
    )


class RunCommand(click.Command):
    """`digest run`, whose engine options come from the engine registry: a new engine needs no CLI change."""

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        params = super().get_params(ctx)
        own = [_engine_option(option) for option in engine_options()]
        taken = {name for param in params for name in (param.name, *param.opts)}
        if clash := sorted(name for param in own for name in (param.name, *param.opts) if name in taken):
            # click would take the value for one and silently drop the other's.
            raise RuntimeError(f"an engine option has the name of digest run's own flag: {', '.join(map(str, clash))}")
        return params[:-1] + own + params[-1:]  # --help stays last


def models_dir_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--models-dir`, shared by every command that reads installed models."""
    return click.option(
        "--models-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Installed translation models (default: $DIGEST_MODELS_DIR, else ./lang_models).",
    )(command)


def base_url_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--base-url`, shared by the commands that write the feed."""
    return click.option(
        "--base-url",
        default=None,
        metavar="URL",
        help="Where the pages are published (https://example.org/digest/): the feed's links, rel=self too, are absolute.",
    )(command)


class Terminated(BaseException):
    """SIGTERM or SIGHUP, raised where the program is so that unfinished files are cleaned up."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _terminate(signum: int, frame: object) -> None:
    raise Terminated(signum)


def _interrupt(signum: int, frame: object) -> None:
    """The first Ctrl-C: stop, cleaning up on the way out; a second one stops at once."""
    signal.signal(signal.SIGINT, _interrupt_again)
    raise KeyboardInterrupt


def _interrupt_again(signum: int, frame: object) -> None:
    """A second Ctrl-C during the clean-up: end the process now, with one line and no traceback (a
    half-written file is left hidden, and the next run removes it, as after `kill -9`)."""
    try:
        messages.error("interrupted again: stopped at once; the next run removes what was left half-written")
    finally:
        os._exit(EXIT_INTERRUPTED)


#: Signals that end a run as the shell's 128 + N, after cleaning up: a scheduler's stop, a closed terminal.
_ENDING_SIGNALS = {signal.SIGTERM: ("terminated", EXIT_TERMINATED), signal.SIGHUP: ("hung up", EXIT_HANGUP)}


class SignalExits(click.Group):
    """A command group whose commands exit 130 on SIGINT (Ctrl-C) and 143 on SIGTERM, as shells do.

    click's own handling of Ctrl-C exits 1, the code for "some records failed".
    """

    def invoke(self, ctx: click.Context) -> Any:
        previous = {}
        if threading.current_thread() is threading.main_thread():
            previous = {signum: signal.signal(signum, _terminate) for signum in _ENDING_SIGNALS}
            previous[signal.SIGINT] = signal.signal(signal.SIGINT, _interrupt)
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            messages.say("")
            messages.error("interrupted; completed outputs are kept, the rest is redone next time")
            # Until the process ends (its threads and Ray shut down after this), a second Ctrl-C
            # stops it at once rather than raising into the interpreter's shutdown.
            previous.pop(signal.SIGINT, None)
            sys.exit(EXIT_INTERRUPTED)
        except Terminated as ended:
            what, code = _ENDING_SIGNALS[signal.Signals(ended.signum)]
            messages.error(f"{what}; completed outputs are kept, the rest is redone next time")
            sys.exit(code)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


def _input_formats_help() -> str:
    """The input formats as `digest run --help` lists them: every registered format, in the order they are told apart.

    The block is indented: click prints it as it is (after `\\b`), and Markdown (the docs' CLI
    reference, which mkdocs-click makes from this help) shows it as a code block.
    """
    lines = ["\b"]
    for known in INPUT_FORMATS.values():
        first, *rest = textwrap.wrap(f"{known.label}, {known.summary}", width=52)
        lines += [f"    {known.name:<19}{first}", *(f"    {'':<19}{line}" for line in rest)]
    return "\n".join(lines)


RUN_HELP = f"""Process every new or changed batch in INPUTS (default: ./input) into the output folder.

Each file directly in an input folder is one batch, of at most 1 GiB, in one of these formats:

{_input_formats_help()}

Each batch's records go to `output/<batch>.jsonl` and its page for people to
`output/<batch>.digest.html` (and `.digest.md`), all listed in `output/index.html`; the run's last
line names the pages it wrote.

Exit codes: 0 all done (or nothing new), 1 some batches or records failed (the rest written), 2
usage or configuration error (nothing written), 74 the output folder could not be written (disk
full, read-only; earlier outputs intact), 69 the mail could not all be sent (the batches are done; the mail is
sent by the next run), 75 another run holds the lock, 129 hung up (SIGHUP), 130
interrupted (Ctrl-C), 143 terminated (SIGTERM).
"""


@click.group(cls=SignalExits)
@click.version_option(__version__, prog_name="digest")
def cli() -> None:
    """Chinese academic abstracts to English, with extractive summaries in both languages."""


@cli.command(name="run", cls=RunCommand, help=RUN_HELP)
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    is_eager=True,
    expose_value=True,
    callback=config_option,
    help=CONFIG_HELP,
)
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output"),
    show_default=True,
    help="Where results, the lock and the run log go.",
)
@click.option(
    "--engine",
    type=EngineChoice(),
    default="auto",
    show_default=True,
    help="Translation engine; 'auto' takes the best installed one and warns when it falls back to 'gloss'.",
)
@click.option(
    "--sentences",
    "summary_sentences",
    type=click.IntRange(min=1),
    default=None,
    help="Sentences per summary  [default: 3].",
)
@click.option(
    "--ratio",
    "summary_ratio",
    type=click.FloatRange(min=0, max=1, min_open=True),
    default=None,
    help="Summary length as a share of the abstract's sentences (e.g. 0.3), instead of --sentences.",
)
@click.option(
    "--algorithm",
    type=click.Choice(ALGORITHMS),
    default=DEFAULT_ALGORITHM,
    show_default=True,
    help="Summary algorithm: digest's cue-position or one of sumy's eight.",
)
@click.option(
    "--summary-mode",
    type=click.Choice(["aligned", "independent"]),
    default="aligned",
    show_default=True,
    help="aligned: both languages' summaries are the same sentences; independent: each language summarised on its own.",
)
@click.option(
    "--keywords",
    "keyword_count",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    help="Keywords per language (0: none).",
)
@click.option(
    "--keyword-method",
    type=click.Choice(KEYWORD_METHODS),
    default=DEFAULT_KEYWORD_METHOD,
    show_default=True,
    help="tfidf: keyphrases ranked by TF-IDF; textrank: jieba's TextRank over Chinese words (English always uses keyphrases).",
)
@click.option(
    "--force/--no-force",
    default=False,
    help="Redo batches whose input has not changed since their output was written (--no-force: not, whatever the config file says).",
)
@models_dir_option
@click.option(
    "--glossary",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="TSV of Chinese term<TAB>English term: kept whole in segmentation, forced by 'gloss', put in by placeholders for 'ct2' and 'argos', checked for every engine.",
)
@click.option(
    "--cache",
    "cache_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Translation cache file (default: translations.sqlite3 in the user's cache folder).",
)
@click.option("--no-cache", is_flag=True, help="Do not read or write the translation cache.")
@click.option(
    "--follow-symlinks/--no-follow-symlinks",
    default=False,
    help="Read symbolic links in input folders that lead outside them (skipped with a warning by default).",
)
@click.option(
    "--executor",
    type=click.Choice(EXECUTORS),
    default="local",
    show_default=True,
    help="Where the per-record work runs: this process, or Ray workers (pip install 'zh-abstract-digest[ray]').",
)
@click.option(
    "--ray-address",
    default=None,
    help="Ray cluster to join with --executor ray (default: RAY_ADDRESS, else a local Ray instance for the run).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Ray workers (default: one per CPU of the cluster, or one per GPU when models run on CUDA).",
)
@base_url_option
@click.option(
    "-q",
    "--quiet/--no-quiet",
    default=False,
    help="No progress bar and no summary line; warnings only (--no-quiet: shown, whatever the config file says).",
)
def run_command(
    inputs: tuple[Path, ...],
    config: Config,
    summary_sentences: int | None,
    summary_ratio: float | None,
    quiet: bool,
    **flags: Any,
) -> None:
    """`digest run`; its help is RUN_HELP."""
    summary_sentences, summary_ratio = flag_over_file(summary_sentences, summary_ratio)
    try:
        report = run(_run_options(inputs, config, summary_size(summary_sentences, summary_ratio), quiet, flags))
    except UsageError as error:  # shown as click shows its own: under the usage line
        raise click.UsageError(str(error)) from None
    except DigestError as error:
        fail(error)
    if not quiet:
        messages.say(report.summary_line())
    sys.exit(report.exit_code)


#: `digest run`'s own flags, by their parameter names; the others are the engines' options.
_RUN_FLAGS = (
    "output_dir", "engine", "algorithm", "summary_mode", "keyword_count", "keyword_method", "force",
    "models_dir", "glossary", "cache_path", "no_cache", "follow_symlinks", "executor", "ray_address",
    "workers", "base_url",
)  # fmt: skip


def _run_options(
    inputs: tuple[Path, ...], config: Config, size: int | float, quiet: bool, flags: dict[str, Any]
) -> RunOptions:
    """The run's options from `digest run`'s flags and the config file's mail and topics."""
    own = {name: flags.pop(name) for name in _RUN_FLAGS}
    return RunOptions(
        inputs=inputs or (Path("input"),),
        output_dir=own["output_dir"],
        engine=own["engine"],
        summary_size=size,
        summarizer=own["algorithm"],
        summary_mode=own["summary_mode"],
        keywords=own["keyword_count"],
        keyword_method=own["keyword_method"],
        force=own["force"],
        engine_settings=EngineSettings(models_dir=own["models_dir"] or default_models_dir(), options=flags),
        glossary=own["glossary"],
        cache_path=own["cache_path"],
        use_cache=not own["no_cache"],
        progress=not quiet and messages.stderr_is_terminal(),
        follow_symlinks=own["follow_symlinks"],
        executor=own["executor"],
        ray_address=own["ray_address"],
        workers=own["workers"],
        mail=config.mail,
        topics=config.topics,
        base_url=own["base_url"],
    )


cli.add_command(config_group)
cli.add_command(mail_command)


@cli.command(name="render")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@base_url_option
@click.option(
    "--config",
    "given",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Config file whose [topics.NAME] (and glossary) the pages' badges and topics/ follow (default: ./digest.toml if there is one; none: the topics' files are left alone and the pages show no badges).",
)
def render_command(files: tuple[Path, ...], base_url: str | None, given: Path | None) -> None:
    """Rebuild the Markdown and HTML pages and citations of batch FILES (`output/<batch>.jsonl`), the index and feed beside them, and the topics' files."""
    topics = config_topics(click.get_current_context(), given)
    by_folder: dict[Path, list[Path]] = {}
    for path in files:
        by_folder.setdefault(path.parent, []).append(path)
    failed = False
    try:
        check_descriptors()  # a batch that cannot be opened for want of them would be left out of the feed
        if base_url is not None:
            base_url = check_base_url(base_url)
        check_batch_files(files)  # before anything is written: a refused render writes nothing
        for folder, paths in by_folder.items():
            with exclusive_run(folder):
                result = render_all(
                    folder, paths, warn=messages.warning, error=messages.error, base_url=base_url, topics=topics
                )
            failed = failed or bool(result.failed)
    except DigestError as error:
        fail(error)
    sys.exit(EXIT_FAILURES if failed else EXIT_OK)


@cli.group()
def models() -> None:
    """Install, list and remove translation models (Argos Translate packages, CTranslate2 model folders)."""


@models.command(name="install")
@click.argument("package", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--from-index",
    nargs=2,
    metavar="FROM TO",
    default=None,
    help="Download the FROM->TO package through argostranslate's index instead (needs network).",
)
@models_dir_option
def models_install(package: Path | None, from_index: tuple[str, str] | None, models_dir: Path | None) -> None:
    """Validate PACKAGE (an .argosmodel file) and install it, replacing an older version of its pair."""
    settings = EngineSettings(models_dir=models_dir or default_models_dir())
    if (package is None) == (from_index is None):
        raise click.UsageError("give either an .argosmodel file or --from-index FROM TO")
    try:
        if package is not None:
            model = install_model(package, settings)
        else:
            assert from_index is not None
            model = download_model(*from_index, settings)
    except DigestError as error:
        fail(error)
    except OSError as error:  # the models folder cannot be written: disk full, read-only, immutable
        fail(OutputError.from_os_error(error.filename or settings.models_dir, error))
    messages.say(f"installed {model.model} ({model.source_lang}->{model.target_lang}) in {model.path}")


@models.command(name="add")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--name", default=None, help="What to call the model (default: the folder's name).")
@models_dir_option
def models_add(folder: Path, name: str | None, models_dir: Path | None) -> None:
    """Check FOLDER, a model as a CTranslate2 converter writes it, by loading it, and copy it into the models folder.

    FOLDER holds model.bin, config.json and the vocabulary, with the model's tokenizer files
    beside them (OPUS-MT: source.spm and target.spm; NLLB-200 and M2M-100:
    sentencepiece.bpe.model; MADLAD-400: spiece.model). A model of the same name is replaced.
    """
    settings = EngineSettings(models_dir=models_dir or default_models_dir())
    try:
        model = install_model(folder, settings, name)
    except DigestError as error:
        fail(error)
    except OSError as error:  # the models folder cannot be written: disk full, read-only, immutable
        fail(OutputError.from_os_error(error.filename or settings.models_dir, error))
    messages.say(
        f"added {model.model} ({model.version or f'{model.source_lang}->{model.target_lang}'}) in {model.path}"
    )


@models.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per model instead of a table.")
@models_dir_option
def models_list(as_json: bool, models_dir: Path | None) -> None:
    """List installed models: name, version, size, folder and kind."""
    settings = EngineSettings(models_dir=models_dir or default_models_dir())
    installed = installed_models(settings)
    if as_json:
        for model in installed:
            click.echo(json.dumps(model.as_json(), ensure_ascii=False))
        return
    if not installed:
        messages.say(f"no models installed in {settings.models_dir}")
        return
    for model in installed:
        click.echo(f"{model.name}\t{model.version}\t{model.size_bytes / 1e6:.1f} MB\t{model.path}\t{model.kind}")


@models.command(name="remove")
@click.argument("name")
@models_dir_option
def models_remove(name: str, models_dir: Path | None) -> None:
    """Remove the installed model NAME, as `digest models list` names it: an Argos package by its pair (zh_en)."""
    try:
        model = remove_model(name, EngineSettings(models_dir=models_dir or default_models_dir()))
    except DigestError as error:
        fail(error)
    messages.say(f"removed {model.model} from {model.path}")

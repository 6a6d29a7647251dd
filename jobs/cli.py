"""The `digest` command: parse options, call the library, map outcomes to exit codes."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .engines import engine_choices
from .engines.base import EngineSettings
from .errors import DigestError
from .pipeline import RunOptions, run
from .settings import default_models_dir


@click.group()
@click.version_option(__version__, prog_name="digest")
def cli() -> None:
    """Chinese academic abstracts to English, with extractive summaries in both languages."""


@cli.command(name="run")
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
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
    type=click.Choice(engine_choices()),
    default="auto",
    show_default=True,
    help="Translation engine; 'auto' takes the best installed one and warns when it falls back to 'gloss'.",
)
@click.option(
    "--sentences",
    "summary_sentences",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Sentences per summary.",
)
@click.option("--force", is_flag=True, help="Redo batches whose input has not changed since their output was written.")
@click.option(
    "--models-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Installed translation models (default: $DIGEST_MODELS_DIR or ./lang_models).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary line; warnings only.")
def run_command(
    inputs: tuple[Path, ...],
    output_dir: Path,
    engine: str,
    summary_sentences: int,
    force: bool,
    models_dir: Path | None,
    quiet: bool,
) -> None:
    """Process every new or changed batch in INPUTS (default: ./input) into the output folder.

    Each file directly in an input folder is one batch: a text export (abstracts separated by
    相似文献, else by blank lines) or JSON lines with an `abstract` or `text` field. Exit codes:
    0 all done (or nothing new), 1 some batches or records failed (the rest written), 2 usage or
    configuration error, 75 another run holds the lock.
    """
    options = RunOptions(
        inputs=inputs or (Path("input"),),
        output_dir=output_dir,
        engine=engine,
        summary_sentences=summary_sentences,
        force=force,
        engine_settings=EngineSettings(models_dir=models_dir or default_models_dir()),
        progress=not quiet and sys.stderr.isatty(),
    )
    try:
        report = run(options)
    except DigestError as error:
        click.echo(f"digest: error: {error}", err=True)
        sys.exit(error.exit_code)
    if not quiet:
        click.echo(report.summary_line(), err=True)
    sys.exit(report.exit_code)


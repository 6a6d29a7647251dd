"""The `digest` command's config file: `digest run --config`, `digest config check` and `digest mail`.

Apart from `cli.py`, which adds these commands to the group: the config file is read against
`digest run`'s own parameters, found from the command group at hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import messages
from .config import CONFIG_NAME, Config, find_config, read_config
from .errors import EXIT_USAGE, ConfigError, DigestError, MailError
from .glossary import load_glossary
from .passwords import password_problems
from .topics import Topic, build_topics


def fail(error: DigestError) -> None:
    """Report a user-facing error on stderr and exit with its code."""
    messages.error(str(error))
    sys.exit(error.exit_code)


def read_config_or_exit(ctx: click.Context, given: Path | None) -> Config:
    """The config file (`--config`, else ./digest.toml) read and checked against `digest run`'s parameters."""
    root = ctx.find_root().command
    run = root.commands["run"] if isinstance(root, click.Group) else ctx.command
    with click.Context(run, info_name="run") as run_ctx:
        params = run.get_params(run_ctx)
    try:
        return read_config(find_config(given), params)
    except DigestError as error:
        for line in str(error).splitlines():  # each mistake on a line of its own
            messages.error(line)
        sys.exit(error.exit_code)


def config_option(ctx: click.Context, param: click.Parameter, given: Path | None) -> Config:
    """`digest run --config`: the file's [run] keys become the defaults of the flags not given."""
    config = read_config_or_exit(ctx, given)
    ctx.default_map = {**config.run, **(ctx.default_map or {})}
    return config


CONFIG_HELP = "Config file (default: ./digest.toml if there is one); a flag given here overrides its [run] keys."


def flag_over_file(sentences: int | None, ratio: float | None) -> tuple[int | None, float | None]:
    """`--sentences` or `--ratio` given as a flag wins over the other one's key in the config file."""
    ctx = click.get_current_context()
    source = ctx.get_parameter_source
    if sentences is not None and ratio is not None:
        if (
            source("summary_ratio") == click.core.ParameterSource.COMMANDLINE
            and source("summary_sentences") == click.core.ParameterSource.DEFAULT_MAP
        ):
            return None, ratio
        if (
            source("summary_sentences") == click.core.ParameterSource.COMMANDLINE
            and source("summary_ratio") == click.core.ParameterSource.DEFAULT_MAP
        ):
            return sentences, None
    return sentences, ratio


def config_topics(ctx: click.Context, given: Path | None) -> tuple[Topic, ...] | None:
    """The topics of the config file (`given`, else ./digest.toml), with its glossary's terms, as `digest
    run` matches them; None where there is no config file."""
    path = find_config(given)
    if path is None:
        return None
    config = read_config_or_exit(ctx, path)
    try:
        glossary = load_glossary(config.run["glossary"]) if config.run.get("glossary") else None
        return build_topics(config.topics, glossary)
    except DigestError as error:
        fail(error)
        raise  # not reached: fail exits


@click.group(name="config")
def config_group() -> None:
    """Check the config file, digest.toml."""


@config_group.command(name="check")
@click.option(
    "--config", "given", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None, help=CONFIG_HELP
)
def config_check(given: Path | None) -> None:
    """Read the config file and name each mistake with its line; exit 2 if there is one."""
    path = find_config(given)
    if path is None:
        fail(ConfigError(f"no config file: give --config FILE, or put {CONFIG_NAME} in this folder"))
    config = read_config_or_exit(click.get_current_context(), path)
    problems = []
    if config.mail is not None:
        problems = password_problems(config.mail)
    for problem in problems:
        messages.error(f"{path}: {problem}")
    if problems:
        sys.exit(EXIT_USAGE)
    topics = f", {len(config.topics)} topic{'s' if len(config.topics) != 1 else ''}" if config.topics else ""
    mail = f", mail to {len(config.mail.to)} address{'es' if len(config.mail.to) != 1 else ''}" if config.mail else ""
    messages.say(f"{path}: ok ({len(config.run)} run option{'s' if len(config.run) != 1 else ''}{mail}{topics})")


@click.command(name="mail")
@click.option(
    "--config", "given", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None, help=CONFIG_HELP
)
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The output folder whose records are mailed (default: the config's output-dir, else ./output).",
)
@click.option(
    "--dry-run", is_flag=True, help="Write the messages as .eml files instead of sending them; record nothing."
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("mail-drafts"),
    show_default=True,
    help="Where --dry-run writes the messages.",
)
@click.option("-q", "--quiet", is_flag=True, help="Nothing on stderr unless something fails.")
def mail_command(given: Path | None, output_dir: Path | None, dry_run: bool, out: Path, quiet: bool) -> None:
    """Send the mail still owed: the records runs have written and no server has taken yet ([mail] in digest.toml)."""
    config = read_config_or_exit(click.get_current_context(), given)
    if config.mail is None:
        fail(ConfigError(f"{config.path or CONFIG_NAME}: no [mail] section; nothing to send"))
    assert config.mail is not None
    folder = output_dir or config.run.get("output_dir") or Path("output")
    from .mail.delivery import mail_pending  # here: smtplib and ssl only for the command that mails

    try:
        outcome = mail_pending(folder, config.mail, out if dry_run else None, topics=config.topics)
    except DigestError as error:
        fail(error)
    if outcome.failed:
        fail(MailError(f"mail: {outcome.failed}"))
    if dry_run and not quiet:
        messages.say(f"digest: wrote {len(outcome.drafts)} message{'s' if len(outcome.drafts) != 1 else ''} to {out}")
    elif not quiet:
        messages.say(f"digest: mailed {outcome.sent} message{'s' if outcome.sent != 1 else ''}")

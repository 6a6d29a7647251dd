"""Every command has help, and the README documents every command and option."""

from __future__ import annotations

import re

import click
import pytest

from jobs.cli import cli

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def all_commands(group: click.Group, prefix: str = "digest") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in group.commands.items():
        found.append((f"{prefix} {name}", command))
        if isinstance(command, click.Group):
            found += all_commands(command, f"{prefix} {name}")
    return found


@pytest.mark.parametrize(("name", "command"), all_commands(cli), ids=lambda value: str(value))
def test_command_has_help_and_is_in_the_readme(name: str, command: click.Command) -> None:
    assert command.help and command.help.strip()
    assert f"`{name}" in README, f"{name} is not documented in README.md"
    context = click.Context(command)
    for option in command.get_params(context):  # with the options read from registries
        if isinstance(option, click.Option) and option is not command.get_help_option(context):
            assert option.help, f"{name} {option.opts} has no help"
            assert any(f"`{opt}" in README for opt in option.opts), f"{name} {option.opts[0]} is not in README.md"


def test_readme_test_command_is_what_ci_runs() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    test_command = re.search(r"```sh\n(pip install -e '\.\[test,ray\]' && pytest)\n```", README)
    assert test_command and test_command.group(1) in ci


def test_every_exit_code_is_documented() -> None:
    from jobs import errors

    codes = {value for name, value in vars(errors).items() if name.startswith("EXIT_")}
    assert codes == {0, 1, 2, 74, 75, 129, 130, 143}
    table = README.split("### Exit codes", 1)[1].split("\n## ", 1)[0]
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", table, flags=re.MULTILINE)}
    assert documented == codes


def readme_row(option: str) -> str:
    """The README options-table row that documents `option`."""
    rows = [
        line for line in README.splitlines() if line.startswith("|") and re.search(rf"`{re.escape(option)}[ `]", line)
    ]
    assert rows, f"{option} has no row in a README options table"
    return rows[0]


@pytest.mark.parametrize(("name", "command"), all_commands(cli), ids=lambda value: str(value))
def test_readme_lists_the_choices_the_help_offers(name: str, command: click.Command) -> None:
    for option in command.get_params(click.Context(command)):
        if not (isinstance(option, click.Option) and isinstance(option.type, click.Choice)):
            continue
        row = readme_row(option.opts[-1])
        choices = [str(choice) for choice in option.type.choices]
        written = re.search(rf"`{re.escape(option.opts[-1])} ([\w-]+(?:\\\|[\w-]+)+)`", row)
        if written:  # the row spells the choices out in its first column: exactly those
            assert written.group(1).split("\\|") == choices, f"{name} {option.opts[-1]}: README {written.group(1)}"
        else:  # the row names a placeholder (`--algorithm NAME`): every choice is in its description
            missing = [choice for choice in choices if f"`{choice}`" not in row]
            assert not missing, f"{name} {option.opts[-1]}: README does not list {missing}"

"""The docs: every command has help (the CLI reference is generated from it), the docs and the README
say what the code does (exit codes, input formats), the README stays short with links that lead
somewhere, and the site builds strictly."""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path
from types import ModuleType

import click
import pytest
from click.testing import CliRunner

from jobs import errors
from jobs.cli import cli
from jobs.reading import INPUT_FORMATS, citation_formats
from jobs.reading.formats.text import SIMILAR_LITERATURE_MARKER

from .conftest import REPO, missing_system_component

DOCS = REPO / "docs"
README = (REPO / "README.md").read_text(encoding="utf-8")
EXIT_CODES = {value for name, value in vars(errors).items() if name.startswith("EXIT_")}
#: What the formats are told by: the reference exports' names (their `citation.format`), and the suffixes.
EXPORT_FORMATS = citation_formats()
SUFFIXES = [suffix for known in INPUT_FORMATS.values() for suffix in known.suffixes]


def all_commands(group: click.Group, prefix: str = "digest") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in group.commands.items():
        found.append((f"{prefix} {name}", command))
        if isinstance(command, click.Group):
            found += all_commands(command, f"{prefix} {name}")
    return found


def options_of(command: click.Command) -> list[click.Option]:
    """The command's options as `--help` shows them (with those read from registries), less --help."""
    context = click.Context(command)
    return [
        option
        for option in command.get_params(context)
        if isinstance(option, click.Option) and option is not command.get_help_option(context)
    ]


def section(text: str, heading: str) -> str:
    """The text under `heading` (a Markdown heading line) up to the next heading of its level or above."""
    level = heading.split(" ", 1)[0]
    body = text.split(f"\n{heading}\n", 1)[1]
    return re.split(rf"\n#{{1,{len(level)}}} ", body, maxsplit=1)[0]


def table_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("|") and not line.startswith("|---")]


@pytest.mark.parametrize(("name", "command"), all_commands(cli), ids=lambda value: str(value))
def test_every_command_and_option_has_help(name: str, command: click.Command) -> None:
    """The CLI reference (docs/cli.md) is made from this help by mkdocs-click: help is documentation."""
    assert command.help and command.help.strip(), f"{name} has no help"
    for option in options_of(command):
        assert option.help, f"{name} {option.opts} has no help"


def test_the_cli_reference_is_generated_from_the_commands() -> None:
    page = (DOCS / "cli.md").read_text(encoding="utf-8")
    block = re.search(r"^::: mkdocs-click\n((?:    :\w+: .*\n)+)", page, flags=re.MULTILINE)
    assert block, "docs/cli.md has no mkdocs-click block"
    assert "    :module: jobs.cli\n" in block.group(1) and "    :command: cli\n" in block.group(1)


def test_run_help_lists_the_input_formats_and_exit_codes() -> None:
    result = CliRunner().invoke(cli, ["run", "--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    words = re.sub(r"\s+", " ", result.output)
    for suffix in SUFFIXES:
        assert suffix in words
    for name in INPUT_FORMATS:
        assert re.search(rf"[ :]{re.escape(name)}[,\s]", result.output), f"{name} is not in digest run --help"
    assert SIMILAR_LITERATURE_MARKER in words and "output/index.html" in words
    listed = {int(code) for code in re.findall(r"(?<![\w.-])(\d{1,3}) [a-z]", words.split("Exit codes:", 1)[1])}
    assert EXIT_CODES <= listed, f"not in digest run --help: {EXIT_CODES - listed}"


def test_every_exit_code_is_in_the_cron_page_and_the_readme() -> None:
    cron = section((DOCS / "cron.md").read_text(encoding="utf-8"), "## Exit codes")
    documented = {int(row.split("|")[1]) for row in table_rows(cron)[1:]}
    assert documented == EXIT_CODES
    readme = section(README, "## Running it from cron")
    in_readme = {int(code) for row in table_rows(readme)[1:] for code in row.split("|")[1].split(",")}
    assert in_readme == EXIT_CODES


@pytest.mark.parametrize("where", ["docs/input-formats.md", "README.md"])
def test_every_input_format_is_in_the_formats_table(where: str) -> None:
    text = (REPO / where).read_text(encoding="utf-8")
    rows = table_rows(text.split("# Input formats", 1)[1])
    rows = rows[: next((i for i, row in enumerate(rows[1:], 1) if row.startswith("| format")), len(rows))]
    for name in EXPORT_FORMATS:
        assert any(f"(`{name}`)" in row.split("|")[1] for row in rows), f"{name} has no row in {where}'s table"
    for suffix in SUFFIXES:
        assert any(f"`{suffix}`" in row for row in rows), f"{suffix} is not in {where}'s table"
    assert any(SIMILAR_LITERATURE_MARKER in row for row in rows), f"text exports are not in {where}'s table"
    for known in INPUT_FORMATS.values():  # named as the registry names it
        assert any(row.split("|")[1].strip().startswith(known.label) for row in rows), (
            f"{known.label}: no row in {where}"
        )


def test_the_readme_is_short() -> None:
    assert len(README.encode("utf-8")) < 12 * 1024


def test_no_docs_page_is_a_wall() -> None:
    for page in DOCS.glob("*.md"):
        assert len(page.read_bytes()) < 16 * 1024, f"{page.name}: split it by topic"


def cited_in() -> list[tuple[str, str]]:
    """Each docs page and the README, by name, with its text: what cites digest's code."""
    pages = [(f"docs/{page.name}", page.read_text(encoding="utf-8")) for page in sorted(DOCS.glob("*.md"))]
    return [*pages, ("README.md", README)]


def test_every_jobs_path_cited_exists() -> None:
    """A module or folder the docs send a newcomer to (`jobs/reading/formats/`) is there: a restructure
    that moves one fails here until the docs follow."""
    cited = {
        (where, path.rstrip(".-"))
        for where, text in cited_in()
        for path in re.findall(r"(?<![\w/.-])jobs/[\w./-]*", text)
    }
    missing = sorted(f"{where}: {path}" for where, path in cited if not (REPO / path).exists())
    assert not missing, "cited, and not in the repository:\n" + "\n".join(missing)


def test_every_module_file_named_exists() -> None:
    """A module named by its file alone (`passes.py`) is a file somewhere in the repository's code."""
    files = {path.name for folder in ("jobs", "tests", "benchmarks") for path in (REPO / folder).rglob("*.py")}
    missing = sorted(
        f"{where}: {name}"
        for where, text in cited_in()
        for name in set(re.findall(r"`([\w.]+\.py)`", text))
        if name not in files
    )
    assert not missing, "named, and no such module:\n" + "\n".join(missing)


def resolves(dotted: str) -> bool:
    """Whether `module.name[.name...]` (a top-level module of jobs first) names something defined there.

    A name a module only imports from another (`chunk.Translators`) does not count: the docs must
    send a reader to where it is defined (a package's re-exports of its own modules count).
    """
    first, *rest = dotted.split(".")
    found: object = importlib.import_module(f"jobs.{first}")
    for part in rest:
        if isinstance(found, ModuleType) and hasattr(found, "__path__"):  # a package: its modules count
            if importlib.util.find_spec(f"{found.__name__}.{part}") is not None:
                found = importlib.import_module(f"{found.__name__}.{part}")
                continue
        if not hasattr(found, part):
            return False
        owner, found = found, getattr(found, part)
        defined_in = getattr(found, "__module__", None)
        if isinstance(owner, ModuleType) and isinstance(defined_in, str):
            if not (defined_in == owner.__name__ or defined_in.startswith(f"{owner.__name__}.")):
                return False
    return True


def cited_names(text: str) -> set[str]:
    """`module.name` references in code spans, and in the text diagrams (```text), to a top-level module of jobs."""
    spans = re.findall(r"`(?:jobs\.)?([a-z_]+(?:\.[A-Za-z_]\w*)+)(?:\(\))?`", text)
    for diagram in re.findall(r"```text\n(.*?)```", text, flags=re.DOTALL):
        spans += re.findall(r"(?<![\w./<-])([a-z_]+(?:\.[A-Za-z_]\w*)+)(?![\w/-])", diagram)
    top_level = {path.stem for path in (REPO / "jobs").glob("*.py")} | {
        path.parent.name for path in (REPO / "jobs").glob("*/__init__.py")
    }
    modules = top_level - {"__init__", "__main__"}
    files = ("py", "json", "jsonl", "md", "html", "xml", "txt", "tsv")  # `record.schema.json` is no name
    return {name for name in spans if name.split(".")[0] in modules and name.rsplit(".", 1)[1] not in files}


def test_every_module_name_cited_is_defined_there() -> None:
    """Each `module.name` cited (`pipeline.make_executor`, `record.Record.from_json`) is defined in that
    module: a function that moved to another fails here until the docs follow."""
    wrong = sorted(f"{where}: {name}" for where, text in cited_in() for name in cited_names(text) if not resolves(name))
    assert not wrong, "cited, and not defined where the docs say:\n" + "\n".join(wrong)


def slug(heading: str) -> str:
    """A heading's anchor, as GitHub and MkDocs (Python-Markdown's toc) both make it for our headings."""
    explicit = re.search(r"\{#([\w-]+)\}\s*$", heading)
    if explicit:
        return explicit.group(1)
    text = unicodedata.normalize("NFKD", heading).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", text).strip().lower())


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
    return {slug(line.lstrip("#").strip()) for line in text.splitlines() if re.match(r"#{1,6} ", line)}


def readme_links() -> list[str]:
    return [target for target in re.findall(r"\]\(([^)\s]+)\)", README) if not re.match(r"https?:", target)]


def test_the_readme_links_into_the_docs() -> None:
    linked = {target.split("#")[0] for target in readme_links()}
    for page in ("getting-started", "input-formats", "output", "cron", "cluster", "cli", "architecture"):
        assert f"docs/{page}.md" in linked, f"the README does not link to docs/{page}.md"


@pytest.mark.parametrize("target", readme_links())
def test_readme_links_resolve(target: str) -> None:
    path, _, anchor = target.partition("#")
    assert (REPO / path).exists(), f"README links to {path}, which does not exist"
    if anchor:
        assert anchor in anchors(REPO / path), f"README links to {target}: {path} has no such heading"


def test_readme_test_command_is_what_ci_runs_after_the_lint_steps() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    test_command = re.search(r"```sh\n(pip install -e '\.\[test,ray,llm-server\]' && pytest)\n```", README)
    assert test_command and test_command.group(1) in ci
    lines = [line.strip() for line in ci.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    run_tests = lines.index(test_command.group(1))
    for step in ("ruff check", "ruff format --check", "mypy"):
        assert any(line.startswith(step) for line in lines[:run_tests]), f".ci/run does not run {step} before the tests"
    assert any(re.search(r"pip install -e '\.\[[^]]*\bdocs\b", line) for line in lines[:run_tests]), (
        ".ci/run does not install the docs extra"
    )


def test_ci_installs_the_browser_the_page_tests_need_and_a_missing_component_fails_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    lines = [line.strip() for line in ci.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    install = next((line.split() for line in lines if "apt-get install" in line), [])
    for package in ("chromium", "chromium-driver", "fonts-noto-cjk"):
        assert package in install, f".ci/run does not install {package}"
    assert 'export CI="${CI:-true}"' in lines
    # Skipped on a user's machine, saying why; a failure in CI, where nothing may be skipped unseen.
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Chromium is not installed"):
        missing_system_component("Chromium is not installed")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="Chromium is not installed; CI must have it"):
        missing_system_component("Chromium is not installed")


@pytest.mark.slow
def test_the_site_builds_strictly(tmp_path: Path) -> None:
    if importlib.util.find_spec("mkdocs") is None:
        missing_system_component("mkdocs is not installed: pip install -e '.[docs]'")
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(REPO)}
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    pages = "".join(path.read_text(encoding="utf-8") for path in site.rglob("*.html"))
    assert "fonts.googleapis.com" not in pages and "fonts.gstatic.com" not in pages  # it reads offline
    reference = (site / "cli" / "index.html").read_text(encoding="utf-8")
    for name, command in all_commands(cli):
        assert name in reference, f"{name} is not in the CLI reference"
        for option in options_of(command):
            assert any(opt in reference for opt in option.opts), f"{name} {option.opts[0]} is not in the reference"
    schema = (site / "schema" / "index.html").read_text(encoding="utf-8")
    assert "digest output record" in schema  # the schema file itself, included

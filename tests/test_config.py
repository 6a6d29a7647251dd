"""digest.toml: `digest run`'s options, [mail] and [topics.NAME]; `digest config check`; the SMTP password's sources."""

from __future__ import annotations

import os
from pathlib import Path

import click
import pytest

from jobs.cli import cli
from jobs.config import Config, ConfigFileError, MailConfig, TopicConfig, read_config, run_key
from jobs.errors import EXIT_USAGE
from jobs.passwords import PasswordError, read_password

from .conftest import read_jsonl, run_digest

MISTAKES = """\
# digest's config, as an operator might get it wrong
[run]
keywords = 8
sentence = 3
ratio = 2.0
workers = "3"
engine = "gloss"

[mail]
host = "smtp.example.org"
from = "digest@example.org"
to = ["reader@example.org", "not an address"]
security = "ssl"
password = "hunter2"

[topics.retrieval]
keywords = ["检索", "information retrieval"]
subscribers = ["lib@example.org"]

[topics."deep learning"]
keywords = "深度学习"
colour = "red"
"""


def run_params() -> list[click.Parameter]:
    command = cli.commands["run"]
    with click.Context(command, info_name="run") as ctx:
        return command.get_params(ctx)


def write(folder: Path, text: str, name: str = "digest.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_config_check_names_each_mistake_with_its_line(tmp_path: Path) -> None:
    result = run_digest("config", "check", "--config", str(write(tmp_path, MISTAKES)))
    assert result.exit_code == EXIT_USAGE
    lines = result.stderr.splitlines()
    expected = [
        (4, "unknown key 'sentence' in [run]; did you mean 'sentences'?"),
        (5, "bad value for ratio"),
        (6, "workers must be an integer, not a string"),
        (12, "to: not an e-mail address: 'not an address'"),
        (13, "bad value for security ('ssl'): must be one of: none, starttls, tls"),
        (14, "unknown key 'password' in [mail]; a password is never kept in digest.toml"),
        (20, "topic name 'deep learning': use letters, digits"),
        (21, "keywords must be an array of strings, not a string"),
        (22, "unknown key 'colour' in [topics.deep learning]"),
    ]
    assert len(lines) == len(expected), result.stderr
    for line, (number, text) in zip(lines, expected, strict=True):
        assert line.startswith(f"digest: error: {tmp_path / 'digest.toml'}, line {number}: "), line
        assert text in line
    assert "hunter2" not in result.output + result.stderr  # a password put in the file is never repeated


def test_config_check_names_a_topic_name_that_cannot_name_its_files(tmp_path: Path) -> None:
    text = (
        '[topics.Nuclear]\nkeywords = ["核武器"]\n\n[topics.nuclear]\nkeywords = ["nuclear weapons"]\n\n'
        '[topics."../up"]\nkeywords = ["x"]\n\n[topics.con]\nkeywords = ["y"]\n'
    )
    result = run_digest("config", "check", "--config", str(write(tmp_path, text)))
    assert result.exit_code == EXIT_USAGE
    lines = result.stderr.splitlines()
    assert len(lines) == 3, result.stderr
    assert lines[0].endswith("line 4: topics 'Nuclear' and 'nuclear' would share their files; rename one")
    assert "line 7: topic name '../up': use letters" in lines[1]
    assert "line 10: topic name 'con': a device name on Windows" in lines[2]


def test_a_toml_syntax_error_is_named_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[run]\nkeywords = 8\nengine = "gloss\n')
    result = run_digest("config", "check", "--config", str(path))
    assert result.exit_code == EXIT_USAGE
    assert f"{path}, line 3: " in result.stderr


def test_config_check_finds_digest_toml_in_the_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run_digest("config", "check").exit_code == EXIT_USAGE  # none there: said so
    write(tmp_path, '[run]\nkeywords = 3\n\n[topics.nuclear]\nkeywords = ["核武器", "nuclear weapons"]\n')
    result = run_digest("config", "check")
    assert result.exit_code == 0, result.stderr
    assert "ok (1 run option, 1 topic)" in result.stderr


def test_every_run_option_is_a_key(tmp_path: Path) -> None:
    """The [run] keys are digest run's flags, read from the command: a new flag is a key at once."""
    params = [param for param in run_params() if param.name not in ("config", "help")]
    assert {run_key(param) for param in params} >= {
        "output-dir",
        "engine",
        "sentences",
        "keywords",
        "no-cache",
        "quiet",
    }
    lines = []
    for param in params:
        if getattr(param, "is_flag", False):
            value = "true"
        elif param.nargs == -1:
            value = '["input"]'
        elif isinstance(param.type, click.Path) and not param.type.file_okay:
            value = '"folder"'
        elif isinstance(param.type, click.Choice):
            value = f'"{param.type.choices[0]}"'
        elif isinstance(param.type, click.types.FloatParamType):
            value = "0.5"
        elif isinstance(param.type, click.types.IntParamType):
            value = "2"
        else:
            value = '"somewhere"'
        lines.append(f"{run_key(param)} = {value}")
    (tmp_path / "somewhere").touch()  # --glossary must exist
    config = read_config(write(tmp_path, "[run]\n" + "\n".join(lines) + "\n"), run_params())
    assert set(config.run) == {param.name for param in params}
    assert config.run["output_dir"] == tmp_path / "folder"  # relative to the config file


def test_topics_and_mail_are_read_into_their_dataclasses(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[mail]\nhost = "localhost"\nsecurity = "tls"\nfrom = "Digest <digest@example.org>"\n'
        'to = ["a@example.org", "b@example.org"]\nusername = "digest"\npassword_file = "smtp-password"\n\n'
        '[topics.nuclear]\nkeywords = ["核武器", " nuclear weapons ", ""]\nsubscribers = ["policy@example.org"]\n'
        '[topics.korea]\nkeywords = ["朝鲜"]\n',
    )
    config = read_config(path, run_params())
    assert config.topics == {
        "nuclear": TopicConfig(("核武器", "nuclear weapons"), ("policy@example.org",)),
        "korea": TopicConfig(("朝鲜",), ()),
    }
    assert config.mail == MailConfig(
        host="localhost",
        sender="Digest <digest@example.org>",
        to=("a@example.org", "b@example.org"),
        security="tls",
        port=465,
        username="digest",
        password_file=tmp_path / "smtp-password",
    )
    with pytest.raises(AttributeError):
        config.topics["korea"].keywords = ()  # type: ignore[misc]


def test_a_username_needs_a_password_source_and_only_one(tmp_path: Path) -> None:
    base = '[mail]\nhost = "h"\nfrom = "d@example.org"\nto = ["a@example.org"]\nusername = "u"\n'
    with pytest.raises(ConfigFileError, match=r"line 5: a username needs password_env or password_file"):
        read_config(write(tmp_path, base))
    with pytest.raises(ConfigFileError, match=r"line 7: give password_env or password_file, not both"):
        read_config(write(tmp_path, base + 'password_env = "P"\npassword_file = "f"\n'))


def test_an_address_that_would_add_a_header_is_refused(tmp_path: Path) -> None:
    text = '[mail]\nhost = "h"\nfrom = "d@example.org\\r\\nBcc: x@example.org"\nto = ["a@example.org"]\n'
    with pytest.raises(ConfigFileError, match=r"line 3: bad value for from"):
        read_config(write(tmp_path, text))


@pytest.mark.slow
def test_run_takes_the_file_and_a_flag_wins_even_at_its_default(workdir: Path, sample_batch: Path) -> None:
    """keywords = 1 in the file; `--keywords 5` (the default) on the command line wins."""
    write(workdir, '[run]\nkeywords = 1\nengine = "gloss"\noutput-dir = "from-config"\nquiet = true\n')
    result = run_digest("run")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""  # quiet = true
    records = read_jsonl(workdir / "from-config" / f"{sample_batch.stem}.jsonl")
    assert records and all(len(record["keywords"]["en"]) <= 1 for record in records)
    result = run_digest("run", "--keywords", "5", "--force", "-o", "output", "--no-quiet")
    assert result.exit_code == 0, result.stderr
    assert "1 batch done" in result.stderr  # --no-quiet wins over quiet = true
    records = read_jsonl(workdir / "output" / f"{sample_batch.stem}.jsonl")
    assert max(len(record["keywords"]["en"]) for record in records) > 1


def test_a_ratio_flag_wins_over_sentences_in_the_file(workdir: Path) -> None:
    write(workdir, "[run]\nsentences = 2\n")
    config = read_config(workdir / "digest.toml", run_params())
    assert config.run == {"summary_sentences": 2}
    result = run_digest("run", "--ratio", "0.5", "--engine", "no-such-engine")
    assert "not both" not in result.stderr  # the flag replaces the file's sentences; the engine is what fails


def test_run_refuses_a_bad_config_before_anything_is_written(workdir: Path, sample_batch: Path) -> None:
    write(workdir, "[run]\nkeyword = 3\n")
    result = run_digest("run")
    assert result.exit_code == EXIT_USAGE
    assert "line 2: unknown key 'keyword' in [run]; did you mean 'keywords'?" in result.stderr
    assert list((workdir / "output").iterdir()) == []


# The password: from the environment or a file only its owner can read; never in an error.

SECRET = "correct horse battery staple"


def mail_with(**keys: object) -> MailConfig:
    return MailConfig(host="localhost", sender="d@example.org", to=("a@example.org",), username="u", **keys)  # type: ignore[arg-type]


def test_the_password_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_SMTP_PASSWORD", SECRET)
    assert read_password(mail_with(password_env="DIGEST_SMTP_PASSWORD")) == SECRET
    monkeypatch.delenv("DIGEST_SMTP_PASSWORD")
    with pytest.raises(PasswordError, match="DIGEST_SMTP_PASSWORD is not set"):
        read_password(mail_with(password_env="DIGEST_SMTP_PASSWORD"))


def test_the_password_from_a_file_only_its_owner_can_read(tmp_path: Path) -> None:
    path = tmp_path / "smtp-password"
    path.write_text(SECRET + "\n")
    path.chmod(0o600)
    assert read_password(mail_with(password_file=path)) == SECRET


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620, 0o644])
def test_a_password_file_others_can_read_or_write_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "smtp-password"
    path.write_text(SECRET)
    path.chmod(mode)
    with pytest.raises(PasswordError) as refused:
        read_password(mail_with(password_file=path))
    assert SECRET not in str(refused.value)
    assert "chmod" in str(refused.value) or "go-w" in str(refused.value)


def test_a_password_file_that_is_a_link_or_another_users_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.write_text(SECRET)
    real.chmod(0o600)
    link = tmp_path / "link"
    link.symlink_to(real)
    with pytest.raises(PasswordError, match="symbolic link"):
        read_password(mail_with(password_file=link))
    os.chown(real, 54321, 54321)  # we run as root (see the conventions): another user's file
    try:
        with pytest.raises(PasswordError, match="belongs to user id 54321"):
            read_password(mail_with(password_file=real))
    finally:
        os.chown(real, os.geteuid(), os.getegid())


def test_config_check_says_when_the_password_cannot_be_had(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_SUCH_PASSWORD_VARIABLE", raising=False)
    path = write(
        tmp_path,
        '[mail]\nhost = "h"\nfrom = "d@example.org"\nto = ["a@example.org"]\nusername = "u"\n'
        'password_env = "NO_SUCH_PASSWORD_VARIABLE"\n',
    )
    result = run_digest("config", "check", "--config", str(path))
    assert result.exit_code == EXIT_USAGE
    assert "NO_SUCH_PASSWORD_VARIABLE is not set" in result.stderr


def test_an_empty_config_is_no_config() -> None:
    assert read_config(None) == Config()


def test_the_docs_digest_toml_is_a_valid_config(tmp_path: Path) -> None:
    """The complete file docs/delivery.md shows is read without a mistake, and has every [mail] key."""
    page = (Path(__file__).resolve().parents[1] / "docs" / "delivery.md").read_text(encoding="utf-8")
    text = page.split("```toml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "input").mkdir()
    (tmp_path / "glossary.tsv").write_text("核武器\tnuclear weapons\n", encoding="utf-8")
    config = read_config(write(tmp_path, text), run_params())
    assert config.mail is not None and config.mail.security == "starttls" and len(config.mail.to) == 2
    assert config.topics["nuclear-policy"].subscribers == ("policy-desk@example.org",)
    from jobs.config import _MAIL_KEYS

    assert all(f"\n{key} = " in text for key in _MAIL_KEYS if key != "password_file")
    assert "password_file" in text


def test_a_login_over_an_unencrypted_connection_is_for_this_machine_only(tmp_path: Path) -> None:
    base = '[mail]\nhost = "{host}"\nfrom = "d@example.org"\nto = ["a@example.org"]\nusername = "u"\npassword_env = "P"\nsecurity = "none"\n'
    with pytest.raises(
        ConfigFileError,
        match=r"line 7: a login with security = \"none\" would send the password to smtp.example.org unencrypted",
    ):
        read_config(write(tmp_path, base.format(host="smtp.example.org")))
    assert read_config(write(tmp_path, base.format(host="localhost"))).mail is not None

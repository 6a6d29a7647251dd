"""digest.toml and `digest config check` against a hostile or careless operator's file: a FIFO or a device
named as the config, a file too big or nested too deep, a password written where its source's name goes."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from jobs.config import CONFIG_NAME
from jobs.errors import EXIT_USAGE

from .conftest import digest_subprocess, run_digest

MAIL = '[mail]\nhost = "smtp.example.org"\nfrom = "digest@example.org"\nto = ["reader@example.org"]\n'


@pytest.mark.parametrize("kind", ["fifo", "device"])
@pytest.mark.parametrize("command", ["config check", "run"])
def test_a_config_that_is_no_regular_file_is_refused_at_once(tmp_path: Path, kind: str, command: str) -> None:
    """A FIFO nobody writes to would block the read forever (cron's runs pile up); /dev/zero never ends."""
    if kind == "fifo":
        path = tmp_path / "digest.toml"
        os.mkfifo(path)
    else:
        path = Path("/dev/zero")
    process = digest_subprocess(*command.split(), "--config", str(path), cwd=tmp_path)
    try:
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == EXIT_USAGE, stderr
    assert stderr == f"digest: error: {path}: cannot be read: not a regular file\n"


def test_a_config_file_too_big_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "digest.toml"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(MAIL)
        handle.write(("# " + "x" * 1000 + "\n") * 2000)  # 2 MB of comments
    result = run_digest("config", "check", "--config", str(path))
    assert result.exit_code == EXIT_USAGE
    assert result.stderr.startswith(f"digest: error: {path}: is bigger than") and "Traceback" not in result.stderr


@pytest.mark.parametrize("nested", ["a = " + "[" * 3000 + "]" * 3000, "a = " + "{b = " * 3000 + "1" + "}" * 3000])
def test_a_config_nested_too_deep_is_one_error_not_a_traceback(tmp_path: Path, nested: str) -> None:
    path = tmp_path / "digest.toml"
    path.write_text(f"[run]\n{nested}\n", encoding="utf-8")
    result = run_digest("config", "check", "--config", str(path))
    assert result.exit_code == EXIT_USAGE
    assert result.stderr == f"digest: error: {path}: is nested too deeply to be read\n"


@pytest.mark.parametrize("secret", ["Hunter2!pass word", "tr0ub4dor&3", "密码-Hunter2"])
def test_a_password_written_in_place_of_its_variables_name_is_not_shown(tmp_path: Path, secret: str) -> None:
    """An operator who writes the password itself where its variable's name goes: the error says which key is
    wrong, never what it holds (it ends up in cron's mail and the run log)."""
    path = tmp_path / "digest.toml"
    path.write_text(MAIL + f'username = "digest"\npassword_env = "{secret}"\n', encoding="utf-8")
    for result in (run_digest("config", "check", "--config", str(path)), run_digest("run", "--config", str(path))):
        assert result.exit_code == EXIT_USAGE
        assert result.stderr == (
            f"digest: error: {path}, line 6: bad value for password_env: must be an environment variable's name "
            "(its value is not shown: it may be the password itself)\n"
        )


@pytest.mark.parametrize("swap", ["readable by others", "another user's", "a FIFO"])
def test_a_password_file_swapped_after_its_check_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, swap: str
) -> None:
    """The file is checked, then opened: whoever can rename in its folder can put another file there between the
    two (TOCTOU). The opened file itself must be checked. The attacker's move is made just before the open."""
    from jobs import passwords
    from jobs.config import MailConfig
    from jobs.passwords import PasswordError, read_password

    secret = tmp_path / "smtp-password"
    secret.write_text("the-real-one\n", encoding="utf-8")
    secret.chmod(0o600)
    planted = tmp_path / "planted"
    if swap == "a FIFO":
        os.mkfifo(planted, 0o600)
    else:
        planted.write_text("attackers-guess\n", encoding="utf-8")
        planted.chmod(0o644 if swap == "readable by others" else 0o600)
        if swap == "another user's":
            os.chown(planted, 12345, 12345)
    real_open = os.open

    def attacker_then_open(path: Any, flags: int, *args: Any) -> int:
        if Path(path) == secret:
            os.replace(planted, secret)
        return real_open(path, flags, *args)

    monkeypatch.setattr(passwords.os, "open", attacker_then_open)
    mail = MailConfig(host="h", sender="a@example.org", to=("b@example.org",), username="u", password_file=secret)
    with pytest.raises(PasswordError) as refused:
        read_password(mail)
    assert "smtp-password" in str(refused.value)


def test_a_password_file_too_big_is_refused_not_cut(tmp_path: Path) -> None:
    from jobs.config import MailConfig
    from jobs.passwords import PasswordError, read_password

    secret = tmp_path / "smtp-password"
    secret.write_text("x" * 100_000 + "\n", encoding="utf-8")  # a file named by mistake: not a password
    secret.chmod(0o600)
    mail = MailConfig(host="h", sender="a@example.org", to=("b@example.org",), username="u", password_file=secret)
    with pytest.raises(PasswordError, match="is bigger than a password"):
        read_password(mail)


@pytest.mark.parametrize(
    "address",
    [
        "reader@example.org, second@example.org",  # two addresses in one string: the envelope had the first alone
        '"Reader" <reader@example.org>, second@example.org',
        "reader@example.org; second@example.org",
        "reader@example.org <second@example.org>",
        "Reader <reader@example.org> and second@example.org",
        "readers: reader@example.org, second@example.org;",  # a group
        "<reader@example.org>\u2028Bcc: spy@example.net",  # a line separator, as a header's end to some readers
        "reader@example.org\x85Bcc: spy@example.net",  # NEL, a C1 control
    ],
)
def test_a_to_entry_that_is_not_exactly_one_address_is_refused(tmp_path: Path, address: str) -> None:
    """The To header showed every address of such an entry, the envelope took the first: the others never had
    their mail, and nobody was told."""
    path = tmp_path / "digest.toml"
    to = ["Li Wei <li.wei@example.org>", '"Wei, Li" <wei.li@example.org>', "读者@example.org", address]
    path.write_text(
        MAIL.replace('to = ["reader@example.org"]', f"to = {json.dumps(to, ensure_ascii=False)}"), encoding="utf-8"
    )
    result = run_digest("config", "check", "--config", str(path))
    assert result.exit_code == EXIT_USAGE
    assert result.stderr == f"digest: error: {path}, line 4: to: not an e-mail address: {address!r}\n"
    path.write_text(
        MAIL.replace('to = ["reader@example.org"]', f"to = {json.dumps(to[:3], ensure_ascii=False)}"), encoding="utf-8"
    )
    assert run_digest("config", "check", "--config", str(path)).exit_code == 0


@pytest.mark.parametrize("host", ["smtp..example.org", "", "smtp." + "x" * 64 + ".example.org", ".example.org"])
def test_a_host_name_no_resolver_takes_is_named_by_config_check(workdir: Path, host: str) -> None:
    """`smtp..example.org` (a typo) passed the check; the run then ended in a traceback of the idna codec, after
    its batches, with no line in the run log (and an empty host in 'please run connect() first')."""
    path = workdir / "digest.toml"
    path.write_text(MAIL.replace("smtp.example.org", host), encoding="utf-8")
    result = run_digest("config", "check")
    assert result.exit_code == EXIT_USAGE
    assert result.stderr.startswith(f"digest: error: {CONFIG_NAME}, line 2: bad value for host ({host!r}): ")
    assert result.stderr.count("\n") == 1

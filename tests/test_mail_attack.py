"""Mail against hostile or broken SMTP peers on loopback (aiosmtpd), and a hostile password file: a server that
echoes the login in its refusal, one that writes control characters into its replies,
a password file swapped between its check and its use, a server that dribbles its replies to hold the run's lock."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from jobs.errors import EXIT_MAIL

from . import test_mail
from .conftest import read_jsonl, run_digest
from .test_mail import PASSWORD, READERS, USER, Server, config, free_port, pending

small_batch = test_mail.small_batch  # the fixture: the sample export's first three abstracts

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402


class EchoingServer(Server):
    """A server that refuses the login and repeats what it was sent, on two lines, with a terminal escape."""

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        token = base64.b64encode(b"\0" + data.login + b"\0" + data.password).decode()
        said = f"{data.password.decode()} {base64.b64encode(data.password).decode()} {token}"
        return AuthResult(
            success=False, handled=False, message=f"535-5.7.8 you sent {said}\r\n535 5.7.8 \x1b[2Jdigest: ok"
        )


@pytest.mark.parametrize("password", [PASSWORD, "plain-ascii-password-42"])
def test_a_server_that_echoes_the_login_does_not_put_the_password_in_the_logs(
    workdir: Path, small_batch: Path, monkeypatch: pytest.MonkeyPatch, password: str
) -> None:
    handler = EchoingServer()
    port = free_port()
    controller = aiosmtpd_controller.Controller(
        handler, hostname="127.0.0.1", port=port, authenticator=handler.authenticate, auth_require_tls=False
    )  # a relay on this machine: a login without TLS is allowed
    controller.start()
    controller.port_number = port
    try:
        monkeypatch.setenv("DIGEST_SMTP_PASSWORD", password)
        config(workdir, controller.port_number, username=USER, password_env="DIGEST_SMTP_PASSWORD")
        result = run_digest("run")
    finally:
        controller.stop()
    assert result.exit_code == EXIT_MAIL
    log = (workdir / "output" / "runs.jsonl").read_text(encoding="utf-8")
    secret = password.encode()
    forms = [
        password,
        base64.b64encode(secret).decode(),
        base64.b64encode(b"\0" + USER.encode() + b"\0" + secret).decode(),
    ]
    for seen in (result.stderr, log):
        assert "535" in seen and not [form for form in forms if form in seen]
    # The server's words are one line of the run's stderr: no line of its own, no terminal escape.
    assert result.stderr.count("\n") == 1 and "\x1b" not in result.stderr
    assert read_jsonl(workdir / "output" / "runs.jsonl")[-1]["mail_error"].count("\n") == 0
    assert set(pending(workdir)) == set(READERS)

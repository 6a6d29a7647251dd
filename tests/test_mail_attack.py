"""Mail against hostile or broken SMTP peers on loopback (aiosmtpd), and a hostile password file: a server that
echoes the login in its refusal, one that writes control characters into its replies,
a password file swapped between its check and its use, a server that dribbles its replies to hold the run's lock."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from jobs.errors import EXIT_MAIL
from jobs.layout import MANIFEST_NAME
from jobs.manifest import Manifest

from . import test_mail
from .conftest import digest_subprocess, read_jsonl, run_digest
from .test_mail import PASSWORD, READERS, SAMPLE, USER, Server, config, free_port, parsed, pending, start

certificates = test_mail.certificates  # the fixture: a CA made for the tests
server = test_mail.server  # the fixture: a plain SMTP server on loopback
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


class Dribbler:
    """A hostile peer on loopback: it greets one byte at a time, a byte a second, never ending its reply
    (or, with `flood`, sends one endless multi-line reply as fast as it can)."""

    def __init__(self, flood: bool = False) -> None:
        self.flood = flood
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        self.listener.settimeout(0.2)
        while not self.stop.is_set():
            try:
                peer, _ = self.listener.accept()
            except OSError:
                continue
            with peer:
                try:
                    while not self.stop.is_set():
                        if self.flood:
                            peer.sendall(b"220-" + b"x" * 1000 + b"\r\n")
                        else:
                            peer.sendall(b"2" if not getattr(self, "started", False) else b"-")
                            self.started = True
                            self.stop.wait(1)
                except OSError:
                    pass  # the client hung up

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)
        self.listener.close()


@pytest.mark.parametrize("flood", [False, True], ids=["a byte a second", "an endless reply"])
def test_a_server_that_never_ends_its_reply_does_not_hold_the_lock(
    workdir: Path, small_batch: Path, flood: bool
) -> None:
    """`timeout` bounds each reply as a whole, not each byte: a peer sending a byte a second held the run (and the
    output folder's lock, so every later cron run exited 75) for ever; an endless reply also filled the memory."""
    peer = Dribbler(flood)
    try:
        config(workdir, peer.port, timeout=2)
        started = time.monotonic()
        process = digest_subprocess("run", cwd=workdir)
        try:
            _, stderr = process.communicate(timeout=60)
        finally:
            process.kill()
            process.wait()
    finally:
        peer.close()
    assert process.returncode == EXIT_MAIL, stderr
    assert time.monotonic() - started < 45
    assert "127.0.0.1" in stderr and "sent by the next run" in stderr
    assert set(pending(workdir)) == set(READERS)


class ContentFilter(Server):
    """A server whose content filter refuses, for good, any message with the given words (554 at DATA)."""

    def __init__(self, words: str) -> None:
        super().__init__()
        self.words = words.encode("utf-8")

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.words in envelope.original_content:
            return "554 5.7.1 message content rejected"
        return await super().handle_DATA(server, session, envelope)


def test_a_message_the_server_refuses_for_good_does_not_hold_back_the_others(
    workdir: Path, small_batch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three records in parts of two: the server's filter refuses part 1 at every try. Part 2 is still sent (and
    recorded), part 1 stays owed; before, the first refusal ended the delivery, so part 2 and every message
    after it were never sent, run after run."""
    from jobs.mail import delivery

    monkeypatch.setattr(delivery, "RECORDS_PER_MESSAGE", 2)
    handler = ContentFilter("Subject: [digest] 2 new abstracts")
    controller = start(handler)
    try:
        config(workdir, controller.port_number)
        result = run_digest("run")
        assert result.exit_code == EXIT_MAIL
        assert "554 5.7.1 message content rejected" in result.stderr
        assert [message_subject(raw) for _, _, raw in handler.taken] == [
            f"[digest] 1 new abstract: {SAMPLE} (part 2 of 2)"
        ]
        queued = read_jsonl(workdir / "output" / "runs.jsonl")
        assert queued[-1]["messages_sent"] == 1
        owed = pending(workdir)
        assert set(owed) == set(READERS) and all(len(batches[SAMPLE]) == 2 for batches in owed.values())
        result = run_digest("run")  # still refused: nothing sent twice
        assert result.exit_code == EXIT_MAIL and len(handler.taken) == 1
    finally:
        controller.stop()


def message_subject(raw: bytes) -> str:
    return str(parsed(raw)["Subject"])


def test_a_batch_name_in_the_manifest_never_leads_out_of_the_output_folder(
    workdir: Path, small_batch: Path, server: tuple[Server, Any]
) -> None:
    """Anyone who can write the output folder can write its manifest: a pending batch named `../private/notes`
    made digest read ../private/notes.jsonl (a file that user cannot read, but digest can) and mail it."""
    handler, controller = server
    config(workdir, controller.port_number)
    assert run_digest("run").exit_code == 0 and len(handler.taken) == 1
    private = workdir / "private"
    private.mkdir()
    records = workdir / "output" / f"{SAMPLE}.jsonl"
    (private / "notes.jsonl").write_bytes(records.read_bytes())
    (private / "notes.jsonl").chmod(0o600)
    ids = [record["id"] for record in read_jsonl(records)]
    manifest_path = workdir / "output" / MANIFEST_NAME
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["mail"]["pending"]["to"] = {address: {"../private/notes": ids} for address in READERS}
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    result = run_digest("mail")
    assert result.exit_code == 0, result.stderr
    assert len(handler.taken) == 1  # nothing more was sent
    assert not any(Manifest.load(workdir / "output").mail["pending"]["to"].values())  # and nothing of it is owed


@pytest.mark.parametrize("topic", ["AI/ML", "../../escape", "核武器 / 防扩散"])
def test_a_topics_draft_is_one_file_in_the_drafts_folder_whatever_its_name(
    workdir: Path, small_batch: Path, topic: str
) -> None:
    """A topic's name is in the draft's file name: `AI/ML` made `002-topic-AI/ML.eml`,
    and `../../escape` one in `002-topic-..`, folders made for them."""
    from jobs.config import MailConfig, TopicConfig
    from jobs.mail.delivery import deliver, queue_batch

    config(workdir, free_port())  # nothing listens: everything stays owed
    assert run_digest("run").exit_code == EXIT_MAIL
    manifest = Manifest.load(workdir / "output")
    topics = {topic: TopicConfig(("朝鲜",), ("korea@example.org",))}
    mail = MailConfig(host="127.0.0.1", port=1, security="none", sender="digest@example.org", to=tuple(READERS))
    records = workdir / "output" / f"{SAMPLE}.jsonl"
    queue_batch(manifest, mail, SAMPLE, records, topics, lambda record: [topic])
    outcome = deliver(workdir / "output", manifest, mail, drafts=workdir / "drafts", topics=topics)
    assert len(outcome.drafts) == 2
    for draft in outcome.drafts:
        assert draft.parent == workdir / "drafts" and draft.is_file() and draft.suffix == ".eml"
    assert sorted(path.name for path in workdir.rglob("*.eml")) == sorted(draft.name for draft in outcome.drafts)


@pytest.mark.parametrize("mode", ["tls", "starttls", "starttls stripped"])
def test_tls_to_a_server_with_another_hosts_certificate_or_no_starttls_sends_nothing(
    workdir: Path, small_batch: Path, certificates: tuple[Any, Path], mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A certificate the CA signed for another host name is refused, as is a server that does not offer STARTTLS
    (a peer stripping it from EHLO): never a fallback to plain text, where the login would cross in the clear."""
    import ssl

    handler = Server()
    port = free_port()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificates[0].issue_cert("mail.other.example").configure_cert(context)
    keys: dict[str, Any] = {"ssl_context": context} if mode == "tls" else {}
    if mode == "starttls":
        keys["tls_context"] = context
    controller = aiosmtpd_controller.Controller(
        handler, hostname="127.0.0.1", port=port, authenticator=handler.authenticate, auth_require_tls=False, **keys
    )
    controller.start()
    try:
        monkeypatch.setenv("DIGEST_SMTP_PASSWORD", PASSWORD)
        security = mode.split()[0]
        config(
            workdir,
            port,
            host="localhost",
            security=security,
            username=USER,
            password_env="DIGEST_SMTP_PASSWORD",
            cafile=str(certificates[1]),
        )
        result = run_digest("run")
    finally:
        controller.stop()
    assert result.exit_code == EXIT_MAIL
    expected = "STARTTLS extension not supported" if mode == "starttls stripped" else "Hostname mismatch"
    assert expected in result.stderr
    assert handler.taken == [] and handler.logins == [] and set(pending(workdir)) == set(READERS)

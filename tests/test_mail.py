"""Mail against a real SMTP server on loopback (aiosmtpd): plain, STARTTLS and implicit TLS with a certificate
made here (trustme), a login, a refused recipient, a server that goes away mid-send, and one that is down.

Each case runs `digest run` on three real abstracts (the sample CNKI export's first three) with the
gloss engine, as cron would; the server keeps every message it takes.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import socket
import ssl
from collections.abc import Iterator
from html import escape as html_escape
from pathlib import Path
from typing import Any

import pytest

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
trustme = pytest.importorskip("trustme")
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

from jobs.errors import EXIT_LOCKED, EXIT_MAIL, EXIT_OK  # noqa: E402
from jobs.layout import MANIFEST_NAME  # noqa: E402

from .conftest import SAMPLE_EXPORT, digest_subprocess, read_jsonl, run_digest  # noqa: E402

PASSWORD = "s3cret-Pässword-for-smtp"
USER = "digest-bot"
READERS = ["reader@example.org", "Second Reader <second@example.org>"]
SAMPLE = "seed-cnki-export"


class Server:
    """An SMTP server on loopback that keeps what it takes; it can refuse addresses or drop the connection."""

    def __init__(self) -> None:
        self.taken: list[tuple[str, list[str], bytes]] = []
        self.refuse: set[str] = set()
        self.drop_at: set[int] = set()  # which messages (1 for the first this server is sent) it drops at DATA
        self.data_count = 0
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_count += 1
        if self.data_count in self.drop_at:
            server.transport.abort()  # gone mid-send: the message is never acknowledged
            return "451 gone"
        self.taken.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.login == USER.encode() and data.password == PASSWORD.encode()
        self.logins.append((data.login, data.password))
        return AuthResult(success=ok, handled=False)  # not handled: the server answers 535 itself


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    """A CA made for these tests, its PEM file, and a certificate for localhost and 127.0.0.1."""
    ca = trustme.CA()
    pem = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    return ca, pem


def start(server: Server, certificates: tuple[Any, Path] | None = None, mode: str = "none", login: bool = False) -> Any:
    port = free_port()
    keys: dict[str, Any] = {"hostname": "127.0.0.1", "port": port}
    if certificates is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        certificates[0].issue_cert("localhost", "127.0.0.1").configure_cert(context)
        keys["ssl_context" if mode == "tls" else "tls_context"] = context
        if mode == "starttls":
            keys["require_starttls"] = True
    if login:
        # aiosmtpd counts only STARTTLS as TLS for AUTH: over implicit TLS it is offered, not required
        # (the login is still checked: `logins`).
        required = mode != "tls"
        keys.update(authenticator=server.authenticate, auth_required=required, auth_require_tls=required)
    controller = aiosmtpd_controller.Controller(server, **keys)
    controller.start()
    controller.port_number = port
    return controller


@pytest.fixture
def server() -> Iterator[tuple[Server, Any]]:
    handler = Server()
    controller = start(handler)
    yield handler, controller
    controller.stop()


@pytest.fixture
def small_batch(workdir: Path) -> Path:
    """The first three abstracts of the real sample export, as the only batch."""
    text = SAMPLE_EXPORT.read_text(encoding="utf-8")
    three = "相似文献".join(text.split("相似文献")[:3]) + "相似文献\n"
    path = workdir / "input" / f"{SAMPLE}.txt"
    path.write_text(three, encoding="utf-8")
    return path


def config(workdir: Path, port: int, **mail: Any) -> Path:
    keys = {"host": "127.0.0.1", "port": port, "security": "none", "from": "Digest <digest@example.org>", "to": READERS}
    keys.update(mail)
    lines = ['[run]\nengine = "gloss"\nquiet = true\n\n[mail]']
    lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in keys.items()]
    path = workdir / "digest.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def pending(workdir: Path) -> dict[str, Any]:
    return json.loads((workdir / "output" / MANIFEST_NAME).read_text(encoding="utf-8"))["mail"]["pending"]["to"]


def parsed(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def files(folder: Path) -> dict[str, int]:
    return {str(path.relative_to(folder)): path.stat().st_mtime_ns for path in sorted(folder.rglob("*"))}


def test_a_run_mails_its_new_records_once(workdir: Path, small_batch: Path, server: tuple[Server, Any]) -> None:
    handler, controller = server
    config(workdir, controller.port_number)
    result = run_digest("run")
    assert result.exit_code == EXIT_OK, result.stderr
    assert result.stderr == ""  # quiet = true: nothing under cron when all went well
    assert len(handler.taken) == 1
    sender, recipients, raw = handler.taken[0]
    assert sender == "digest@example.org"
    assert sorted(recipients) == ["reader@example.org", "second@example.org"]
    message = parsed(raw)
    assert message["To"] == ", ".join(READERS)
    assert message["Subject"] == f"[digest] 3 new abstracts: {SAMPLE}"
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    records = read_jsonl(workdir / "output" / f"{SAMPLE}.jsonl")
    assert len(records) == 3
    for record in records:  # each record's translation, in both parts
        first = record["sentences"][0]["en"]
        assert html_escape(first) in html and first[:40] in text.replace("\\", "")
    assert "<style>" in html and "<script" not in html.lower()
    assert "var(" not in html and "#1f2328" in html  # colours written out: mail readers drop CSS variables
    assert " src=" not in html and "<link" not in html and "url(" not in html and "@import" not in html
    assert "index.html" not in html and ".digest.md" not in html  # no links to files a reader does not have
    assert pending(workdir) == {}

    before = files(workdir / "output")
    result = run_digest("run")
    assert result.exit_code == EXIT_OK and len(handler.taken) == 1  # nothing new: nothing sent
    assert files(workdir / "output").keys() == before.keys()
    assert run_digest("run", "--force").exit_code == EXIT_OK
    assert len(handler.taken) == 1  # redone, the same records: mailed once all the same


def test_mail_dry_run_writes_eml_files_and_records_nothing(
    workdir: Path, small_batch: Path, server: tuple[Server, Any]
) -> None:
    handler, controller = server
    config(workdir, controller.port_number + 1)  # nothing listens there: the run's mail fails
    assert run_digest("run").exit_code == EXIT_MAIL
    owed = pending(workdir)
    assert set(owed) == set(READERS)
    result = run_digest("mail", "--dry-run", "--out", "drafts")
    assert result.exit_code == EXIT_OK, result.stderr
    drafts = sorted((workdir / "drafts").glob("*.eml"))
    assert len(drafts) == 1
    message = parsed(drafts[0].read_bytes())
    assert message.get_body(("html",)) is not None and message.get_body(("plain",)) is not None
    assert pending(workdir) == owed  # a dry run sends nothing, records nothing
    config(workdir, controller.port_number)
    assert run_digest("mail", "-q").exit_code == EXIT_OK
    assert len(handler.taken) == 1 and pending(workdir) == {}


@pytest.mark.parametrize("mode", ["starttls", "tls"])
def test_tls_with_a_verified_certificate_and_a_login(
    workdir: Path, small_batch: Path, certificates: tuple[Any, Path], mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = Server()
    controller = start(handler, certificates, mode, login=True)
    try:
        if mode == "starttls":
            monkeypatch.setenv("DIGEST_SMTP_PASSWORD", PASSWORD)
            source: dict[str, Any] = {"password_env": "DIGEST_SMTP_PASSWORD"}
        else:
            secret = workdir / "smtp-password"
            secret.write_text(PASSWORD + "\n", encoding="utf-8")
            secret.chmod(0o600)
            source = {"password_file": "smtp-password"}
        keys = {"host": "localhost", "security": mode, "username": USER, **source}
        # Not yet trusted: the certificate is refused, nothing is sent, everything stays owed.
        config(workdir, controller.port_number, **keys)
        result = run_digest("run")
        assert result.exit_code == EXIT_MAIL
        assert "certificate verify failed" in result.stderr and handler.taken == []
        assert set(pending(workdir)) == set(READERS)
        # With the CA: the next run logs in over TLS and sends what was owed.
        config(workdir, controller.port_number, cafile=str(certificates[1]), **keys)
        result = run_digest("run")
        assert result.exit_code == EXIT_OK, result.stderr
        assert len(handler.taken) == 1 and handler.logins[-1] == (USER.encode(), PASSWORD.encode())
        assert pending(workdir) == {}
        # The password is in no output, log, page, message or error.
        assert run_digest("mail", "--dry-run", "--out", "drafts").exit_code == EXIT_OK
        outputs = [path for path in workdir.rglob("*") if path.is_file() and path.name != "smtp-password"]
        seen = b"".join(path.read_bytes() for path in outputs) + handler.taken[0][2] + result.stderr.encode()
        assert PASSWORD.encode() not in seen and PASSWORD not in seen.decode("utf-8", "replace")
    finally:
        controller.stop()


def test_a_wrong_password_is_refused_without_showing_it(
    workdir: Path, small_batch: Path, certificates: tuple[Any, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = Server()
    controller = start(handler, certificates, "tls", login=True)
    try:
        monkeypatch.setenv("DIGEST_SMTP_PASSWORD", "wrong-" + PASSWORD)
        config(
            workdir,
            controller.port_number,
            host="localhost",
            security="tls",
            username=USER,
            password_env="DIGEST_SMTP_PASSWORD",
            cafile=str(certificates[1]),
        )
        result = run_digest("run")
        assert result.exit_code == EXIT_MAIL
        assert "535" in result.stderr and PASSWORD not in result.stderr
        assert handler.taken == [] and set(pending(workdir)) == set(READERS)
    finally:
        controller.stop()


def test_a_refused_recipient_is_retried_and_the_others_get_theirs(
    workdir: Path, small_batch: Path, server: tuple[Server, Any]
) -> None:
    handler, controller = server
    handler.refuse = {"second@example.org"}
    config(workdir, controller.port_number)
    result = run_digest("run")
    assert result.exit_code == EXIT_MAIL
    assert "refused Second Reader <second@example.org>" in result.stderr
    assert [recipients for _, recipients, _ in handler.taken] == [["reader@example.org"]]
    assert list(pending(workdir)) == ["Second Reader <second@example.org>"]
    handler.refuse = set()
    result = run_digest("run")
    assert result.exit_code == EXIT_OK, result.stderr
    assert [recipients for _, recipients, _ in handler.taken][1:] == [["second@example.org"]]
    assert parsed(handler.taken[1][2])["To"] == "Second Reader <second@example.org>"
    assert pending(workdir) == {}


def test_a_server_that_goes_away_mid_send_has_nothing_recorded_as_sent(
    workdir: Path, small_batch: Path, server: tuple[Server, Any]
) -> None:
    handler, controller = server
    handler.drop_at = {1}
    config(workdir, controller.port_number)
    result = run_digest("run")
    assert result.exit_code == EXIT_MAIL, result.stderr
    assert "sent by the next run" in result.stderr
    assert handler.taken == [] and set(pending(workdir)) == set(READERS)
    assert read_jsonl(workdir / "output" / f"{SAMPLE}.jsonl")  # the batch itself is done and kept
    log = read_jsonl(workdir / "output" / "runs.jsonl")
    assert log[-1]["exit_code"] == EXIT_MAIL and log[-1]["batches"]["done"] == 1
    result = run_digest("run")
    assert result.exit_code == EXIT_OK, result.stderr
    assert len(handler.taken) == 1 and pending(workdir) == {}
    assert "0 batches done" not in result.stderr  # quiet


def test_mail_waits_for_the_lock(workdir: Path, small_batch: Path, server: tuple[Server, Any]) -> None:
    import fcntl

    handler, controller = server
    config(workdir, controller.port_number + 1)
    assert run_digest("run").exit_code == EXIT_MAIL
    config(workdir, controller.port_number)
    descriptor = os.open(workdir / "output", os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        process = digest_subprocess("mail", cwd=workdir)
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == EXIT_LOCKED, stderr
        assert handler.taken == []
    finally:
        os.close(descriptor)
    assert run_digest("mail").exit_code == EXIT_OK and len(handler.taken) == 1


def test_an_unreadable_batch_stays_owed_and_a_removed_one_does_not(
    workdir: Path, small_batch: Path, server: tuple[Server, Any]
) -> None:
    handler, controller = server
    config(workdir, controller.port_number + 1)
    assert run_digest("run").exit_code == EXIT_MAIL
    records = workdir / "output" / f"{SAMPLE}.jsonl"
    kept = records.read_bytes()
    records.write_bytes(b"{not json\n")
    config(workdir, controller.port_number)
    result = run_digest("mail")
    assert "its records are mailed once it can be read" in result.stderr
    assert handler.taken == [] and set(pending(workdir)) == set(READERS)
    records.write_bytes(kept)
    assert run_digest("mail").exit_code == EXIT_OK and len(handler.taken) == 1
    # Owed again (a new reader), then the batch removed: nothing to send, and nothing owed any more.
    config(workdir, controller.port_number, to=[*READERS, "third@example.org"])
    manifest_path = workdir / "output" / MANIFEST_NAME
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["mail"]["pending"]["to"]["third@example.org"] = {SAMPLE: manifest["mail"]["queued"]["to"][SAMPLE]}
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    records.unlink()
    assert run_digest("mail").exit_code == EXIT_OK
    assert len(handler.taken) == 1 and pending(workdir) == {}


def test_many_records_go_in_parts_each_recorded_once_taken(
    workdir: Path, small_batch: Path, server: tuple[Server, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three records at two a message: the server takes part 1 and goes away during part 2; only part 1 counts as sent."""
    from jobs.mail import delivery

    monkeypatch.setattr(delivery, "RECORDS_PER_MESSAGE", 2)
    handler, controller = server
    handler.drop_at = {2}
    config(workdir, controller.port_number)
    assert run_digest("run").exit_code == EXIT_MAIL
    assert [parsed(raw)["Subject"] for _, _, raw in handler.taken] == [
        f"[digest] 2 new abstracts: {SAMPLE} (part 1 of 2)"
    ]
    queued = json.loads((workdir / "output" / MANIFEST_NAME).read_text(encoding="utf-8"))["mail"]["queued"]["to"]
    assert {address: owed[SAMPLE] for address, owed in pending(workdir).items()} == {
        address: queued[SAMPLE][2:] for address in READERS
    }
    assert run_digest("run").exit_code == EXIT_OK
    assert parsed(handler.taken[1][2])["Subject"] == f"[digest] 1 new abstract: {SAMPLE}"
    assert pending(workdir) == {}


def test_a_topics_subscribers_are_mailed_its_records(
    workdir: Path, small_batch: Path, server: tuple[Server, Any]
) -> None:
    """A topic's list is queued the records the topic matches (jobs/topics.py) by the run, and mailed them alone."""
    from jobs.config import MailConfig, TopicConfig
    from jobs.mail.delivery import deliver
    from jobs.manifest import Manifest

    handler, controller = server
    path = config(workdir, controller.port_number + 1)  # down: everything stays owed
    path.write_text(
        path.read_text(encoding="utf-8")
        + '\n[topics.korea]\nkeywords = ["朝鲜"]\nsubscribers = ["korea@example.org"]\n',
        encoding="utf-8",
    )
    assert run_digest("run").exit_code == EXIT_MAIL
    records = workdir / "output" / f"{SAMPLE}.jsonl"
    korean = [record["id"] for record in read_jsonl(records) if "朝鲜" in record["text"]["zh"]]
    assert 0 < len(korean) < 3
    manifest = Manifest.load(workdir / "output")
    assert manifest.mail["pending"]["topic:korea"] == {"korea@example.org": {SAMPLE: korean}}
    topics = {"korea": TopicConfig(("朝鲜",), ("korea@example.org",))}
    mail = MailConfig(
        host="127.0.0.1", port=controller.port_number, security="none", sender="digest@example.org", to=tuple(READERS)
    )
    outcome = deliver(workdir / "output", manifest, mail, topics=topics)
    assert outcome.failed is None and outcome.sent == 2
    by_to = {tuple(sorted(recipients)): parsed(raw) for _, recipients, raw in handler.taken}
    assert set(by_to) == {("reader@example.org", "second@example.org"), ("korea@example.org",)}
    plural = "s" if len(korean) > 1 else ""
    assert by_to[("korea@example.org",)]["Subject"] == f"[digest] korea: {len(korean)} new abstract{plural}: {SAMPLE}"
    assert Manifest.load(workdir / "output").mail["pending"] == {"to": {}, "topic:korea": {}}

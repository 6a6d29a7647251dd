"""One connection to the SMTP server: plain (a local relay), STARTTLS or implicit TLS, with or without a login.

TLS always verifies the server's certificate and name, against `cafile` where one is given, else
the system's CAs. The password is given to smtplib's login alone; smtplib's debugging stays off,
so it is never printed.
"""

from __future__ import annotations

import base64
import smtplib
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

from ..config import MailConfig

#: The most bytes one reply of the server may take (RFC 5321 allows 512 a line; EHLO's are a few lines).
MAX_REPLY_BYTES = 64 * 1024


class _Reply:
    """The server's replies as smtplib reads them, each one bounded: whole within the timeout, and in size.

    smtplib's timeout is per read, so a server that sends a byte every few seconds, or one reply of
    endless lines, would hold the run (and its lock on the output folder) for ever.
    """

    def __init__(self, client: _Limits) -> None:
        self.client, self.buffer = client, b""
        self.ends, self.size = 0.0, 0

    def start(self) -> None:
        self.ends, self.size = time.monotonic() + self.client.timeout, 0

    def readline(self, limit: int = -1) -> bytes:
        sock = self.client.sock
        assert sock is not None
        while b"\n" not in self.buffer and (limit < 0 or len(self.buffer) < limit):
            left = self.ends - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no whole reply within {self.client.timeout:g} seconds")
            sock.settimeout(left)
            chunk = sock.recv(4096)
            if not chunk:
                break
            self.size += len(chunk)
            if self.size > MAX_REPLY_BYTES:
                raise OSError(f"a reply longer than {MAX_REPLY_BYTES} bytes")
            self.buffer += chunk
        end = self.buffer.find(b"\n") + 1 or len(self.buffer)
        end = end if limit < 0 else min(end, limit)
        line, self.buffer = self.buffer[:end], self.buffer[end:]
        return line

    def close(self) -> None:
        self.buffer = b""


class _Limits(smtplib.SMTP):
    """smtplib's client with each reply bounded (`_Reply`), and each command sent within the timeout."""

    timeout: float

    def getreply(self) -> tuple[int, bytes]:
        if self.sock is not None and not isinstance(self.file, _Reply):
            self.file = _Reply(self)  # type: ignore[assignment]
        if isinstance(self.file, _Reply):
            self.file.start()
        return super().getreply()

    def send(self, s: Any) -> None:
        if self.sock is not None:
            self.sock.settimeout(self.timeout)  # sendall's whole duration (not that of each part)
        super().send(s)


class _LimitsTLS(_Limits, smtplib.SMTP_SSL):
    """The same over implicit TLS."""


def _tls(mail: MailConfig) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(mail.cafile) if mail.cafile else None)


@contextmanager
def connect(mail: MailConfig, password: str | None) -> Iterator[smtplib.SMTP]:
    """A connection to `mail.host`, secured as `mail.security` says and logged in; closed after the block.

    Raises smtplib.SMTPException or OSError (refused, timed out, a certificate that does not verify).
    """
    client: smtplib.SMTP
    if mail.security == "tls":
        client = _LimitsTLS(mail.host, mail.port, timeout=mail.timeout, context=_tls(mail))
    else:
        client = _Limits(mail.host, mail.port, timeout=mail.timeout)
    try:
        client.ehlo()
        if mail.security == "starttls":
            client.starttls(context=_tls(mail))
            client.ehlo()
        if mail.username is not None:
            _login(client, mail.username, password or "")
        yield client
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()  # the server went away: nothing to say goodbye to


def _login(client: smtplib.SMTP, username: str, password: str) -> None:
    """Log in; a name or password beyond ASCII as RFC 4616's AUTH PLAIN has it, in UTF-8.

    smtplib's login encodes them as ASCII and fails with a UnicodeEncodeError that names a
    character of the password and its position.
    """
    if (username + password).isascii():
        client.login(username, password)
        return
    if not client.has_extn("auth") or "PLAIN" not in client.esmtp_features["auth"].upper().split():
        raise smtplib.SMTPException("the server offers no AUTH PLAIN, which a password beyond ASCII needs")
    token = base64.b64encode(b"\0" + username.encode("utf-8") + b"\0" + password.encode("utf-8")).decode("ascii")
    code, response = client.docmd("AUTH", "PLAIN " + token)
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, response)


def send(client: smtplib.SMTP, mail: MailConfig, message: EmailMessage, addresses: list[str]) -> list[str]:
    """Send `message` to `addresses`; the addresses the server refused (the others have it).

    A message refused for every address returns them all; anything else that fails raises.
    """
    envelope = {parseaddr(address)[1]: address for address in addresses}
    try:
        refused = client.send_message(message, from_addr=parseaddr(mail.sender)[1], to_addrs=list(envelope))
    except smtplib.SMTPRecipientsRefused as error:
        refused = error.recipients
    return [envelope[address] for address in envelope if address in refused]

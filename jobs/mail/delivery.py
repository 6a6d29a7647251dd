"""Mailing what is owed: one message per group of addresses owed the same records, each recorded once sent.

A message is recorded as sent (in the manifest, atomically) only once the server has taken it,
and only for the addresses it took: a refused address, a server that is down or goes away
mid-send, or a password that cannot be had leave the records owed, for the next run to send.
"""

from __future__ import annotations

import base64
import re
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from .. import messages
from ..config import MailConfig, TopicConfig
from ..errors import ConfigError
from ..lock import exclusive_run
from ..manifest import Manifest
from ..messages import Warn
from ..passwords import read_password
from ..render.words import clean
from ..writing import atomic_text_file
from .message import build_message
from .outbox import (
    TOPIC_LIST,
    Owed,
    TopicsOf,
    list_ids,
    mark_sent,
    owed_groups,
    queue_records,
    recipient_lists,
    split_owed,
)
from .smtp import connect, send

__all__ = ["MailOutcome", "deliver", "mail_pending", "queue_batch"]

#: The most records one message carries (about 10 KB each): more are sent in parts, under the size
#: limits of mail servers (often 10 to 25 MB) and of what a reader scrolls through.
RECORDS_PER_MESSAGE = 200
#: A message refused as it is (its content, size, sender or an address the server cannot take), with the
#: connection still good for the next one; any other failure ends the delivery.
_MESSAGE_REFUSED = (smtplib.SMTPDataError, smtplib.SMTPSenderRefused, smtplib.SMTPNotSupportedError)
#: What a draft's file name takes of its list's name: letters (any script), digits, `.`, `_` and `-` (not `..`).
_UNSAFE = re.compile(r"[^\w.-]|\.\.+")
#: The most characters of a server's reply that an error shows.
_WORDS_SHOWN = 500


@dataclass
class MailOutcome:
    """What a delivery did: messages sent (or written as drafts), addresses refused, and why it stopped."""

    sent: int = 0
    drafts: list[Path] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    #: Why mail could not be sent (the server down, a login refused); what was not sent stays owed.
    failed: str | None = None


def queue_batch(
    manifest: Manifest,
    mail: MailConfig,
    batch: str,
    records: Path,
    topics: Mapping[str, TopicConfig] | None = None,
    topics_of: TopicsOf | None = None,
) -> int:
    """Queue the new records of a batch just written (`records`, its JSONL) for every recipient list (in memory).

    `topics_of` says which topics a record belongs to: their subscribers are queued its record.
    """
    lists = recipient_lists(mail.to, topics or {})
    ids = list_ids(records, lists, topics_of)
    return sum(queue_records(manifest, name, batch, ids[name], list(to)) for name, to in lists.items())


def deliver(
    output_dir: Path,
    manifest: Manifest,
    mail: MailConfig,
    drafts: Path | None = None,
    warn: Warn = messages.warning,
    topics: Mapping[str, TopicConfig] | None = None,
) -> MailOutcome:
    """Send every message owed (or, with `drafts`, write each as an .eml file there and record nothing).

    A topic's subscribers are owed its records (`topics`: those of the config file, which name them).
    """
    outcome = MailOutcome()
    owed: list[tuple[str, list[str], Owed, EmailMessage]] = []
    gone = False
    for name, to in recipient_lists(mail.to, topics or {}).items():
        for addresses, all_owed in owed_groups(manifest, name, list(to)):
            parts = split_owed(all_owed, RECORDS_PER_MESSAGE)
            for number, records in enumerate(parts, start=1):
                part = f" (part {number} of {len(parts)})" if len(parts) > 1 else ""
                label = name.removeprefix(TOPIC_LIST) if name.startswith(TOPIC_LIST) else ""
                message = build_message(output_dir, mail, addresses, records, warn, part, label)
                if message is None:  # its batches are gone from the folder: nothing left to send
                    mark_sent(manifest, name, addresses, records)
                    gone = True
                    continue
                owed.append((name, addresses, records, message))
    if drafts is not None:
        for number, (name, _, _, message) in enumerate(owed, start=1):
            path = drafts / f"{number:03d}-{_UNSAFE.sub('-', name)}.eml"  # a topic's name is anything
            with atomic_text_file(path) as handle:
                handle.write(message.as_string(policy=SMTP))
            outcome.drafts.append(path)
        return outcome
    if owed:
        _send_all(mail, manifest, owed, outcome)
    elif gone:
        manifest.save()
    return outcome


def _send_all(
    mail: MailConfig, manifest: Manifest, owed: list[tuple[str, list[str], Owed, EmailMessage]], outcome: MailOutcome
) -> None:
    password = None
    refusals: list[str] = []  # the server's words for each message it refused
    try:
        password = read_password(mail)
        with connect(mail, password) as client:
            for name, addresses, records, message in owed:
                try:
                    refused = send(client, mail, message, addresses)
                except _MESSAGE_REFUSED as error:  # this message, not the connection: the others still go
                    refusals.append(_reason(error))
                    continue
                mark_sent(manifest, name, [address for address in addresses if address not in refused], records)
                manifest.save()
                outcome.refused += refused
                outcome.sent += len(refused) < len(addresses)
    except ConfigError as error:
        outcome.failed = str(error)
    except (smtplib.SMTPException, OSError, UnicodeError) as error:  # UnicodeError: a host name IDNA refuses
        outcome.failed = f"{mail.host}:{mail.port}: {_hidden(_reason(error), mail.username, password)}"
    if refusals and not outcome.failed:
        more = f" (and {len(refusals) - 1} more)" if len(refusals) > 1 else ""
        words = _hidden(refusals[0], mail.username, password)
        outcome.failed = f"{mail.host}:{mail.port} refused a message{more}: {words}"
    if outcome.failed:
        outcome.failed += "; what was not sent is sent by the next run"
    elif outcome.refused:
        outcome.failed = (
            f"{mail.host}:{mail.port} refused {', '.join(outcome.refused)}; "
            "the others have their mail, and theirs is sent by the next run"
        )


def _hidden(words: str, username: str | None, password: str | None) -> str:
    """A server's words as one line of a log, without the password in any form a login sent it.

    A server may repeat what it was sent in its refusal (the AUTH PLAIN token, the base64 of the
    password, or the password itself); and its replies may span lines or hold terminal escapes,
    which would forge lines of the cron mail and the run log.
    """
    words = clean(words)
    if password:
        secret = password.encode("utf-8")
        token = b"\0" + (username or "").encode("utf-8") + b"\0" + secret
        for form in (password, base64.b64encode(secret).decode(), base64.b64encode(token).decode()):
            words = words.replace(form.rstrip("="), "[password hidden]")
    return words if len(words) <= _WORDS_SHOWN else words[:_WORDS_SHOWN] + " ..."


def _reason(error: Exception) -> str:
    """The server's or the system's words for a failure (the password hidden from them by `_hidden`)."""
    if isinstance(error, smtplib.SMTPResponseException):
        text = (
            error.smtp_error.decode("utf-8", "replace")
            if isinstance(error.smtp_error, bytes)
            else str(error.smtp_error)
        )
        return f"{error.smtp_code} {text}"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def mail_pending(
    output_dir: Path,
    mail: MailConfig,
    drafts: Path | None = None,
    warn: Warn = messages.warning,
    topics: Mapping[str, TopicConfig] | None = None,
) -> MailOutcome:
    """`digest mail`: under the output folder's lock, send what is owed (or write it to `drafts`)."""
    with exclusive_run(output_dir):
        manifest = Manifest.load(output_dir)
        if manifest.problem:
            warn(manifest.problem)
        return deliver(output_dir, manifest, mail, drafts, warn, topics)

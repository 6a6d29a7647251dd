"""A message: the records a group of addresses is owed, as the batch pages show them, in HTML and plain text."""

from __future__ import annotations

import os
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from ..config import MailConfig
from ..layout import batch_outputs
from ..messages import Warn
from ..render.batch import Entry, RenderError, clean, iter_records, make_entry
from ..render.html_page import message_html
from ..render.markdown_page import message_text
from .outbox import Owed

#: The subject names up to this many batches; more are counted.
BATCHES_NAMED = 3


def entries(path: Path, ids: set[str]) -> tuple[int, list[Entry]]:
    """The abstracts in a batch file, and the entries of those of its records whose ids are in `ids`."""
    anchors: set[str] = set()
    total, found = 0, []
    for number, record in enumerate(iter_records(path), start=1):
        total = number
        if str(record.id) in ids:
            found.append(make_entry(record, number, anchors))
    return total, found


def build_message(
    output_dir: Path, mail: MailConfig, addresses: list[str], owed: Owed, warn: Warn, part: str = "", label: str = ""
) -> EmailMessage | None:
    """The message with what `addresses` are owed; None when none of it is in the output folder any more.

    A batch file that is there but cannot be read is left out of `owed` (it stays owed, for a run
    that can read it); one that is gone, or records no longer in their batch, are owed no more.
    """
    sections = []
    for batch, ids in list(owed.items()):
        path = batch_outputs(output_dir, batch)[0]
        try:
            total, shown = entries(path, set(ids))
        except RenderError as problem:
            if os.path.lexists(path):
                del owed[batch]
                warn(f"mail: {problem}; its records are mailed once it can be read")
            continue
        if shown:
            sections.append((batch, total, shown))
    if not sections:
        return None
    count = sum(len(shown) for _, _, shown in sections)
    names = [clean(name) for name, _, _ in sections]
    named = ", ".join(names[:BATCHES_NAMED]) + (
        f" and {len(names) - BATCHES_NAMED} more" if len(names) > BATCHES_NAMED else ""
    )
    title = f"{clean(label) + ': ' if label else ''}{count} new abstract{'s' if count != 1 else ''}: {named}{part}"
    message = EmailMessage()
    message["Subject"] = f"{mail.subject_prefix} {title}".strip()
    message["From"] = mail.sender
    message["To"] = ", ".join(addresses)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid("digest", domain=parseaddr(mail.sender)[1].rpartition("@")[2] or None)
    message.set_content(message_text(title, sections))
    message.add_alternative(message_html(title, sections), subtype="html")
    return message

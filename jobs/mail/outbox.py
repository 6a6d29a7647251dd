"""The mail outbox, kept in the manifest: a record is queued once per recipient list, and owed to each address
of the list until a server has taken a message with it for that address.

A run queues a batch's new records in the same atomic write that marks the batch done, so a run
killed at any moment leaves them either done and queued, or neither (and redone).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from ..config import TopicConfig
from ..manifest import Manifest
from ..record import Record
from ..render.batch import iter_records

#: The recipient list of `[mail] to`; a topic's subscribers are the list `topic:NAME`.
MAIN_LIST = "to"
TOPIC_LIST = "topic:"
#: Which topics a record belongs to, by name (the topics' matcher).
TopicsOf = Callable[[Record], Iterable[str]]
#: What a recipient list's addresses are owed: record ids by batch.
Owed = dict[str, list[str]]


def recipient_lists(to: Sequence[str], topics: Mapping[str, TopicConfig]) -> dict[str, tuple[str, ...]]:
    """Each recipient list by name with its addresses: `[mail] to`, then each topic that has subscribers."""
    lists = {MAIN_LIST: tuple(to)}
    for name, topic in sorted(topics.items()):
        if topic.subscribers:
            lists[TOPIC_LIST + name] = tuple(topic.subscribers)
    return lists


def list_ids(path: Path, lists: Iterable[str], topics_of: TopicsOf | None) -> dict[str, list[str]]:
    """The ids of a batch file's records, in order, for each recipient list: all of them for `[mail] to`,
    a topic's own for a topic's list (none without `topics_of`)."""
    found: dict[str, list[str]] = {name: [] for name in lists}
    for record in iter_records(path):
        found[MAIN_LIST].append(str(record.id))
        for topic in topics_of(record) if topics_of is not None else ():
            found.get(TOPIC_LIST + topic, []).append(str(record.id))
    return found


def queue_records(manifest: Manifest, list_name: str, batch: str, ids: Iterable[str], recipients: Sequence[str]) -> int:
    """Owe each of `recipients` the batch's records in `ids` that this list never queued before; how many were new.

    Changes the manifest in memory only: it is saved with the batch it belongs to.
    """
    queued = manifest.mail.setdefault("queued", {}).setdefault(list_name, {})
    known = set(queued.get(batch, []))
    new = [record for record in dict.fromkeys(ids) if record not in known]
    if not new:
        return 0
    queued[batch] = [*queued.get(batch, []), *new]
    pending = manifest.mail.setdefault("pending", {}).setdefault(list_name, {})
    for address in recipients:
        owed = pending.setdefault(address, {})
        owed[batch] = [*owed.get(batch, []), *(record for record in new if record not in owed.get(batch, []))]
    return len(new)


def owed_groups(manifest: Manifest, list_name: str, recipients: Sequence[str]) -> list[tuple[list[str], Owed]]:
    """The list's addresses that are owed the same records, together (one message each), with what they are owed.

    Addresses no longer in the list are owed nothing any more.
    """
    pending = manifest.mail.get("pending", {}).get(list_name, {})
    for gone in set(pending) - set(recipients):
        del pending[gone]
    groups: dict[str, tuple[list[str], Owed]] = {}
    for address in recipients:
        owed = {batch: ids for batch, ids in sorted(pending.get(address, {}).items()) if ids}
        if owed:
            groups.setdefault(json.dumps(owed, sort_keys=True), ([], owed))[0].append(address)
    return list(groups.values())


def mark_sent(manifest: Manifest, list_name: str, addresses: Iterable[str], sent: Owed) -> None:
    """These addresses are owed what they were sent no longer (in memory; `Manifest.save` writes it)."""
    pending = manifest.mail.get("pending", {}).get(list_name, {})
    for address in addresses:
        owed = pending.get(address, {})
        for batch, ids in sent.items():
            left = [record for record in owed.get(batch, []) if record not in set(ids)]
            if left:
                owed[batch] = left
            else:
                owed.pop(batch, None)
        if not owed:
            pending.pop(address, None)


def split_owed(owed: Owed, limit: int) -> list[Owed]:
    """`owed` in parts of at most `limit` records each, in order (a batch may span two parts)."""
    parts: list[Owed] = [{}]
    size = 0
    for batch, ids in owed.items():
        for record in ids:
            if size == limit:
                parts.append({})
                size = 0
            parts[-1].setdefault(batch, []).append(record)
            size += 1
    return [part for part in parts if part]

"""Pages, index and feed that say what their batch holds, on any machine (issue 20).

Whether a page is up to date is decided by what it was made from (the hash it carries), never
by comparing its time with its batch's: clocks differ between machines, and copies keep times.
"""

from __future__ import annotations

import html
import json
import os
import re
import time
from pathlib import Path

import pytest

from jobs.render import render_all
from jobs.render.batch import PAGE_SIZE

from .conftest import repo_data
from .test_render import QUIET, Node, all_nodes, parse_feed, parse_html, run_pipeline

#: Ten years ahead: pages written by a machine whose clock ran ahead, or unpacked with its times.
FUTURE = time.time() + 10 * 365 * 86400
PAST = 631_152_000  # 1990-01-01


def csl_batch(path: Path, ids: list[str]) -> Path:
    """A JSON lines input of real CSL abstracts, one per id, in order."""
    lines = repo_data("csl-dev-abstracts.jsonl").read_text(encoding="utf-8").splitlines()
    records = [{**json.loads(line), "id": record_id} for line, record_id in zip(lines, ids)]
    path.write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records), encoding="utf-8")
    return path


def readers_files(output: Path) -> list[Path]:
    """The pages of every batch, the index and the feed."""
    pages = sorted(path for path in output.glob("*.digest*") if not path.name.startswith("."))
    return pages + [output / "index.html", output / "feed.xml"]


def shown_ids(output: Path, batch: str) -> dict[str, list[str]]:
    """The record ids each readers' file shows for `batch`, in order."""
    html = (output / f"{batch}.digest.html").read_text(encoding="utf-8")
    markdown = (output / f"{batch}.digest.md").read_text(encoding="utf-8")
    feed = parse_feed(output / "feed.xml")
    return {
        "html": re.findall(r'<article class="record" id="([^"]+)"', html),
        "markdown": re.findall(r'<a id="([^"]+)"></a>', markdown),
        "feed": [entry.link.rsplit("#", 1)[1] for entry in feed.entries],
    }


def test_pages_dated_in_the_future_are_rebuilt_when_their_batch_is_redone(tmp_path: Path) -> None:
    # Pages whose time is ahead of the batch's (another machine's clock, a copy that kept its
    # times) looked newer than a batch redone since: `a.jsonl` new, its pages old, exit 0.
    export = csl_batch(tmp_path / "a.jsonl", ["r1", "r2"])
    output = tmp_path / "output"
    run_pipeline([export], output)
    for path in readers_files(output):
        os.utime(path, (FUTURE, FUTURE))
    csl_batch(export, ["s1", "s2", "s3"])
    run_pipeline([export], output)
    expected = ["s1", "s2", "s3"]
    assert shown_ids(output, "a") == {"html": expected, "markdown": expected, "feed": expected}
    assert "3 abstracts" in (output / "index.html").read_text(encoding="utf-8")


def test_a_batch_replaced_with_its_old_size_and_time_gets_new_pages_index_and_feed(tmp_path: Path) -> None:
    # A batch restored from a backup, or synced from another machine, with its time kept (`cp
    # -p`, `rsync -t`): the same size and time as the one the pages were made from, other records.
    export = csl_batch(tmp_path / "a.jsonl", ["r1", "r2"])
    output = tmp_path / "output"
    run_pipeline([export], output)
    batch = output / "a.jsonl"
    before = batch.stat()
    batch.write_text(batch.read_text(encoding="utf-8").replace('"id": "r', '"id": "s'), encoding="utf-8")
    os.utime(batch, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert batch.stat().st_size == before.st_size
    render_all(output, warn=QUIET)
    assert shown_ids(output, "a") == {"html": ["s1", "s2"], "markdown": ["s1", "s2"], "feed": ["s1", "s2"]}
    assert 'href="a.digest.html"' in (output / "index.html").read_text(encoding="utf-8")


def test_pages_dated_in_the_past_of_an_unchanged_batch_are_left_alone(tmp_path: Path) -> None:
    # Pages that look older than their batch (a clock behind, a copy that kept its times) but were
    # made from exactly its records are not written again: the same files, the same bytes.
    export = csl_batch(tmp_path / "a.jsonl", ["r1", "r2"])
    output = tmp_path / "output"
    run_pipeline([export], output)
    files = readers_files(output)
    for path in files:
        os.utime(path, (PAST, PAST))
    before = {path: (path.stat().st_ino, path.read_bytes()) for path in files}
    run_pipeline([export], output)
    assert render_all(output, warn=QUIET).written == []
    assert {path: (path.stat().st_ino, path.read_bytes()) for path in files} == before


# --- bidirectional controls --------------------------------------------------------------

#: Embeddings and overrides, isolates, and the LRM, RLM and ALM marks: invisible, and they reorder
#: the text around them on a page.
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
BIDI_RE = re.compile(f"[{BIDI}]")
# "invoice\u202efdp.exe" shows as "invoiceexe.pdf": a file name that is not what it says.
RLO_NAME = "invoice\u202efdp.exe"
RIS_EXPORT = (
    "TY  - JOUR\n"
    "AU  - Smith\u202e, John\n"
    "AU  - \u2067Haddad\u2069, Rania\u200f\n"
    f"TI  - Phishing with {RLO_NAME} in university mail\u2066 systems\u2069\n"
    "JO  - Journal of \u202bSecurity\u202c Studies\u061c\n"
    "PY  - 2021\n"
    "KW  - file \u202dnames\u202c\n"
    "KW  - spoofing\u200e\n"
    f"AB  - Attackers sent {RLO_NAME} to staff. The file \u202eexe.txt looked like a text file. Most\u202a staff opened it.\n"
    "UR  - https://x.org/paper\u202e/1\n"
    "ER  - \n"
)


def test_bidi_controls_never_reach_a_page_or_the_feed_and_the_jsonl_keeps_them(tmp_path: Path) -> None:
    export = tmp_path / "phishing.txt"
    export.write_text(RIS_EXPORT, encoding="utf-8")
    output = tmp_path / "output"
    run_pipeline([export], output)
    # The records say what the input says: every control is still there.
    record = json.loads((output / "phishing.jsonl").read_text(encoding="utf-8"))
    assert record["title"]["en"] == f"Phishing with {RLO_NAME} in university mail\u2066 systems\u2069"
    assert record["citation"]["authors"][0] == "Smith\u202e, John"
    shown = {path.name: path.read_text(encoding="utf-8") for path in readers_files(output)}
    assert set(shown) == {"phishing.digest.html", "phishing.digest.md", "index.html", "feed.xml"}
    for name, text in shown.items():
        assert not BIDI_RE.search(html.unescape(text)), name  # neither as characters nor as references
    for name in ("phishing.digest.html", "phishing.digest.md", "feed.xml"):
        text = shown[name]
        assert "invoicefdp.exe" in text and "university mail systems" in text, name  # the text around is whole
    feed = parse_feed(output / "feed.xml")
    entry = feed.entries[0]
    assert entry.title == "Phishing with invoicefdp.exe in university mail systems"
    content = re.sub(r"<[^>]+>", "", entry.content[0].value)  # each part in an element of its own
    assert "Smith, John, Haddad, Rania · Journal of Security Studies · 2021" in content
    assert "Attackers sent invoicefdp.exe to staff." in shown["phishing.digest.md"]


def isolated(page: Node, text: str) -> bool:
    """Whether every element that holds `text` as its own words sets it apart (`dir` or `<bdi>`)."""
    holders = [
        node for node in all_nodes(page) if any(isinstance(child, str) and text in child for child in node.children)
    ]
    assert holders, text
    return all(node.tag == "bdi" or node.attrs.get("dir") == "auto" for node in holders)


def test_text_from_the_input_is_isolated_from_the_english_around_it(tmp_path: Path) -> None:
    # An Arabic name or journal among English words and numbers ("Haddad · مجلة 12(3) · 2021")
    # takes the numbers and separators into its own right-to-left run unless set apart.
    export = tmp_path / "rtl.txt"
    export.write_text(
        RIS_EXPORT.replace("\u2067Haddad\u2069, Rania\u200f", "حداد, رانيا")
        .replace("Journal of \u202bSecurity\u202c Studies\u061c", "مجلة الأمن")
        .replace("KW  - spoofing\u200e", "KW  - انتحال"),
        encoding="utf-8",
    )
    output = tmp_path / "output"
    run_pipeline([export], output)
    page = parse_html((output / "rtl.digest.html").read_text(encoding="utf-8"))
    for text in (
        "حداد, رانيا",
        "انتحال",
        "Phishing with invoicefdp.exe",
        "Attackers sent invoicefdp.exe",
        "rtl.txt, line 1",
    ):
        assert isolated(page, text), text
    assert isolated(parse_html((output / "index.html").read_text(encoding="utf-8")), "rtl")
    assert not isolated(page, "Author’s keywords")  # digest's own English is not


# --- every page of a batch, under its own name -------------------------------------------

GOLDEN = Path(__file__).parent / "golden" / "seed-cnki-export.jsonl"


def golden_batch(path: Path, count: int, prefix: str = "r", timestamp: int = 1_700_000_000) -> Path:
    """A batch JSONL of `count` real digest records (the golden ones repeated, each with an id of its own)."""
    records = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    lines = [
        json.dumps({**records[number % len(records)], "id": f"{prefix}{number + 1}"}, ensure_ascii=False) + "\n"
        for number in range(count)
    ]
    path.write_text("".join(lines), encoding="utf-8")
    os.utime(path, (timestamp, timestamp))
    return path


def page_ids(page: Path) -> list[str]:
    """The record ids a page shows, HTML or Markdown."""
    pattern = r'<article class="record" id="([^"]+)"' if page.suffix == ".html" else r'<a id="([^"]+)"></a>'
    return re.findall(pattern, page.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("name", "damage"),
    [
        ("long.digest-2.html", "deleted"),
        ("long.digest-3.md", "deleted"),
        ("long.digest-3.html", "cut short"),
        ("long.digest-2.md", "cut short"),
        ("long.digest-2.html", "of the batch before"),
        ("long.digest-3.md", "of the batch before"),
    ],
)
def test_a_later_page_that_is_missing_cut_short_or_stale_is_rebuilt(tmp_path: Path, name: str, damage: str) -> None:
    # Only the first page of each format was checked: a later page deleted by hand, cut short by
    # a full disk in a copy, or put back from a backup of the batch before stayed so for good,
    # and the first page linked to it (a dead link, or other abstracts than the batch's).
    batch = golden_batch(tmp_path / "long.jsonl", 2 * PAGE_SIZE + 1, "old")
    render_all(tmp_path, warn=QUIET)
    page = tmp_path / name
    before = page.read_bytes()
    golden_batch(batch, 2 * PAGE_SIZE + 1, "new", timestamp=1_700_000_100)
    render_all(tmp_path, warn=QUIET)
    expected = page_ids(page)
    assert expected and all(record_id.startswith("new") for record_id in expected)
    if damage == "deleted":
        page.unlink()
    elif damage == "cut short":
        page.write_bytes(page.read_bytes()[:3000])
    else:
        page.write_bytes(before)
    assert page in render_all(tmp_path, warn=QUIET).written
    assert page_ids(page) == expected
    assert render_all(tmp_path, warn=QUIET).written == []  # and then it is left alone


def test_a_batch_renamed_with_its_pages_gets_pages_under_its_new_name(tmp_path: Path) -> None:
    # `rename a b output/a.*`: the pages carried their batch's hash, which did not cover its
    # name, so they were kept, headed with the old name and linking to a.digest.md, gone.
    golden_batch(tmp_path / "2024-05.jsonl", 3)
    render_all(tmp_path, warn=QUIET)
    for path in tmp_path.glob("2024-05.*"):
        path.rename(tmp_path / path.name.replace("2024-05", "2024-05-cnki"))
    render_all(tmp_path, warn=QUIET)
    page = parse_html((tmp_path / "2024-05-cnki.digest.html").read_text(encoding="utf-8"))
    assert page.find("h1").text() == "2024-05-cnki"
    links = [node.attrs["href"] for node in all_nodes(page) if node.tag == "a"]
    assert "2024-05-cnki.digest.md" in links and "2024-05.digest.md" not in links
    assert (tmp_path / "2024-05-cnki.digest.md").read_text(encoding="utf-8").count("2024-05-cnki") >= 2

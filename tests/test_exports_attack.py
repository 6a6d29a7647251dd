"""Reference exports as operators really hand them over: concatenated, in odd RIS dialects, huge.

Each case here was a defect found by attacking the export readers (issue 14); the samples are
the real-record exports of tests/data/exports/ (sources in tests/data/SOURCES.md).
"""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest

from jobs.reading import BatchSource, RecordError, SourceRecord, read_records
from jobs.reading.exports.fields import url
from jobs.render import render_batch, render_feed

from .conftest import Alarm, repo_data
from .test_exports import APS_DOI, APS_KEYWORDS, APS_TITLE, HQ_TITLE, HQ_URL, SOS_TITLE
from .test_render import all_nodes, markdown_to_html, parse_html

EXPORTS = repo_data("exports/cnki-endnote.txt").parent
SAMPLES = {
    "cnki-endnote.txt": 5,
    "cnki-refworks.txt": 3,
    "wanfang.ris.txt": 3,
    "references.bib.txt": 3,
    "cnki-noteexpress.txt": 3,
    "cnki-self-defined.txt": 3,
}


def read(name: str, data: bytes) -> list[SourceRecord | RecordError]:
    return list(read_records(BatchSource(Path(name).stem, Path(name)), data))


@pytest.mark.parametrize("name", list(SAMPLES))
def test_two_exports_concatenated_with_their_boms_give_every_record(name: str) -> None:
    # `cat a.txt b.txt` (or `copy /b a.txt+b.txt`) of two UTF-8 exports with BOMs leaves the
    # second file's BOM at the start of a line in the middle: its first reference must still
    # start there, not be merged into the last reference of the first file.
    data = (EXPORTS / name).read_bytes()
    items = read(name, codecs.BOM_UTF8 + data + b"\n" + codecs.BOM_UTF8 + data)
    assert all(isinstance(item, SourceRecord) for item in items), items
    once = [(item.title, item.text) for item in read(name, data) if isinstance(item, SourceRecord)]
    twice = [(item.title, item.text) for item in items if isinstance(item, SourceRecord)]
    assert twice == once + once


def test_ris_with_one_space_before_the_dash_is_read() -> None:
    # Some tools write `TY - JOUR` (one space); the reader takes such a file for RIS, so it must
    # read it too, not report every reference as cut off before its end line.
    text = (EXPORTS / "wanfang.ris.txt").read_text(encoding="utf-8")
    one_space = re.sub(r"(?m)^([A-Z][A-Z0-9])  - ?", r"\1 - ", text)
    assert "TY - JOUR" in one_space and "ER - " in one_space
    expected = [(r.title, r.text, r.citation) for r in read("w.txt", text.encode()) if isinstance(r, SourceRecord)]
    items = read("w.txt", one_space.encode())
    assert [(r.title, r.text, r.citation) for r in items if isinstance(r, SourceRecord)] == expected
    assert len(expected) == 3


@pytest.mark.parametrize(
    ("name", "author", "kept"),
    [
        ("wanfang.ris.txt", "AU  - 张会佳", "AU  - 张, 会佳"),
        ("references.bib.txt", "张会佳 and", "张, 会佳 and"),
    ],
)
def test_a_chinese_name_written_last_comma_first_is_one_author(name: str, author: str, kept: str) -> None:
    # RIS (one author per AU line) and BibTeX (authors joined by "and") write a name as
    # "Last, First": Zotero exports a two-part Chinese name as "张, 会佳". That is one author.
    text = (EXPORTS / name).read_text(encoding="utf-8").replace(author, kept, 1)
    assert kept in text
    first = next(item for item in read(name, text.encode()) if isinstance(item, SourceRecord))
    assert first.citation is not None
    assert first.citation.authors == ["张会佳", "侯相竹", "张涵", "殷澳", "高阳", "徐多多"]


@pytest.mark.parametrize(
    ("start", "abstract_tag"),
    [("%0 Journal Article\n%T 长摘要\n", "%X"), ("RT Journal Article\nT1 长摘要\n", "AB")],
)
def test_an_abstract_of_many_lines_is_read_in_linear_time(start: str, abstract_tag: str) -> None:
    # Continuation lines were appended by copying the whole field each time: quadratic, so a
    # file of a few MB without tags after its first lines (a mislabelled dump) took minutes.
    # 200,000 lines: a second or two when linear; the quadratic reader took over a minute.
    line = "本研究采用随机对照试验，观察黄芪多糖对2型糖尿病患者血糖的影响。"
    text = f"{start}{abstract_tag} 摘要开始。\n" + f"{line}\n" * 200_000
    with Alarm(20, "not linear"):
        [record] = read("long.txt", text.encode())
    assert isinstance(record, SourceRecord)
    assert record.text.count("\n") == 200_000 and record.text.endswith("血糖的影响。")


def test_two_chinese_names_in_one_ris_author_line_are_still_two() -> None:
    text = (EXPORTS / "wanfang.ris.txt").read_text(encoding="utf-8")
    pasted = text.replace("AU  - 王海霞\nAU  - 罗耀群", "AU  - 王海霞,罗耀群", 1)
    conference = [item for item in read("w.txt", pasted.encode()) if isinstance(item, SourceRecord)][1]
    assert conference.citation is not None and conference.citation.authors == ["王海霞", "罗耀群"]


@pytest.mark.parametrize(
    ("name", "link_line", "before"),
    [
        ("cnki-endnote.txt", "%U https://kns.cnki.net", "%U javascript:alert(document.cookie)\n"),
        ("cnki-refworks.txt", "LK https://kns.cnki.net", "LK file:///C:/Users/zhang/Zotero/storage/a.pdf\n"),
        ("wanfang.ris.txt", "UR  - https://kns.cnki.net", "UR  - javascript:alert(document.cookie)\n"),
    ],
)
def test_a_link_that_is_not_http_does_not_hide_the_database_link_after_it(
    name: str, link_line: str, before: str
) -> None:
    text = (EXPORTS / name).read_text(encoding="utf-8").replace(link_line, before + link_line, 1)
    conference = next(
        item for item in read(name, text.encode()) if isinstance(item, SourceRecord) and item.title == HQ_TITLE
    )
    assert conference.citation is not None and conference.citation.url == HQ_URL


def test_a_bibtex_author_protected_by_braces_is_one_name_and_latex_in_names_is_decoded() -> None:
    # "{Food and Drug Administration}": the braces say the "and" is part of the name. Decoding
    # LaTeX first dropped them, and the name was split in two.
    text = (EXPORTS / "references.bib.txt").read_text(encoding="utf-8")
    edited = text.replace(
        "  author = {陈刚},", '  author = {陈刚 and {China Food and Drug Administration} and M{\\"u}ller, Hans},', 1
    )
    assert edited != text
    sos = next(
        item for item in read("refs.txt", edited.encode()) if isinstance(item, SourceRecord) and item.title == SOS_TITLE
    )
    assert sos.citation is not None
    assert sos.citation.authors == ["陈刚", "China Food and Drug Administration", "Müller, Hans"]


def test_control_characters_are_dropped_from_citations_as_from_titles() -> None:
    # A DEL and a terminal escape pasted from a PDF: dropped from the text and title, and so from
    # the citation too (text that carries no meaning).
    text = (EXPORTS / "cnki-refworks.txt").read_text(encoding="utf-8")
    edited = text.replace("A1 张会佳;侯相竹", "A1 张会佳\x7f;侯相竹\x1b[0m", 1).replace(
        "JF 食品工业科技", "JF 食品\x08工业科技", 1
    )
    aps = next(item for item in read("rw.txt", edited.encode()) if isinstance(item, SourceRecord))
    assert aps.citation is not None
    assert aps.citation.authors[:2] == ["张会佳", "侯相竹[0m"] and aps.citation.journal == "食品工业科技"


def test_a_ris_reference_that_lost_its_type_line_is_a_record_error_not_dropped() -> None:
    # rispy ignores everything between an ER line and the next TY line: a reference whose TY
    # line was deleted by hand, or a BibTeX export pasted after the RIS one, vanished unseen.
    text = (EXPORTS / "wanfang.ris.txt").read_text(encoding="utf-8")
    lost = text.replace("TY  - CONF\n", "", 1)
    bib = (EXPORTS / "references.bib.txt").read_text(encoding="utf-8")
    for edited, line, number in ((lost, 26, 2), (text + "\n" + bib + "\x1a", text.count("\n") + 2, 4)):
        items = read("w.txt", edited.encode())
        errors = [item for item in items if isinstance(item, RecordError)]
        assert [(error.line, error.number) for error in errors] == [(line, number)], errors
        assert "no reference" in errors[0].reason
    # A DOS ^Z after the last reference is no lost text.
    assert all(isinstance(item, SourceRecord) for item in read("w.txt", (text + "\x1a\n").encode()))


def test_a_refer_reference_before_the_first_type_line_is_read() -> None:
    # The first reference's %0 line deleted (or a file cut at the top): its lines came before
    # the first %0 and were dropped unseen.
    text = (EXPORTS / "cnki-endnote.txt").read_text(encoding="utf-8")
    cut = text.replace("%0 Journal Article\n", "", 1)
    assert cut != text
    titles = [item.title for item in read("e.txt", cut.encode()) if isinstance(item, SourceRecord)]
    assert titles == [item.title for item in read("e.txt", text.encode()) if isinstance(item, SourceRecord)]


def test_a_title_and_abstract_of_control_characters_only_are_none() -> None:
    # Dropped from the title and abstract, a ^Z and an escape left a record with neither: an
    # empty abstract with no title went through the pipeline onto the pages.
    text = (EXPORTS / "cnki-refworks.txt").read_text(encoding="utf-8")
    empty = "RT Journal Article\nA1 佚名\nT1 \x1a\nAB \x1b\x7f\nDS CNKI\n\n"
    items = read("rw.txt", (empty + text).encode())
    assert isinstance(items[0], RecordError) and (items[0].line, items[0].number) == (1, 1)
    assert items[0].reason == "the reference has neither a title nor an abstract"
    assert all(isinstance(item, SourceRecord) for item in items[1:]) and len(items) == 4


# --- links on the pages --------------------------------------------------------------------


def rendered_links(tmp_path: Path, citations: list[dict[str, object]]) -> tuple[list[str], list[str], list[str]]:
    """The hrefs of the citation links on the HTML page, the Markdown page and in the feed."""
    golden = Path(__file__).parent / "golden" / "seed-cnki-export.jsonl"
    record = json.loads(golden.read_text(encoding="utf-8").splitlines()[0])
    batch = tmp_path / "links.jsonl"
    lines = [{**record, "id": f"r{n}", "citation": citation} for n, citation in enumerate(citations)]
    batch.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    pages = {path.suffix: path for path in render_batch(batch)}
    page = parse_html(pages[".html"].read_text(encoding="utf-8"))
    html_links = [a.attrs["href"] for a in all_nodes(page) if a.tag == "a" and a.attrs.get("rel")]
    markdown = parse_html(markdown_to_html(pages[".md"].read_text(encoding="utf-8")))
    markdown_links = [a.attrs["href"] for a in all_nodes(markdown) if a.attrs.get("href", "").startswith("http")]
    feed = feedparser.parse(render_feed(tmp_path).read_bytes())
    assert not feed.bozo
    feed_links = [link.href for entry in feed.entries for link in entry.links if link.rel == "related"]
    return html_links, markdown_links, feed_links


def test_an_entity_in_a_link_does_not_take_the_markdown_page_elsewhere(tmp_path: Path) -> None:
    # "&#x40;" is "@": decoded by Markdown, "kns.cnki.net&#x40;evil.example" is a link to
    # evil.example with kns.cnki.net as its user name, while the page shows kns.cnki.net.
    url = "https://kns.cnki.net&#x40;evil.example/kcms/detail/detail.aspx?dbname=CJFD"
    html_links, markdown_links, feed_links = rendered_links(tmp_path, [{"format": "refworks", "url": url}])
    assert html_links == markdown_links == feed_links == [url]
    assert all(urlsplit(href).hostname != "evil.example" for href in html_links + markdown_links)


def test_a_doi_with_a_hash_or_question_mark_links_to_the_whole_doi(tmp_path: Path) -> None:
    # Wiley's SICI DOIs hold "<", ">", ";" and may end in "#"; unencoded, doi.org would get the
    # DOI cut at "#" (a fragment) or "?" (a query).
    sici = "10.1002/(SICI)1097-4636(199707)36:1<87::AID-JBM10>3.0.CO;2-#"
    query = "10.1000/182?x"
    expected = [
        "https://doi.org/10.1002/%28SICI%291097-4636%28199707%2936%3A1%3C87%3A%3AAID-JBM10%3E3.0.CO%3B2-%23",
        "https://doi.org/10.1000/182%3Fx",
    ]
    html_links, markdown_links, feed_links = rendered_links(
        tmp_path, [{"format": "ris", "doi": sici}, {"format": "ris", "doi": query}]
    )
    assert html_links == markdown_links == feed_links == expected


def test_a_text_batch_whose_first_abstract_starts_with_an_at_sign_is_still_text() -> None:
    # "@RISK (Palisade)" is risk-analysis software abstracts name; "@RISK (" looked like the head
    # of a BibTeX entry, so the whole blank-line batch was read as BibTeX: one record error and
    # every abstract lost. A BibTeX entry's head has its key and a comma.
    text = (
        "@RISK (Palisade Corporation) software was used to run a Monte Carlo simulation of the "
        "construction costs of 42 highway projects.\n\n"
        "采用蒙特卡洛模拟方法对公路工程造价风险进行了分析，结果表明该方法能够有效识别主要风险因素。\n\n"
        "基于@RISK软件建立了项目工期的风险模型。\n"
    )
    items = read("risk.txt", text.encode())
    assert [item.text[:5] for item in items if isinstance(item, SourceRecord)] == ["@RISK", "采用蒙特卡", "基于@RI"]
    assert len(items) == 3


def test_a_ris_abstract_of_many_lines_is_read_in_linear_time() -> None:
    # rispy joins each wrapped line onto the field by copying it: quadratic, like the readers'
    # own continuation lines were (200,000 lines: well over a minute).
    line = "本研究采用随机对照试验，观察黄芪多糖对2型糖尿病患者血糖的影响。"
    text = "TY  - JOUR\nTI  - 长摘要\nAB  - 摘要开始。\n" + f"{line}\n" * 200_000 + "KW  - 黄芪\n慢性病\nER  - \n"
    with Alarm(20, "not linear"):
        [record] = read("long.txt", text.encode())
    assert isinstance(record, SourceRecord) and record.citation is not None
    assert record.text.count(line) == 200_000 and record.text.endswith("血糖的影响。")
    assert record.citation.keywords == {"zh": ["黄芪", "慢性病"], "en": None}


# --- issue 20: a URL kept whole, in every format -------------------------------------------

# A Java servlet's session in the path (";jsessionid=..."): part of the URL, not a list of two.
SESSION_URL = "https://x.org/view.jsp;jsessionid=A1B2C3?id=42"


@pytest.mark.parametrize("name", list(SAMPLES))
@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_a_url_with_a_semicolon_is_kept_whole(name: str, line_end: str) -> None:
    # RIS allows several URLs in one UR line, separated by ";": rispy split every UR at each
    # ";", and the link went to https://x.org/view.jsp, without its session or query.
    text = (EXPORTS / name).read_text(encoding="utf-8").replace(HQ_URL, SESSION_URL, 1)
    assert SESSION_URL in text
    data = text.replace("\r\n", "\n").replace("\n", line_end).encode()
    conference = next(item for item in read(name, data) if isinstance(item, SourceRecord) and item.title == HQ_TITLE)
    assert conference.citation is not None and conference.citation.url == SESSION_URL


@pytest.mark.parametrize(
    ("urls", "expected"),
    [
        # Two URLs in one field (RIS allows it in one UR line): the first http(s) one is the link.
        (f"{SESSION_URL}; https://kns.cnki.net/a", SESSION_URL),
        (f"{SESSION_URL};https://kns.cnki.net/a", SESSION_URL),
        (f"javascript:alert(document.cookie);{SESSION_URL}", SESSION_URL),
        (f"file:///C:/Users/zhang/a.pdf; {SESSION_URL}", SESSION_URL),
        # A ";" that ends the line separates nothing.
        (f"{SESSION_URL};", SESSION_URL),
        # Matrix parameters (";a=1;b=2") are the URL's own.
        ("https://x.org/map;lat=50;long=20", "https://x.org/map;lat=50;long=20"),
    ],
)
@pytest.mark.parametrize("name", list(SAMPLES))
def test_a_url_field_with_several_urls_gives_the_first_web_link(name: str, urls: str, expected: str) -> None:
    text = (EXPORTS / name).read_text(encoding="utf-8").replace("\r\n", "\n").replace(HQ_URL, urls, 1)
    for line_end in ("\n", "\r\n"):
        items = read(name, text.replace("\n", line_end).encode())
        conference = next(item for item in items if isinstance(item, SourceRecord) and item.title == HQ_TITLE)
        assert conference.citation is not None and conference.citation.url == expected


def test_a_url_field_of_many_spaces_is_read_in_linear_time() -> None:
    # Telling several URLs apart at whitespace before a scheme must not retry a long run of
    # spaces from each of its positions (quadratic: minutes for a pasted field like this).
    field = "https://x.org/a" + " " * 200_000 + "x"
    with Alarm(20, "not linear"):
        assert url([field]) == field  # no scheme after the spaces: one value


# --- issue 20: BibTeX's LaTeX costs a field its decoding at most, never the reference ---------

BIB = "references.bib.txt"
SOS_TITLE_LINE = f"  title = {{{SOS_TITLE}}},"
# A link as exports write them: a session, a query, an escaped space and a fragment.
LINK = "https://x.org/view.jsp;jsessionid=A1?id=42&q=a%20b#abstract"
LINK_ESCAPED = LINK.replace("%", "\\%").replace("#", "\\#")  # as LaTeX escapes them in a macro's argument


def bib_record(edited: str, title: str = SOS_TITLE) -> SourceRecord:
    """The record of the edited sample whose title starts with `title`; every entry must be read."""
    items = read("refs.txt", edited.encode())
    assert all(isinstance(item, SourceRecord) for item in items), items
    return next(item for item in items if isinstance(item, SourceRecord) and (item.title or "").startswith(title))


@pytest.mark.parametrize(
    ("field", "title_end", "text_part", "url"),
    [
        # The URL goes where it belongs: the url field, or note and howpublished (where plain
        # BibTeX, which has no url field, puts a web page); in a title or an abstract only the
        # words are kept.
        (f"  title = {{{SOS_TITLE} \\href{{{LINK}}}{{全文}}}},", "全文", None, None),
        (f"  abstract = {{见\\href{{{LINK}}}{{项目主页}}。}},", "", "见项目主页。", None),
        (f"  note = {{\\href{{{LINK}}}{{Full text}}}},", "", None, LINK),
        (f"  howpublished = {{\\href{{{LINK}}}{{x.org}}}},", "", None, LINK),
        (f"  url = {{\\href{{{LINK}}}{{x.org}}}},", "", None, LINK),
        (f"  url = {{\\url{{{LINK_ESCAPED}}}}},", "", None, LINK),
        (f"  note = {{\\href{{{LINK_ESCAPED}}}{{Full text}}}},", "", None, LINK),
    ],
)
def test_a_bibtex_href_keeps_the_reference_its_words_and_its_link(
    field: str, title_end: str, text_part: str | None, url: str | None
) -> None:
    # pylatexenc's \href raised "list index out of range", and bibtexparser's middleware then
    # dropped the whole reference ("Middleware could not be fully applied").
    text = (EXPORTS / BIB).read_text(encoding="utf-8")
    if field.startswith("  title"):
        edited = text.replace(SOS_TITLE_LINE, field, 1)
    elif field.startswith("  abstract"):
        edited = re.sub(r"(?m)^  abstract = \{采用修正的.*\},$", lambda _: field, text, count=1)
    else:
        edited = text.replace(SOS_TITLE_LINE, SOS_TITLE_LINE + "\n" + field, 1)
    assert edited != text
    sos = bib_record(edited)
    assert sos.title == SOS_TITLE + (f" {title_end}" if title_end else "")
    if text_part is not None:
        assert sos.text == text_part
    assert LINK not in f"{sos.title} {sos.text}"
    assert sos.citation is not None and sos.citation.url == url
    assert sos.citation.authors == ["陈刚"] and sos.citation.journal == "航空学报"


@pytest.mark.parametrize(
    ("latex", "shown"),
    [
        ("\\url{https://x.org/a_b~c%20d#e}", "https://x.org/a_b~c%20d#e"),  # LaTeX's specials are the URL's
        ("\\textbf{粗体}与\\emph{强调}", "粗体与强调"),
        ("\\foo{未知命令}", "未知命令"),  # an unknown macro: its argument is text
        ("上\\\\下", "上 下"),  # a line break
        ("$\\alpha$-葡萄糖苷酶", "$\\alpha$-葡萄糖苷酶"),  # math as written
        ("{" * 3000 + "深" + "}" * 3000, "深"),  # nesting too deep for pylatexenc's recursion
        ("效率提高了12.5%以上", "效率提高了12.5%以上"),  # a bare %: a percent sign, not a comment
        ("方法\\cite{zhang2020}与\\parencite[第3页]{li2019}", "方法与"),  # citations: keys no reader can follow
    ],
)
def test_any_latex_in_a_bibtex_field_keeps_the_reference_and_its_text(latex: str, shown: str) -> None:
    text = (EXPORTS / BIB).read_text(encoding="utf-8")
    edited = text.replace(SOS_TITLE_LINE, f"  title = {{{SOS_TITLE} {latex}}},", 1)
    sos = bib_record(edited)
    assert sos.title is not None and sos.title.removeprefix(SOS_TITLE).strip() == shown
    assert sos.text.startswith("采用修正的Rodrigues参数(MRP)")


def test_a_bare_percent_sign_in_a_bibtex_abstract_keeps_the_rest_of_the_line() -> None:
    # Chinese exports write "23.59%" unescaped: taken for LaTeX's comment, the rest of the line
    # (here the whole rest of the abstract) was dropped without a word.
    text = (EXPORTS / BIB).read_text(encoding="utf-8")
    edited = text.replace("23.59\\%±0.14\\%", "23.59%±0.14%", 1)
    assert edited != text
    aps = bib_record(edited, APS_TITLE)
    assert "23.59%±0.14%；APS对α-葡萄糖苷酶的半数抑制浓度" in aps.text
    assert aps.text.endswith("APS对α-葡萄糖苷酶表现出较强的抑制作用。")


def test_bibtex_field_names_are_read_in_any_case() -> None:
    # Web of Science writes `Author = {...}`, `Title = {{...}}`: the authors were read only
    # from a field named exactly `author`, and were lost.
    text = (EXPORTS / BIB).read_text(encoding="utf-8")
    edited = re.sub(r"(?m)^  ([a-z])([a-z]*) = ", lambda m: f"  {m.group(1).upper()}{m.group(2)} = ", text)
    edited = edited.replace("  Author = {陈刚},", "  AUTHOR = {陈刚 and Müller, Hans},", 1)
    assert "Author = {张会佳" in edited and "AUTHOR = {陈刚" in edited
    sos = bib_record(edited)
    assert sos.citation is not None and sos.citation.authors == ["陈刚", "Müller, Hans"]
    aps = bib_record(edited, APS_TITLE)
    assert aps.citation is not None and aps.citation.authors == ["张会佳", "侯相竹", "张涵", "殷澳", "高阳", "徐多多"]
    assert aps.citation.doi == APS_DOI and aps.citation.keywords == {"zh": APS_KEYWORDS, "en": None}


def test_a_bibtex_field_left_open_by_a_backslash_is_one_record_error_naming_its_line() -> None:
    # "\}" escapes the brace that was to close the field: the entry cannot be read. It is one
    # record error that says so, with its line; the entries after it are read.
    text = (EXPORTS / BIB).read_text(encoding="utf-8")
    edited = text.replace("  booktitle = {2013年中国药学大会暨第十三届中国药师周},", "  booktitle = {C:\\data\\},", 1)
    items = read("refs.txt", edited.encode())
    errors = [item for item in items if isinstance(item, RecordError)]
    assert [(error.line, error.number) for error in errors] == [(14, 2)]
    assert "braces or quotes are not closed" in errors[0].reason
    assert [item.title for item in items if isinstance(item, SourceRecord)] == [APS_TITLE, SOS_TITLE]


@pytest.mark.parametrize(
    ("latex", "shown"),
    [
        # pylatexenc takes any letter for part of a macro's name: `\beta淀粉样蛋白...` was one
        # unknown macro, and the words after it went with it (LaTeX's names are ASCII letters).
        ("\\beta淀粉样蛋白的聚集", "β淀粉样蛋白的聚集"),
        ("分别为甲、乙\\ldots等方面", "分别为甲、乙…等方面"),
        ("路径C:\\数据\\样本", "路径C:\\数据\\样本"),  # a lone backslash before Chinese is one
        ('L\\"u与L\\"{u}', "Lü与Lü"),  # accents are still accents
        # An \href or \url the link reader does not take (an option, one inside another, one
        # cut short) is still decoded, never left as LaTeX nor shown as pylatexenc's "<%s>".
        ("见\\href[pdfnewwindow]{https://x.org/a}{项目主页}", "见项目主页"),
        ("见\\href{https://x.org/a}{\\href{https://x.org/b}{项目主页}}", "见项目主页"),
        ("网址\\url", "网址"),
    ],
)
def test_latex_next_to_chinese_or_a_link_macro_keeps_every_word(latex: str, shown: str) -> None:
    text = (EXPORTS / BIB).read_text(encoding="utf-8")
    edited = text.replace(SOS_TITLE_LINE, f"  title = {{{SOS_TITLE} {latex}}},", 1)
    sos = bib_record(edited)
    assert sos.title is not None and sos.title.removeprefix(SOS_TITLE).strip() == shown


@pytest.mark.parametrize(
    ("latex", "shown"),
    [("提高了5\\%。", "提高了5%。"), ("{\\'e}tude --- ", "étude — "), ("{采用\\textbf{排版}}", "采用排版")],
)
def test_a_bibtex_abstract_of_many_lines_with_latex_is_decoded_in_linear_time(latex: str, shown: str) -> None:
    # pylatexenc grows a run of plain text one character at a time: quadratic, so an abstract
    # of 200,000 lines (a mislabelled dump, 6.6 MB) took about an hour once it held any LaTeX.
    # (The alarm's error, taken for pylatexenc's, left the field's LaTeX undecoded.)
    line = "本研究采用随机对照试验，观察黄芪多糖对2型糖尿病患者血糖的影响。"
    text = "@article{k,\n  title = {长摘要},\n  abstract = {" + latex + f"{line}\n" * 200_000 + "},\n}\n"
    with Alarm(20, "not linear"):
        [record] = read("long.bib", text.encode())
    assert isinstance(record, SourceRecord)
    assert record.text.startswith(shown + line) and record.text.count(line) == 200_000
    assert record.text.endswith("血糖的影响。")


def test_a_long_bibtex_field_is_decoded_as_a_short_one() -> None:
    # The field is cut into pieces in its plain text to be decoded in linear time: LaTeX between
    # long stretches of plain text (or in a group, an accent's argument, math) is decoded whole.
    line = "本研究采用随机对照试验，观察黄芪多糖对2型糖尿病患者血糖的影响。" * 20
    parts = [
        ("\\textbf{粗体}", "粗体"),
        ("$x_1 + x_2 -- " + "y" * 600 + "$ \\textbf{粗体}", "$x_1 + x_2 -- " + "y" * 600 + "$ 粗体"),
        ('M{\\"u}ller--Schmidt', "Müller–Schmidt"),
        ("{{" + line + "}}", line),  # protecting braces around a long stretch
        ("\\d{" + "o" * 600 + "}", "ọ" * 600),  # an accent on every character of its argument
        ("\\\\*[" + "x" * 600 + "]", "\n"),  # a line break's optional argument (its space)
        (
            "\\begin{equation}" + "z" * 600 + " a--b\\end{equation}",
            "\n\\begin{equation}" + "z" * 600 + " a--b\\end{equation}\n",
        ),
    ]
    # A macro's arguments without braces where the first piece would end.
    first = ("x" * 499 + "\\frac12" + "x" * 600, "x" * 499 + "1/2" + "x" * 600)
    field = first[0] + line + line.join(latex for latex, _ in parts) + line
    text = "@article{k,\n  title = {长摘要},\n  abstract = {" + field + "},\n}\n"
    [record] = read("long.bib", text.encode())
    assert isinstance(record, SourceRecord)
    assert record.text == first[1] + line + line.join(shown for _, shown in parts) + line


# Springer's chapter DOIs hold "_": Mendeley (with "Escape LaTeX special characters", its
# default) and JabRef write it "\_", and a URL's "&" and "%" as "\&" and "\%".
CHAPTER_DOI = "10.1007/978-3-319-24574-4_28"


@pytest.mark.parametrize(
    ("doi_field", "url_field", "expected_url"),
    [
        ("10.1007/978-3-319-24574-4\\_28", HQ_URL.replace("&", "\\&"), HQ_URL),
        ("10.1007/978-3-319-24574-4{\\_}28", HQ_URL.replace("&", "{\\&}"), HQ_URL),
        (
            "https://doi.org/10.1007/978-3-319-24574-4\\_28",
            HQ_URL.replace("&", "\\&").replace("==", "\\%3D\\%3D"),
            HQ_URL.replace("==", "%3D%3D"),
        ),
    ],
)
def test_a_bibtex_doi_or_url_written_with_latex_escapes_links_to_itself(
    doi_field: str, url_field: str, expected_url: str
) -> None:
    # Taken as written, the DOI linked to https://doi.org/10.1007/978-3-319-24574-4%5C_28 (no
    # such DOI), and the URL to kns.cnki.net with "\&" in its query.
    text = (EXPORTS / BIB).read_text(encoding="utf-8")
    edited = text.replace(SOS_TITLE_LINE, f"{SOS_TITLE_LINE}\n  doi = {{{doi_field}}},\n  url = {{{url_field}}},", 1)
    sos = bib_record(edited)
    assert sos.citation is not None and sos.citation.doi == CHAPTER_DOI
    assert sos.citation.url == expected_url


SOS_TEXT = re.search(r"abstract = \{(采用修正的.*)\},", (EXPORTS / BIB).read_text(encoding="utf-8"))[1]  # type: ignore[index]


def test_bibtex_strings_and_concatenations_are_read_as_bibtex_reads_them() -> None:
    # A value joined with "#" from @string abbreviations, quoted and braced parts (hand-kept
    # files, JabRef's journal abbreviations) was shown as written: `hkxb # " (增刊)"`. A
    # duplicated key's entry, read again on its own, lost the file's @string definitions.
    text = (EXPORTS / BIB).read_text(encoding="utf-8")
    strings = '@string{hkxb = "航空学报"}\n@STRING{ hkxbs = hkxb # { (增刊)} }\n\n'
    edited = strings + text.replace("  journal = {航空学报},", "  journal = hkxbs,", 1).replace(
        SOS_TITLE_LINE, f'  title = "{SOS_TITLE[:10]}" # {{{SOS_TITLE[10:]}}},', 1
    )
    duplicate = text.split("@article{chen2015sos,", 1)[1].replace("  journal = {航空学报},", "  journal = hkxb # jun,")
    items = read("refs.txt", (edited + "\n@article{chen2015sos," + duplicate).encode())
    sos, again = [item for item in items if isinstance(item, SourceRecord) and item.text == SOS_TEXT]
    assert sos.title == again.title == SOS_TITLE
    assert sos.citation is not None and sos.citation.journal == "航空学报 (增刊)"
    assert again.citation is not None and again.citation.journal == "航空学报June"


def test_bibtex_strings_that_double_with_each_definition_are_not_expanded_without_end() -> None:
    # Each @string made of the one before, twice: 2**60 characters if taken as BibTeX would.
    chain = '@string{s0 = "长"}\n' + "".join(f"@string{{s{n} = s{n - 1} # s{n - 1}}}\n" for n in range(1, 61))
    text = chain + "@article{k,\n  title = {题目},\n  journal = s60 # s60,\n  abstract = {摘要。},\n}\n"
    with Alarm(10, "strings expanded without end"):
        [record] = read("bomb.bib", text.encode())
    assert isinstance(record, SourceRecord) and record.citation is not None
    assert record.citation.journal is not None and len(record.citation.journal) < 1000


@pytest.mark.parametrize(
    "command", ["\\input{{{}}}", "\\include{{{}}}", "\\input {}", "\\InputIfFileExists{{{}}}{{}}{{}}"]
)
def test_latex_in_a_bibtex_field_never_reads_a_file(tmp_path: Path, command: str) -> None:
    # An export is untrusted: \input of a file on the machine that runs digest must not put that
    # file's text into the abstract (and so on the pages).
    secret = tmp_path / "secret.tex"
    secret.write_text("SECRET-LINE-FROM-DISK\n", encoding="utf-8")
    latex = command.format(secret)
    text = (EXPORTS / BIB).read_text(encoding="utf-8")
    edited = re.sub(r"(?m)^  abstract = \{采用修正的", lambda _: f"  abstract = {{{latex}采用修正的", text, count=1)
    assert edited != text
    sos = bib_record(edited)
    assert "SECRET-LINE" not in f"{sos.title} {sos.text}"

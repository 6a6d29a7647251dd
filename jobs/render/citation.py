"""What a record's citation shows a reader: its names in pinyin with the original beside, where and
when it appeared, and the way to the original: its DOI or the database's link, else a search for
its title at the database it came from.

Every text here is input text, `clean`ed; the pages escape it and isolate its direction.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from urllib.parse import quote, urlsplit

from ..pinyin import has_chinese, record_pinyin
from ..record import Citation, Pinyin, Record
from .words import clean

#: Authors named in a citation line before "et al.".
CITATION_AUTHORS = 3
#: Affiliations shown before "and N more": a collaboration's paper has thousands (the feed holds
#: each record's citation, and was megabytes a record).
CITATION_PLACES = 10

_DOI = re.compile(r"10\.\d{4,9}/\S+")
# What a link may keep as it is; everything else (spaces, quotes, <>, (), non-ASCII) is
# percent-encoded, so the link is one token in HTML, XML and Markdown alike.
_URL_SAFE = "/:?#&=%+~@!$,;.-_"

#: The databases a search link can go to: a name found in the export's database field or its
#: link's host, the database's name for readers, and its search for a title.
DATABASES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "cnki": (("cnki", "知网"), "CNKI", "https://kns.cnki.net/kns8s/defaultresult/index?korder=TI&kw="),
    "wanfang": (("wanfang", "万方"), "Wanfang Data", "https://s.wanfangdata.com.cn/paper?q="),
    "cqvip": (("cqvip", "维普", "vip"), "CQVIP", "https://www.cqvip.com/search?k="),
}
#: Where a title is searched for when the database is not known.
GENERAL_SEARCH = ("Google Scholar", "https://scholar.google.com/scholar?q=")
#: Formats only one database writes.
_FORMAT_DATABASES = {"cnki-self-defined": "cnki"}


@dataclass(frozen=True)
class Link:
    """A link to the original publication (or a search for it): an http(s) URL, and the words it shows."""

    href: str
    text: str


@dataclass(frozen=True)
class Name:
    """A name as a reader who does not read Chinese can use it: in pinyin, the Chinese beside it."""

    shown: str
    #: The name as the export writes it, where `shown` is its pinyin ("" otherwise).
    original: str = ""
    #: Its English, where the export gives it (a journal's, from Wanfang): after the pinyin in
    #: square brackets, as citations give a translated name.
    english: str = ""

    @property
    def text(self) -> str:
        """ "Zhang Huijia (张会佳)", "Linchuang Yixue Yanjiu yu Shijian [Clinical Research and Practice]
        (临床医学研究与实践)", or the name alone."""
        english = f" [{self.english}]" if self.english else ""
        return f"{self.shown}{english} ({self.original})" if self.original else self.shown + english


@dataclass(frozen=True)
class Cited:
    """What a record's citation says, as the pages show it; empty for a record without one."""

    authors: list[Name] = field(default_factory=list)
    affiliations: list[Name] = field(default_factory=list)
    journal: Name | None = None
    #: Volume, issue and pages, after the journal: "53(4): 301-304".
    numbers: str = ""
    #: A standard's number: "GB/T 7714-2015".
    standard: str = ""
    #: A thesis's university, a standard's issuer, a book's publisher (None where it is the journal).
    publisher: Name | None = None
    #: A thesis's supervisors.
    supervisors: list[Name] = field(default_factory=list)
    year: str = ""
    #: The original publication (its DOI, else the database's http(s) URL), or None.
    link: Link | None = None
    #: A link in the export that is not http(s) (`javascript:`, `data:`): shown as text only.
    unsafe_link: str = ""
    #: Where there is no link: a search for the title at the record's database, or a general one.
    search: Link | None = None

    @property
    def places(self) -> tuple[list[Name], str]:
        """The affiliations shown, and "and N more" where there are more ("" where not)."""
        more = len(self.affiliations) - CITATION_PLACES
        return self.affiliations[:CITATION_PLACES], f"and {more} more" if more > 0 else ""

    @property
    def named(self) -> str:
        """The first authors, then "et al.": "Zhang Huijia (张会佳), Hou Xiangzhu (侯相竹) et al."."""
        shown = ", ".join(name.text for name in self.authors[:CITATION_AUTHORS])
        return shown + (" et al." if len(self.authors) > CITATION_AUTHORS else "")

    @property
    def where(self) -> str:
        """The journal (in pinyin, the original beside) with its volume, issue and pages."""
        journal = self.journal.text if self.journal else ""
        if journal and self.numbers.startswith(":"):
            return journal + self.numbers
        return " ".join(part for part in (journal, self.numbers) if part)

    @property
    def parts(self) -> list[str]:
        """The parts of the citation line, those the export gives: the authors, a standard's number,
        where it appeared, the publisher (a thesis's university), a thesis's supervisors, the year."""
        standard = f"standard {self.standard}" if self.standard else ""
        publisher = self.publisher.text if self.publisher else ""
        supervised = ", ".join(name.text for name in self.supervisors)
        supervised = f"supervised by {supervised}" if supervised else ""
        return [part for part in (self.named, standard, self.where, publisher, supervised, self.year) if part]


def cited(record: Record, title: str) -> Cited:
    """What the record's citation shows; `title` is the original title, searched for where there is no link."""
    citation = record.citation
    if citation is None:  # not from a reference export: no database to search
        return Cited()
    search = search_link(citation, title)
    pinyin = _pinyin(record)
    link, unsafe_link = original_link(citation)
    publisher = clean(citation.publisher)
    return Cited(
        authors=_names(citation.authors, pinyin.authors),
        affiliations=_names(citation.affiliations, pinyin.affiliations),
        journal=_journal(citation, pinyin),
        numbers=_numbers(citation),
        standard=clean(citation.standard_number),
        # A newspaper's publisher is the newspaper: not said twice.
        publisher=_name(publisher, pinyin.publisher) if publisher != clean(citation.journal) else None,
        supervisors=_names(citation.supervisors, pinyin.supervisors),
        year=clean(citation.year),
        link=link,
        unsafe_link=unsafe_link,
        search=search if link is None else None,
    )


def _pinyin(record: Record) -> Pinyin:
    """The record's pinyin; made here for a record written before digest kept it (or edited since)."""
    citation = record.citation
    pinyin = record.pinyin
    if citation is not None and (
        pinyin is None
        or len(pinyin.authors) != len(citation.authors)
        or len(pinyin.affiliations) != len(citation.affiliations)
        or len(pinyin.supervisors) != len(citation.supervisors)
        or (pinyin.publisher is None and has_chinese(citation.publisher))
    ):
        title = (record.title or {}).get("zh") if record.source_lang == "zh" else None
        pinyin = record_pinyin(title, citation)
    return pinyin or Pinyin()


def _journal(citation: Citation, pinyin: Pinyin) -> Name | None:
    """The journal in pinyin, with its English where the export gives it, the Chinese beside."""
    name, english = _name(citation.journal, pinyin.journal), clean(citation.journal_en)
    if name is None or not english or english.casefold() in (name.shown.casefold(), name.original.casefold()):
        return name
    return replace(name, english=english)


def _name(original: str | None, pinyin: str | None) -> Name | None:
    """A name in pinyin with the original beside it, or as it is; None where there is none."""
    return next(iter(_names([original or ""], [pinyin or ""])), None)


def _names(originals: list[str], pinyin: list[str]) -> list[Name]:
    names = []
    pinyin = pinyin + [""] * (len(originals) - len(pinyin))
    for original, shown in zip(originals, pinyin):
        original, shown = clean(original), clean(shown)
        if original:
            names.append(
                Name(shown, original) if shown and shown != original and has_chinese(original) else Name(original)
            )
    return names


def _numbers(citation: Citation) -> str:
    volume, issue, pages = clean(citation.volume), clean(citation.issue), clean(citation.pages)
    numbers = f"{volume}({issue})" if volume and issue else volume or (f"({issue})" if issue else "")
    if pages:
        numbers = f"{numbers}: {pages}" if numbers else f": {pages}" if clean(citation.journal) else f"pp. {pages}"
    return numbers


def original_link(citation: Citation | None) -> tuple[Link | None, str]:
    """The link to the original (DOI, else an http(s) URL), and a URL that is no link, shown as text.

    Exports are untrusted files: a `javascript:` or `data:` URL in one must never become a link.
    """
    if citation is None:
        return None, ""
    doi = clean(citation.doi)
    url = clean(citation.url)
    if doi and _DOI.fullmatch(doi):
        # Every character of a DOI but "/" percent-encoded: a DOI is a name, not a URL, and its
        # "#", "?" or "%" (Wiley's SICI DOIs end in "#") would otherwise cut it short at doi.org.
        return Link("https://doi.org/" + quote(doi, safe="/"), f"doi:{doi}"), ""
    if not url:
        return None, ""
    try:
        parts = urlsplit(url)
    except ValueError:  # an unbalanced [ in the host part
        return None, url
    if parts.scheme.lower() in ("http", "https") and parts.netloc and " " not in url:
        return Link(quote(url, safe=_URL_SAFE), parts.hostname or parts.netloc), ""
    return None, url


def database(citation: Citation | None) -> str | None:
    """The database the record came from (a key of `DATABASES`), or None where the export does not say.

    What the export names as its database (`%W CNKI`, `DS CNKI`, `{Database Provider}: 万方数据`)
    first, then the host of its link (kns.cnki.net), then a format only one database writes
    (CNKI's self-defined export, whose `SrcDatabase` names CNKI's own databases: 期刊, 硕士).
    """
    if citation is None:
        return None
    said = clean(citation.database).lower()
    try:
        host = (urlsplit(clean(citation.url)).hostname or "").lower()
    except ValueError:
        host = ""
    for text in (said, host):
        for key, (names, _, _) in DATABASES.items():
            if text and any(name in text for name in names):
                return key
    return _FORMAT_DATABASES.get(citation.format)


def search_link(citation: Citation | None, title: str) -> Link | None:
    """A search for the title at the record's database (or a general scholarly search where it is
    not known), for a record whose export gives no link and no DOI; None without a title."""
    title = clean(title)
    if not title or citation is None or original_link(citation)[0] is not None:
        return None
    key = database(citation)
    name, search = (DATABASES[key][1], DATABASES[key][2]) if key else GENERAL_SEARCH
    return Link(search + quote(title, safe=""), f"search {name} for this title")


def paper_keys(record: Record) -> tuple[str, ...]:
    """What recognises the record's paper in another export: its DOI (normalised: lower case,
    without a doi.org prefix), and its title with its journal, year and issue (case, width, spaces,
    punctuation and an issue's leading zeros aside: a journal's 卷首语 or 征稿简则 comes out under
    one title in every issue, without a DOI in CNKI's EndNote exports). A title with neither
    journal nor year is too little to go on: no key."""
    keys = []
    citation = record.citation
    doi = clean(citation.doi).lower() if citation is not None else ""
    doi = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", doi).rstrip(".,;")
    if _DOI.fullmatch(doi):
        keys.append(f"doi:{doi}")
    title = record.title or {}
    text = _normal(title.get(record.source_lang) or title.get("zh") or title.get("en"))
    journal = _normal(citation.journal) if citation is not None else ""
    year = clean(citation.year) if citation is not None else ""
    issue = re.sub(r"(?<!\d)0+(?=\d)", "", _normal(citation.issue)) if citation is not None else ""
    if text and (journal or year):
        keys.append(f"title:{text}|{journal}|{year}" + (f"|{issue}" if issue else ""))
    return tuple(keys)


def _normal(text: str | None) -> str:
    """Text as two exports of one paper may both write it: width, case, spaces and punctuation aside."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", clean(text)).casefold())

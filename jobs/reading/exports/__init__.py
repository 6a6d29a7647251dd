"""Reference-manager exports: which format a text file is, and its references one by one.

Chinese databases name every export `.txt`, so the format is told by content, from the file's
first line: CNKI's EndNote/Refer (`%0 Journal Article`, `%A ...`), RefWorks (`RT Journal
Article`), NoteExpress (`{Reference Type}: ...`), CNKI's self-defined export (`SrcDatabase-来源库:
...`), RIS (`TY  - JOUR`, read with rispy) and BibTeX (`@article{`, read with bibtexparser).
Each reference becomes one SourceRecord with its abstract as the text, its title, and a
`Citation` of what the export says about the publication. A reference with a title but no
abstract is kept (the pipeline flags it); one with neither is a RecordError with its line.

This module tells the format and hands the text to its reader: one module a format family
(`refer`, `ris`, `bibtex`, and `keyed` for RefWorks, NoteExpress and CNKI's self-defined
export), sharing `lines` (an export's lines cut into references), `fields` (a field's text made
a citation part) and `reference` (the `Reference` every reader gives back); `latex` makes
BibTeX's LaTeX text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from .bibtex import read_bibtex
from .keyed import read_noteexpress, read_refworks, read_self_defined
from .refer import read_refer
from .reference import NO_TITLE_OR_ABSTRACT, Reference
from .ris import read_ris

__all__ = ["FORMATS", "NO_TITLE_OR_ABSTRACT", "Reference", "detect_format", "read_references"]

#: The formats, by the name the record's `citation.format` gives them.
FORMATS = ("cnki-refer", "refworks", "ris", "bibtex", "noteexpress", "cnki-self-defined")

# The first line (after blank lines and BOMs) of each format. Refer: `%` and a one-character
# tag (CNKI sometimes glues the text to the tag: `%K黄芪`). RIS: a two-character tag, two
# spaces, a dash (some tools write one space).
_FIRST_LINE = {
    "cnki-refer": re.compile(r"%[0-9A-Z+@?~#$!&*^()|\]\[<>]"),
    "refworks": re.compile(r"RT [^\n]"),
    "ris": re.compile(r"TY {1,2}- "),
    # An entry's head with its key and comma (`@article{zhang2023,`), or a @string, @preamble or
    # @comment block: an abstract may well start "@RISK (Palisade) software was used ...".
    "bibtex": re.compile(r"@\s*(?:(?:string|preamble|comment)\s*[{(]|[A-Za-z]+\s*[{(]\s*[^\s,{}()]*\s*,)", re.I),
    "noteexpress": re.compile(r"\{Reference Type\}[:：]"),
    "cnki-self-defined": re.compile(r"(SrcDatabase|Title)-[^:：\s]*[:：]"),
}
_TITLE_LINE = {
    "cnki-refer": re.compile(r"^[ \t]*%T ?\S", re.MULTILINE),
    "refworks": re.compile(r"^T1 \S", re.MULTILINE),
}
_BIBTEX_COMMENT = re.compile(r"%(\s|$)")


def detect_format(text: str) -> str | None:
    """The export format of a text file by its first line, or None for plain text.

    BibTeX files may start with `%` comment lines (as JabRef and Zotero write them): those are
    passed over to find the first entry. Only the lines looked at are split off, so telling a
    large plain-text batch costs next to nothing.
    """
    lines = (line.strip("\ufeff \t\u3000\u00a0") for line in _lazy_lines(text))
    first = next((line for line in lines if line), "")
    if _BIBTEX_COMMENT.match(first):
        first = next((line for line in lines if line and not _BIBTEX_COMMENT.match(line)), "")
        return "bibtex" if _FIRST_LINE["bibtex"].match(first) else None
    for name, pattern in _FIRST_LINE.items():
        if pattern.match(first):
            # A one-character tag could start an abstract ("%5的患者..."): Refer and RefWorks also
            # need their title tag on a line of its own.
            title = _TITLE_LINE.get(name)
            return name if title is None or title.search(text) else None
    return None


def _lazy_lines(text: str) -> Iterator[str]:
    start = 0
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        yield text[start:end]
        start = end + 1


def read_references(format_name: str, text: str) -> Iterator[Reference]:
    """The references of an export in `format_name`, in order (text with "\\n" line ends)."""
    # Exports concatenated onto each other (`cat a.txt b.txt`) bring each file's BOM along, at
    # the start of a line in the middle of the text: left there, it hides the tag that starts a
    # reference, and that reference is merged into the one before. U+FEFF is no text anywhere.
    return _READERS[format_name](text.replace("\ufeff", ""))


_READERS: dict[str, Callable[[str], Iterator[Reference]]] = {
    "cnki-refer": read_refer,
    "refworks": read_refworks,
    "ris": read_ris,
    "bibtex": read_bibtex,
    "noteexpress": read_noteexpress,
    "cnki-self-defined": read_self_defined,
}

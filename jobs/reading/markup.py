"""CNKI's markup in an abstract's text, taken out: `clean_abstract`.

CNKI's databases write their own markup into abstracts, and every export carries it:

- `<正>` at the start (also `‹正>`, and `&lt;正&gt;` from its web pages): "the text proper
  starts here", written where a paper has no abstract of its own and its first paragraph stands in.
  It is no word of the abstract (glossed, it read "< Straight >").
- `(#br)`: a line break of the original abstract, between sections of a structured abstract
  (`BACKGROUND(#br)...`) and after the label of an English one (`Abstract(#br)This research...`).
  It becomes a paragraph break (a blank line), which the sentence splitter keeps as a sentence
  boundary (`jobs.segment.split_paragraphs`); the label "Abstract" alone is dropped, and a section
  heading alone (`BACKGROUND`, `【目的】`) goes with the paragraph it heads. In a title, a keyword
  or any other one-line field (`clean_line`) it is a space.
"""

from __future__ import annotations

import re

# CNKI's "text proper" mark, as its exports (`<正>`, `‹正>`, full-width) and pages (`&lt;正&gt;`) write it.
_PROPER = re.compile(r"\A\s*(?:[<‹＜〈]|&lt;)正(?:[>›＞〉]|&gt;)(?:~~)?")
_BREAK = re.compile(r"[(（]#br[)）]", re.IGNORECASE)
_PARAGRAPHS = re.compile(r"\n[ \t\u3000\u00a0]*\n\s*")
# What an English abstract is labelled with before its text: no part of it.
_LABEL = re.compile(r"(?:abstract|summary|摘\s*要)\s*[:：.]?", re.IGNORECASE)
# A section heading alone in its paragraph: a few Latin words (BACKGROUND, Materials and methods),
# or a Chinese one in CNKI's brackets or before a colon (【目的】, 目的：).
_LATIN_HEADING = re.compile(r"[A-Za-z][A-Za-z&/-]*(?: [A-Za-z&/-]+){0,3}\s*[:：]?")
_CHINESE_HEADING = re.compile(r"【[^】\n]{1,12}】|[\u3400-\u9fff]{1,6}[:：]")


def clean_line(text: str) -> str:
    """A one-line field (a title, a keyword, a name) without CNKI's markup; `(#br)` a space."""
    return _BREAK.sub(" ", _PROPER.sub("", text, count=1))


def clean_abstract(text: str) -> str:
    """The abstract without CNKI's markup; `(#br)` a paragraph break (a blank line)."""
    text = _PROPER.sub("", text, count=1)
    if not _BREAK.search(text):
        return text
    paragraphs = [part.strip() for part in _PARAGRAPHS.split(_BREAK.sub("\n\n", text))]
    paragraphs = [part for part in paragraphs if part]
    if paragraphs and _LABEL.fullmatch(paragraphs[0]):
        paragraphs = paragraphs[1:]
    out: list[str] = []
    for part in paragraphs:
        heading = out[-1] if out else ""
        if _LATIN_HEADING.fullmatch(heading) and not _LATIN_HEADING.fullmatch(part):
            out[-1] = f"{heading.rstrip(':： ')}: {part}"
        elif _CHINESE_HEADING.fullmatch(heading):
            out[-1] = heading + part
        else:
            out.append(part)
    return "\n\n".join(out)

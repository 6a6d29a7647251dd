"""Sentence splitting for real exports, in Chinese and English, with no downloaded models.

An abstract's paragraph breaks end a sentence (`split_paragraphs`): a numbered heading or a list
item on a line of its own starts a sentence instead of running into the one before. Within a
paragraph, Chinese uses its own rules (below); English uses sentencex (Wikimedia's rule-based
splitter, which knows abbreviations such as `e.g.` and `U.S.`) after the glued sentence ends of
real exports (`in decline.Nations are`) have been given back their space.
"""

from __future__ import annotations

import re

import sentencex

from .language import HAN, normalise_whitespace

_CLOSERS = "\"'”’」』）)】》〉"

# Full-width sentence ends always end a sentence; ASCII ones (and the full-width full stop `．`,
# which doubles as a decimal point in full-width digits) only where Chinese text follows.
_ZH_ALWAYS = "。！？；｡"
_ZH_IF_HAN_FOLLOWS = ".!?;．"
_ZH_END_RE = re.compile(
    f"(?P<mark>[{re.escape(_ZH_ALWAYS)}]+|(?<![.．])[{re.escape(_ZH_IF_HAN_FOLLOWS)}](?![.．]))"
    f"(?P<closers>[{re.escape(_CLOSERS)}]*)"
)
_HAN_RE = re.compile(HAN)
# `1.` `2.` after a colon, a semicolon or a comma: a list item inside a sentence.
_LIST_MARKER_RE = re.compile(r"(?:^|[:：;；,，、\s(（])\d{1,2}$")
# Latin abbreviations that keep their full stop inside Chinese text.
_ABBREVIATION_RE = re.compile(r"(?<![A-Za-z])(?:e\.g|i\.e|et al|etc|vs|cf|Fig|Figs|Eq|No|Ref|[A-Z])$")
# A sentence needs a word in it; lone punctuation is glued to the sentence before.
_WORDLIKE_RE = re.compile(f"{HAN}|[A-Za-z0-9]")
# The first character after a mark and the spaces that follow it.
_NEXT_CHAR_RE = re.compile(r"\s*(\S)")
# How far back from a full stop the list-marker and abbreviation patterns need to look (their
# longest match, `et al`, and its lookbehind are 6 characters). Searching only this window keeps
# splitting linear: searching all the text before every full stop made a 2 MB abstract take minutes.
_LOOKBACK = 16

# What starts a heading or a list item on a line of its own: `1.` `1、` `1)` (not `1.5`), `(1)`
# `（一）`, `一、`, and CNKI's bracketed section headings (`【目的】`).
_HEADING = (
    r"(?:\d{1,2}[.．、)）](?![\d.．])|[（(](?:\d{1,2}|[一二三四五六七八九十]{1,3})[)）]"
    r"|[一二三四五六七八九十]{1,3}[、.．]|【[^】\n]{1,12}】)"
)
# A line that ends with a word a number follows ("Fig." "Eq." "Table" 图 表 式 第): a number on the
# next line is the figure's, not a heading (the line was wrapped there).
_REFERS = "".join(
    rf"(?<!(?i:{word}))" for word in (r"fig\.", r"figs\.", r"eq\.", r"eqs\.", "table", "figure", "equation", r"no\.")
)
_REFERS += r"(?<![图表式第])"
# Where a paragraph ends: at a blank line; at a line break after a colon (what follows is a list or
# a section), unless the colon is a ratio's or a time's wrapped between its numbers (`1:` `2`);
# at a line break before a heading. Any other line break is a wrapped line. (Only horizontal space
# is matched before a lookahead: a long run of line breaks stays linear.)
_PARAGRAPH_BREAK_RE = re.compile(
    r"\n[ \t\u3000\u00a0\r]*\n\s*"
    r"|(?<=[:：])(?<![0-9０-９][:：])[ \t\u3000\u00a0]*\n"
    r"|(?<=[0-9０-９][:：])[ \t\u3000\u00a0]*\n(?![ \t\u3000\u00a0]*[0-9０-９])"
    rf"|{_REFERS}\n[ \t\u3000\u00a0]*(?={_HEADING})"
)

# A list item's number alone, as sentencex cuts it off the item it numbers ("1." "(2)" "3)").
_EN_MARKER_RE = re.compile(r"\d{1,2}[.)]|\(\d{1,2}\)")
# English sentence ends glued to the next sentence: `decline.Nations`, `2019.China's`.
_EN_GLUED_RE = re.compile(r"(?:(?<=[a-z][a-z])|(?<=[0-9%)\]]))([.!?])(?=[A-Z][a-z])")


def split_sentences(text: str, lang: str) -> list[str]:
    """Split text into sentences, in order, each whitespace normalised and non-empty; a paragraph break ends one."""
    split = split_chinese if lang == "zh" else split_english
    pieces = [piece for paragraph in split_paragraphs(text) for piece in split(normalise_whitespace(paragraph))]
    return _attach_fragments(pieces)


def split_paragraphs(text: str) -> list[str]:
    """The text's paragraphs, in order (those with text only): a line break inside one is a wrapped line.

    A blank line ends a paragraph (readers make CNKI's `(#br)` one, `jobs.reading.markup`), and so
    does a line break after a colon or before a heading or list item (`1.`, `(1)`, `一、`, `【结果】`).
    """
    return [paragraph for paragraph in _PARAGRAPH_BREAK_RE.split(text) if paragraph.strip()]


def split_chinese(text: str) -> list[str]:
    """Split Chinese on 。！？； and on ASCII . ! ? ; used as sentence ends before Chinese text."""
    sentences: list[str] = []
    start = 0
    for match in _ZH_END_RE.finditer(text):
        end = match.end()
        if _between_digits(text, match) or (
            match.group("mark")[0] in _ZH_IF_HAN_FOLLOWS and not _ends_chinese_sentence(text, match)
        ):
            continue
        sentences.append(text[start:end].strip())
        start = end
    sentences.append(text[start:].strip())
    return [s for s in sentences if s]


def _between_digits(text: str, match: re.Match[str]) -> bool:
    """`8！9 mm`: a mark between two digits is a garbled decimal point, not a sentence end."""
    return match.start() > 0 and text[match.start() - 1].isdigit() and text[match.end() : match.end() + 1].isdigit()


def _ends_chinese_sentence(text: str, match: re.Match[str]) -> bool:
    following = _NEXT_CHAR_RE.match(text, match.end())
    if following and not _HAN_RE.match(following.group(1)):
        return False  # Latin, digits (3.5), more punctuation: not an end
    if match.group("mark") in ".．":
        # With pos/endpos the patterns see the text as it is (lookbehind, `^` only at its real start)
        # but stop within the window, so each full stop costs the same whatever comes before it.
        window = (max(0, match.start() - _LOOKBACK), match.start())
        if _LIST_MARKER_RE.search(text, *window) or _ABBREVIATION_RE.search(text, *window):
            return False
    return True


def split_english(text: str) -> list[str]:
    """Split English with sentencex after restoring the space in glued sentence ends."""
    text = _EN_GLUED_RE.sub(r"\1 ", text)
    sentences: list[str] = []
    for piece in (s.strip() for s in sentencex.segment("en", text)):
        if sentences and _EN_MARKER_RE.fullmatch(sentences[-1]):
            sentences[-1] = f"{sentences[-1]} {piece}"  # sentencex ends a sentence at a list item's "1."
        elif piece:
            sentences.append(piece)
    return sentences


def _attach_fragments(pieces: list[str]) -> list[str]:
    """Glue pieces with no letter, digit or Han character (stray `”`, `...`) to the one before."""
    # Parts are joined once at the end: gluing onto a growing string would copy it for each piece.
    groups: list[list[str]] = []
    for piece in pieces:
        if groups and not _WORDLIKE_RE.search(piece):
            groups[-1].append(piece)
        else:
            groups.append([piece])
    return ["".join(group) for group in groups]

"""BibTeX's LaTeX as text, one field at a time, never failing: `latex_text`.

pylatexenc (bibtexparser's own LaTeX decoder) decodes accents (`{\\'e}`), dashes (`--`),
escapes (`\\%`) and protecting braces. Around it:

- `\\url{X}` and `\\href{X}{text}`: the URL is taken out as written (its `%`, `#`, `~` and `_`
  are characters, not LaTeX) and given back apart; `\\url` leaves the URL in the text, `\\href`
  its text only. (pylatexenc's own `\\href` raised "list index out of range", and bibtexparser
  then dropped the whole reference.)
- An unescaped `%` is a percent sign: Chinese exports write "提高了12.5%" as it is, and taken for
  LaTeX's comment it cut the rest of the line out of the abstract.
- Anything else pylatexenc cannot decode (absurd nesting, a bug of its own) costs that field its
  decoding, no more: it keeps its text, less the braces.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

# pylatexenc reports what its tolerant parser skipped through logging: not for a cron log.
logging.getLogger("pylatexenc").setLevel(logging.ERROR + 1)

# (hyperref's \href may have options first: `\href[pdfnewwindow]{...}{...}`.)
_LINK_MACRO = re.compile(r"\\(url|href)\s*(?:\[[^\]{}]*\]\s*)?(?=\{)")
# A `%` not escaped by a backslash (after any number of `\\` line breaks).
_BARE_PERCENT = re.compile(r"(?<!\\)((?:\\\\)*)%")
# A backslash (not escaped) before a character that is not ASCII, after the letters of a macro's
# name or none: pylatexenc reads any letter as part of a name, so `\beta淀粉样蛋白` was one
# unknown macro, and the words after it were lost with it. LaTeX's names are ASCII letters.
_NAME_BEFORE_NON_ASCII = re.compile(r"(?<!\\)((?:\\\\)*)\\([A-Za-z]*)(?=[^\x00-\x7f])")
# LaTeX's escapes of the characters a URL holds, as hyperref takes them in an argument.
_URL_ESCAPE = re.compile(r"\\([%#&_~$])")
# Noncharacters (never in interchange text) that stand for a URL while the rest is decoded.
_HOLE, _HOLE_END = "\ufdd0", "\ufdd1"
_HOLES = re.compile(f"{_HOLE}([0-9]+){_HOLE_END}")
_BRACE = re.compile(r"(?<!\\)[{}]")


def latex_text(value: str) -> tuple[str, list[str]]:
    """A BibTeX field's text with its LaTeX decoded, and the URLs of its `\\url` and `\\href` commands."""
    value = value.replace(_HOLE, "").replace(_HOLE_END, "")
    urls: list[str] = []
    kept: list[str] = []  # what each hole stands for
    out: list[str] = []
    position = 0
    for match in _LINK_MACRO.finditer(value):
        if match.start() < position:
            continue  # inside the arguments of the one before
        target_end = _group_end(value, match.end())
        if target_end is None:
            break  # an unclosed argument: left to the decoder, as text
        target = _URL_ESCAPE.sub(r"\1", value[match.end() + 1 : target_end - 1]).strip()
        urls.append(target)
        out.append(value[position : match.start()])
        position = target_end
        words_start = target_end
        while words_start < len(value) and value[words_start].isspace():
            words_start += 1
        words_end = _group_end(value, words_start) if match.group(1) == "href" else None
        if words_end is not None:
            out.append(value[words_start:words_end])  # \href's words, braces and all, decoded with the rest
            position = words_end
        else:
            out.append(f"{_HOLE}{len(kept)}{_HOLE_END}")  # \url, or \href without its words: the URL shows
            kept.append(target)
    out.append(value[position:])
    source = _BARE_PERCENT.sub(r"\1\\%", "".join(out))
    source = _NAME_BEFORE_NON_ASCII.sub(_name_ended, source)
    decoder, macros = _decoder()
    try:
        text = str(decoder.latex_to_text(source, latex_context=macros))
    except Exception:  # pylatexenc's parse errors, RecursionError for absurd nesting: this field's decoding only
        text = _BRACE.sub("", source)
    return _HOLES.sub(lambda hole: kept[int(hole.group(1))], text), urls


def _name_ended(match: re.Match[str]) -> str:
    """A macro's name ended before the character that follows it (`\\beta 淀粉`), a lone backslash kept as one."""
    line_breaks, name = match.groups()
    return f"{line_breaks}\\{name} " if name else f"{line_breaks}\\textbackslash{{}}"


def _group_end(text: str, start: int) -> int | None:
    """Where the brace group opening at `text[start]` ends (the index after its `}`), or None."""
    if start >= len(text) or text[start] != "{":
        return None
    depth = 0
    index = start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return None


#: Citation commands: a key no reader can follow, dropped (pylatexenc would show "<cit.>").
_CITATIONS = ("cite", "citep", "citet", "citealp", "citeauthor", "citeyear", "parencite", "textcite", "autocite")


@lru_cache(maxsize=1)
def _decoder() -> tuple[Any, Any]:
    """pylatexenc's decoder, and the parser's macros (with the citation commands, to drop their arguments)."""
    # Here, not above: a run without BibTeX files does not load pylatexenc.
    from pylatexenc import latex2text, latexwalker, macrospec

    words = latex2text.get_default_latex_context_db()
    words.add_context_category(
        "digest",
        prepend=True,
        macros=[
            *(latex2text.MacroTextSpec(name, simplify_repl="") for name in _CITATIONS),
            # The \href and \url `latex_text` leaves (inside another's words, cut short): an
            # \href's words, a \url's URL as written. pylatexenc's own raised IndexError, or
            # showed "<%s>" for a \url without its argument.
            latex2text.MacroTextSpec("href", simplify_repl=lambda n, l2tobj: _argument(n, l2tobj, 2)),
            latex2text.MacroTextSpec("url", simplify_repl=lambda n, l2tobj: _argument(n, None, 0)),
        ],
    )
    macros = latexwalker.get_default_latex_context_db()
    macros.add_context_category(
        "digest",
        prepend=True,
        macros=[*(macrospec.MacroSpec(name, "*[[{") for name in _CITATIONS), macrospec.MacroSpec("href", "[{{")],
    )
    return latex2text.LatexNodes2Text(latex_context=words, math_mode="verbatim"), macros


def _argument(node: Any, decoder: Any, index: int) -> str:
    """A macro's argument `index` as text (as written where `decoder` is None), "" where it has none."""
    arguments = node.nodeargd.argnlist if node.nodeargd is not None else []
    argument = arguments[index] if index < len(arguments) else None
    if argument is None:
        return ""
    if decoder is None:
        return _URL_ESCAPE.sub(r"\1", argument.latex_verbatim().removeprefix("{").removesuffix("}")).strip()
    return str(decoder.nodelist_to_text([argument]))

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
- pylatexenc takes time quadratic in a run of plain text (it grows a string a character at a
  time): a field is cut into pieces that decode apart as they do together (`_pieces`), and a
  piece without LaTeX is not given to it. An abstract of a few MB took an hour; it takes seconds.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
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
# Noncharacters (never in interchange text) that stand for a URL while the rest is decoded, and
# that make a break in plain text (`_pieces`).
_HOLE, _HOLE_END, _BREAK = "\ufdd0", "\ufdd1", "\ufdd2"
_HOLES = re.compile(f"{_HOLE}([0-9]+){_HOLE_END}")
_BRACE = re.compile(r"(?<!\\)[{}]")
# What LaTeX or pylatexenc's text reads as other than itself (`--`, `~`, quotes); a field without
# any of these is its own text.
_LATEX = re.compile(r"[\\$%&'`~{}-]")
# The field as pylatexenc reads it: control sequences, whitespace, those characters and brackets
# (an optional argument's) one by one, and runs of plain text.
_TOKEN = re.compile(r"\\(?:[A-Za-z]+|.)|\$\$|\s+|[\\$%&'`~{}\[\]-]|[^\\\s$%&'`~{}\[\]-]+", re.DOTALL)
#: What closes math that each of these opens.
_MATH = {"$": "$", "$$": "$$", "\\(": "\\)", "\\[": "\\]"}
#: Plain text between two breaks, at most (characters).
_PIECE = 500
#: Plain characters (not spaces) after anything else before a break may be put: a macro's
#: arguments without braces (`\frac 12`, `\'e`) are one character each, nine at most.
_STRETCH = 16


def latex_text(value: str) -> tuple[str, list[str]]:
    """A BibTeX field's text with its LaTeX decoded, and the URLs of its `\\url` and `\\href` commands."""
    value = value.replace(_HOLE, "").replace(_HOLE_END, "").replace(_BREAK, "")
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
    try:
        text = "".join(_decoded(piece) for piece in _pieces(source))
    except (MemoryError, TimeoutError):
        raise  # the process's trouble, or an alarm (a test's hang guard), not this field's LaTeX
    except Exception:  # pylatexenc's parse errors, RecursionError for absurd nesting: this field's decoding only
        text = _BRACE.sub("", source)
    return _HOLES.sub(lambda hole: kept[int(hole.group(1))], text), urls


def url_text(value: str) -> str:
    """A URL or DOI field as written, less its LaTeX: escapes (`\\_`, `\\&`, `\\%`) and braces.

    Mendeley and JabRef escape a URL's or DOI's `_`, `&` and `%` ("10.1007/978-3-319-24574-4\\_28");
    taken as written, the link went to another address. A URL holds no brace or backslash.
    """
    return _URL_ESCAPE.sub(r"\1", _BRACE.sub("", value)).strip()


def _decoded(piece: str) -> str:
    """A piece of a field (`_pieces`) decoded by pylatexenc, or as it is where it holds no LaTeX."""
    if _LATEX.search(piece) is None:
        return piece
    decoder, macros = _decoder()
    text = str(decoder.latex_to_text(piece, latex_context=macros))
    return text.replace(f"{{{_BREAK}}}", "").replace(_BREAK, "")  # as written where pylatexenc gave up


def _name_ended(match: re.Match[str]) -> str:
    """A macro's name ended before the character that follows it (`\\beta 淀粉`), a lone backslash kept as one."""
    line_breaks, name = match.groups()
    return f"{line_breaks}\\{name} " if name else f"{line_breaks}\\textbackslash{{}}"


def _pieces(source: str) -> list[str]:
    """`source` cut into pieces that decode apart as they do together, of about `_PIECE` characters.

    pylatexenc's time grows with the square of a run of plain text: `source` is cut in its plain
    text, and where it cannot be (in a group) a group is put in (`{` `_BREAK` `}`, dropped after).
    Only inside a run of plain characters, `_STRETCH` of them after the last macro or special
    character (so in no macro's argument without braces), and in no macro's braced argument
    (an accent puts itself on each of its characters), no math and no environment (where text
    may be shown as written); never in a field with `\\verb` (whose delimiters may be anything),
    nor after math given to a macro without braces (`\\d$x$`) or a closing without its opening,
    where pylatexenc may stop decoding.
    """
    if "\\verb" in source:
        return [source]
    pieces: list[str] = []
    out: list[str] = []
    start = plain = 0
    place = _Place()
    for token in _TOKEN.finditer(source):
        text = token.group()
        if place.stops_breaks(text):
            break  # math as a macro's argument, a closing without its opening: pylatexenc may give up here
        place.enter(text)
        if _LATEX.match(text) or text in ("[", "]"):  # a macro, a special character, math, brackets
            plain = 0
            continue
        if text.isspace():
            continue
        at = token.start() + max(1, _STRETCH - plain, _PIECE - (token.start() - start))
        while place.breakable() and at < token.end():
            out.append(source[start:at])
            if len(place.groups) == 1:  # outside any group: a piece of its own
                pieces.append("".join(out))
                out = []
            else:
                out.append(f"{{{_BREAK}}}")
            start, at = at, at + _PIECE
        plain += len(text)
    out.append(source[start:])
    pieces.append("".join(out))
    return pieces


@dataclass
class _Place:
    """Where `_pieces` stands in a field: in math, in environments, in groups, and after which token."""

    math: str = ""  # what opened the math the text is in
    environments: int = 0
    # Each open group or argument: its opening character, and whether breaks may go in it.
    groups: list[tuple[str, bool]] = field(default_factory=lambda: [("", True)])
    after: str = ""  # the last token that was not a space

    def stops_breaks(self, text: str) -> bool:
        """Whether no break may go from `text` on: math given to a macro, or a closing without its opening."""
        opened = "{" in (opening for opening, _ in self.groups)
        return (
            (text[0] == "$" and self.after[:1] == "\\" and self.after[1:2].isalpha())
            or ((text == "\\begin") if self.math else (text in ("\\)", "\\]") or text == "}" and not opened))
            or (text == "\\end" and not self.environments and not self.math)
        )

    def enter(self, text: str) -> None:
        """Move past the token `text`."""
        argument = self.after.startswith("\\") or self.after in ("}", "]")  # what opens now is a macro's argument
        if self.math:
            self.math = "" if text == _MATH[self.math] else self.math
        elif text in _MATH:
            self.math = text
        elif text in ("\\begin", "\\end"):
            self.environments += 1 if text == "\\begin" else -1
        elif text == "{" or (text == "[" and argument):
            self.groups.append((text, self.groups[-1][1] and not argument))
        elif text == "]" and self.groups[-1][0] == "[":
            self.groups.pop()
        elif text == "}":
            while self.groups.pop()[0] != "{":
                pass  # an optional argument left open in the group
        if not text.isspace() and not (text == "*" and self.after.startswith("\\")):  # `\\*[1em]`: the star's macro's
            self.after = text

    def breakable(self) -> bool:
        """Whether a break may go here: in a group that takes them, in no math and no environment."""
        return self.groups[-1][1] and not self.math and not self.environments


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

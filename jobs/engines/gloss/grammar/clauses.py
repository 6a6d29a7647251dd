"""What the edges of a clause decide: a reporting verb's "that" (结果表明，… "results showed that …",
研究表明HINT1… "studies showed that HINT1 …"), and a time word that closes an opening clause goes first
(手术后，… "after surgery, …")."""

from __future__ import annotations

from ..rules import CIRCUMPOSITIONS, REPORTING
from .sentence import Sentence

#: A time or place word closing a clause that opens a sentence ("手术后，…"): English puts the
#: preposition first ("after surgery, …").
FRONTED: dict[str, str] = {
    "时": "when",
    "之时": "when",
    "后": "after",
    "之后": "after",
    "以后": "after",
    "前": "before",
    "之前": "before",
    "以前": "before",
    "前后": "before and after",
    "中": "in",
    "之中": "in",
    "期间": "during",
    "以来": "since",
    "下": "under",
}


def before_comma(sentence: Sentence, index: int, clause: int) -> None:
    """The word at `index` before a comma, in a clause that starts at `clause`: a reporting verb's comma
    reads "that", and a time word that closes an opening clause goes to its start."""
    words, fixed, before = sentence.words, sentence.fixed, sentence.before
    word = words[index]
    if word in REPORTING:
        fixed[index + 1] = "that"
    elif word in FRONTED and index > clause:
        fixed[index] = ""
        if word not in CIRCUMPOSITIONS.get(words[clause], ()):  # 当 … 时 already reads "when"
            before[clause] = " ".join(filter(None, (before.get(clause), FRONTED[word])))


def reported(sentence: Sentence, index: int) -> None:
    """ "that" after a reporting verb at `index` before what it reports (研究表明HINT1… "studies showed that HINT1 …")."""
    words = sentence.words
    if words[index] in REPORTING and index + 1 < len(words) and words[index + 1] not in REPORTING:
        if sentence.following(index).kind != "mark" and sentence.content(index + 1):
            sentence.before[index + 1] = "that"

"""English words for the gloss: the function words, crude stems, plurals, past tenses."""

from __future__ import annotations

import re

#: English words that can gloss a Chinese preposition, conjunction, locative or adverb.
FUNCTION_ENGLISH = frozenset(
    """about above across after afterwards against along also although among amid and around as at
    because before behind below beneath beside besides between beyond both but by despite down due
    during either even except for from further hence however if in inside into less like more moreover
    most near neither nor not of off on only onto or out outside over per since so still than that then
    thereby therefore though through throughout thus till to together too toward towards under unless
    unlike until up upon very via well when whereas whether which while with within without yet
    according addition basis order regard respect spite terms compared""".split()
)
#: Words too common to tell senses apart when comparing a sense with the senses of compounds.
_STOP_ENGLISH = frozenset("the and for with from into that this one sth".split())
_ENGLISH_WORD = re.compile(r"[a-z]{3,}")
#: English plurals that no rule makes.
_IRREGULAR_PLURALS = {"child": "children", "mouse": "mice", "person": "people", "data": "data"}


def stems(text: str) -> frozenset[str]:
    """Crude stems (first five letters) of the content words of an English text."""
    return frozenset(w[:5] for w in _ENGLISH_WORD.findall(text.lower()) if w not in _STOP_ENGLISH)


def _consonant_y(word: str) -> bool:
    """Whether a word ends in a "y" after a consonant, which turns to "ie" (study: studies, studied)."""
    return word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u")


def plural(noun: str) -> str:
    """The plural of an English noun or noun phrase (its last word): "patient" -> "patients"."""
    head, space, last = noun.rpartition(" ")
    if last in _IRREGULAR_PLURALS:
        last = _IRREGULAR_PLURALS[last]
    elif last.endswith("man") and last != "human":
        last = last[:-3] + "men"
    elif last.endswith(("s", "x", "z", "ch", "sh")):
        last += "es"
    elif _consonant_y(last):
        last = last[:-1] + "ies"
    else:
        last += "s"
    return head + space + last


#: Past tenses that no rule makes, of verbs the gloss gives.
_IRREGULAR_PASTS = {
    "be": "was", "become": "became", "begin": "began", "bring": "brought", "build": "built", "choose": "chose",
    "come": "came", "cut": "cut", "do": "did", "draw": "drew", "fall": "fell", "feel": "felt", "find": "found",
    "get": "got", "give": "gave", "go": "went", "grow": "grew", "have": "had", "hold": "held", "keep": "kept",
    "know": "knew", "lead": "led", "leave": "left", "lose": "lost", "make": "made", "mean": "meant",
    "meet": "met", "put": "put", "read": "read", "rise": "rose", "run": "ran", "say": "said", "see": "saw",
    "seek": "sought", "send": "sent", "set": "set", "show": "showed", "spend": "spent", "stand": "stood",
    "take": "took", "teach": "taught", "tell": "told", "think": "thought", "undergo": "underwent",
    "understand": "understood", "win": "won", "write": "wrote",
    # A doubled final consonant where the stress falls on it.
    "admit": "admitted", "commit": "committed", "control": "controlled", "emit": "emitted", "occur": "occurred",
    "omit": "omitted", "permit": "permitted", "prefer": "preferred", "refer": "referred", "submit": "submitted",
    "transfer": "transferred",
}  # fmt: skip
_PASTS = frozenset(_IRREGULAR_PASTS.values())
_DOUBLED_FINAL = re.compile(r"[^aeiou]*[aeiou][bdgmnpt]")  # stop -> stopped; one syllable only


def past_tense(verb: str) -> str:
    """The past tense of an English verb of one word: "review" -> "reviewed", "find" -> "found"."""
    if verb in _IRREGULAR_PASTS:
        return _IRREGULAR_PASTS[verb]
    if verb.endswith("ed") or verb in _PASTS:
        return verb  # already past: "found" (发现), "used"
    if verb.endswith("e"):
        return verb + "d"
    if _consonant_y(verb):
        return verb[:-1] + "ied"
    if _DOUBLED_FINAL.fullmatch(verb):
        return verb + verb[-1] + "ed"
    return verb + "ed"


def singular(unit: str) -> str:
    """ "groups" -> "group", "kinds of" -> "kind of": a unit after an ordinal."""
    first, _, rest = unit.partition(" ")
    return " ".join(filter(None, (first[:-1] if first.endswith("s") else first, rest)))

"""The grammar's passes over a sentence, in order: the headings, the rule for each word, then the
articles, the lists and the modifiers, which read what the rules for words decided.

A new rule for a Chinese word is a function (sentence, index) -> bool in the module of its kind,
and its line in `_RULES`, where the order says which rule a word gets when several could fit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..glosses import Glosses
from ..rules import CIRCUMPOSITIONS, CLAUSE, COMPARING, CONTROL_VERBS, COUNT_NOUNS, QUANTIFIERS, SUBJECTS, SUPERLATIVE
from ..tokens import Token
from . import articles, circumpositions, clauses, headings, lists, modifiers, numbers, of_phrases, plurals, verbs
from .sentence import Sentence

#: A rule for the Chinese word at an index: whether it fits there (then no later rule is tried),
#: whether or not it changed anything.
Rule = Callable[[Sentence, int], bool]

#: The rules for Chinese words, each with the words it is for, in the order they are tried.
_RULES: tuple[tuple[Iterable[str], Rule], ...] = (
    (("们",), plurals.people),
    (verbs.ADVERBS, verbs.adverb),
    (("了",), verbs.completed),
    (numbers.BEFORE_NUMBER, numbers.before_number),
    (SUBJECTS, plurals.subjects),
    (COUNT_NOUNS, plurals.countable),
    ((*CIRCUMPOSITIONS, "比"), circumpositions.circumposition),
    ((*COMPARING, SUPERLATIVE), circumpositions.degree),
    (("的", "之"), of_phrases.of),
    (QUANTIFIERS, plurals.quantified),
    (CONTROL_VERBS, verbs.control_verb),
    (("之一",), plurals.one_of),
    (("等",), lists.and_other),
)


def _by_word(rules: Iterable[tuple[Iterable[str], Rule]]) -> dict[str, tuple[Rule, ...]]:
    """Each word with the rules for it, in their order: a sentence tries only those."""
    by_word: dict[str, tuple[Rule, ...]] = {}
    for words, rule in rules:
        for word in words:
            by_word[word] = (*by_word.get(word, ()), rule)
    return by_word


_RULES_BY_WORD = _by_word(_RULES)


def apply_grammar(tokens: list[Token], glosses: Glosses) -> tuple[dict[int, str], dict[int, str]]:
    """Where grammar rather than the words decides: token index -> fixed English, and token
    index -> English put before it (circumpositions, comparatives, fronted time words, "that")."""
    sentence = Sentence.of(tokens, glosses)
    headings.english_headings(sentence)
    clause = 0  # where the current clause starts
    for index, word in enumerate(sentence.words):
        if word == CLAUSE:
            clause = index + 1
        elif not word:  # a number, a unit, Latin script, a mark inside a clause
            numbers.number(sentence, index)
        elif index not in sentence.fixed:
            _word_rule(sentence, index, clause)
    articles.add_articles(sentence)
    lists.close_lists(sentence)
    modifiers.relational_adjectives(sentence)
    return sentence.fixed, sentence.before


def _word_rule(sentence: Sentence, index: int, clause: int) -> None:
    """Apply the first rule that fits the Chinese word at `index`, whose clause starts at `clause`;
    any word before a comma, and a reporting verb, come after the rules for particular words."""
    for rule in _RULES_BY_WORD.get(sentence.words[index], ()):
        if rule(sentence, index):
            return
    if sentence.following(index) == ("mark", ","):
        clauses.before_comma(sentence, index, clause)
    else:
        clauses.reported(sentence, index)

"""The `gloss` engine itself: a sentence cut into tokens, the tokens glossed, the grammar rules applied, joined."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from ...errors import ConfigError
from ...language import normalise_whitespace
from ..base import EngineSettings, TranslationEngine
from .dictionary import GlossData, shared_gloss_data
from .english import FUNCTION_ENGLISH, Piece, join, past_tense, plural, stems
from .numerals import (
    DIGIT_RUN,
    PERCENT,
    chinese_number,
    digit_run_value,
    digit_runs,
    number_unit,
    number_words,
    numeral_tokens,
    unit_token,
)
from .rules import (
    ACADEMIC_WORDS,
    ADVERBS,
    AIM_HEADINGS,
    ARTICLE_PREPOSITIONS,
    CHANGE_OR_COMPARISON,
    CIRCUMPOSITIONS,
    CLAUSE,
    CLAUSE_END,
    CLAUSE_WINDOW,
    CLOSERS,
    COMPARING,
    CONTROL_VERBS,
    COUNT_NOUNS,
    DEGREES,
    DETERMINERS,
    DISEASE_ENDINGS,
    EFFECTS,
    FRONTED,
    FUNCTION_WORDS,
    HEADING_WORDS,
    INDEFINITE,
    LIST_CLOSERS,
    LOCATIVES,
    NEGATIONS,
    NOT_AFTER_ARTICLE,
    NOUN_KEEPERS,
    ORDER_OF_WORDS,
    PATIENTS,
    PHRASE_END,
    PLURAL_NOUNS,
    POSSESSIVES,
    PREDICATE_OPENERS,
    PREFIXES,
    PUNCTUATION,
    QUANTIFIERS,
    RANKING,
    RELATIONAL_ADJECTIVES,
    REPORTING,
    SINGULAR_DETERMINERS,
    SUBJECTS,
    SUPERLATIVE,
    SUPERLATIVES,
    Field,
    degree_word,
    text_field,
)
from .tokens import ENGLISH_NAME, HEADING, HEADINGS, RUNS, Token

#: A count above one: a number word or a whole number under 1,000 (not a year, a decimal or a percentage).
_COUNT = re.compile(r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|[2-9]|[1-9]\d{1,2}|[a-z]+teen|twenty")
#: What names a type before 型 (2型 "type 2", II型 "type II", A型 "type A").
_TYPE_NAME = re.compile(r"\d{1,2}|[IVX]{1,4}|[A-Z]")
#: The kinds of token that can be content words.
_CONTENT = frozenset(("han", "latin", "term", "name"))
#: Where a token has no successor: what the rules see after the last one.
_END = Token("mark", "")


@dataclass
class _Memory:
    """What the engine remembers of the words it has glossed in one field: abstracts repeat their terms."""

    pieces: dict[str, tuple[Piece, ...]] = field(default_factory=dict)  # a word's output pieces
    texts: dict[str, str] = field(default_factory=dict)  # the same, as text
    shapes: dict[str, tuple[str, str, bool]] = field(default_factory=dict)  # what the article rules need
    # its English with relational adjectives: inside it, and as a word that modifies the next (_modifiers)
    attributive: dict[str, tuple[str, str]] = field(default_factory=dict)


class GlossEngine(TranslationEngine):
    """A rough word-by-word dictionary gloss (CC-CEDICT), for when no translation model is installed.

    Not a translation: word order stays Chinese and grammar is ignored, so every record is flagged.
    """

    name = "gloss"
    record_flags = ("gloss",)
    is_fallback = True

    def __init__(
        self, source_lang: str, target_lang: str, data: GlossData, glossary: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(source_lang, target_lang)
        self._data = data
        # Forced terms are split off before jieba sees the text, so no segmentation can break them.
        self._glossary = {unicodedata.normalize("NFKC", zh).strip(): en for zh, en in (glossary or {}).items()}
        self._glossary.pop("", None)
        longest_first = sorted(self._glossary, key=len, reverse=True)
        self._terms = re.compile("|".join(map(re.escape, longest_first))) if longest_first else None
        # Glosses of words seen before, by field: abstracts repeat their terms.
        self._field: Field | None = None
        self._memories: dict[str, _Memory] = {}
        self._memory = self._memories.setdefault("", _Memory())

    @classmethod
    def supports(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> bool:
        """Chinese to English only."""
        return _language(source_lang) == "zh" and _language(target_lang) == "en"

    @classmethod
    def load(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> GlossEngine:
        """The engine on the dictionary and tokenizer shared by the whole process."""
        if not cls.supports(source_lang, target_lang, settings):
            pair = f"{source_lang}->{target_lang}"
            raise ConfigError(f"the gloss engine translates Chinese to English only, not {pair}")
        return cls(source_lang, target_lang, shared_gloss_data(), settings.glossary)

    @property
    def model(self) -> str:
        """The dictionary's date and the package that ships it."""
        return self._data.model

    def translate_batch(self, sentences: Sequence[str]) -> list[str]:
        """Gloss every sentence, each word in the sense it has in the sentences' field; blank input gives ""."""
        self._field = text_field(sentences)
        self._memory = self._memories.setdefault(self._field.name if self._field else "", _Memory())
        return [self._gloss(sentence) for sentence in sentences]

    def _gloss(self, sentence: str) -> str:
        """The gloss of one sentence; never "" for a sentence that is not blank."""
        text = unicodedata.normalize("NFKC", sentence).strip()
        if not text:
            return ""
        if text[:2] in HEADINGS:  # "目的 观察…": the heading of a structured abstract, set off by a space
            text = HEADING.sub(r"\1:", text, count=1)
        if " " in text or "\n" in text:
            # Chinese puts no space between words: one between two characters is a line break or a
            # PDF's justification ("饮 食"), and would cut a word in two.
            text = normalise_whitespace(text)
        if "百分之" in text:  # 百分之二十 "20%"
            text = PERCENT.sub(lambda m: f"{chinese_number(m.group(1))}%", text)
        tokens = self._tokens(text)
        glossed = join(self._render(tokens))
        if not any(char.isalnum() for char in glossed):
            # Nothing but particles and punctuation: show the particles' senses rather than nothing.
            senses = self._data.senses
            shown = [Token("unit", senses.get(t.text, t.text)) if t.kind == "han" else t for t in tokens]
            glossed = join(self._render(shown))
        return glossed or text

    # Source side: runs, words, numbers with their units.

    def _tokens(self, text: str) -> list[Token]:
        """The tokens of a sentence, an author's English names in place of the terms they name."""
        tokens: list[Token] = []
        position = 0
        for name in ENGLISH_NAME.finditer(text) if "(" in text else ():
            self._scan_terms(text[position : name.start()], tokens)
            if not self._english_name(tokens, name.group(1), name.group(2)):
                self._scan(name.group(), tokens)  # nothing to replace: the parenthesis stays as it is
            position = name.end()
        self._scan_terms(text[position:], tokens)
        return tokens

    def _scan_terms(self, text: str, tokens: list[Token]) -> None:
        """Add the tokens of a stretch of text, its glossary terms kept whole."""
        position = 0
        for term in self._terms.finditer(text) if self._terms else ():
            self._scan(text[position : term.start()], tokens)
            tokens.append(Token("term", term.group()))
            position = term.end()
        self._scan(text[position:], tokens)

    def _english_name(self, tokens: list[Token], english: str, abbreviation: str | None) -> bool:
        """Put the author's English name for a term (肺癌（lung cancer, LC）) in place of its gloss.

        False, with `tokens` as they were, when there is no term to replace (the parenthesis
        follows a glossary term, a particle or a mark).
        """
        start = self._named_start(tokens, english)
        if start == len(tokens):
            return False
        del tokens[start:]
        tokens.append(Token("name", english))
        if abbreviation:
            tokens.extend([Token("mark", "("), Token("latin", abbreviation), Token("mark", ")")])
        return True

    def _named_start(self, tokens: list[Token], english: str) -> int:
        """Where the Chinese words an English name replaces start: the content words just before it,
        as many as the English has words, and more while their glosses share a stem with the English."""
        budget = len(english.split())
        english_stems = stems(english)
        taken = 0
        start = len(tokens)
        while start > 0:
            words = self._named_words(tokens, start - 1, taken < budget, english_stems)
            if words is None:
                break
            taken += words
            start -= 1
        return start

    def _named_words(self, tokens: list[Token], index: int, short: bool, english_stems: frozenset[str]) -> int | None:
        """How many English words the token at `index` counts for in a name, or None if the name
        cannot reach back over it; `short`: the name has fewer Chinese words than English ones so far."""
        kind, text = tokens[index]
        simplified = self._data.simplified.get(text, text)
        if kind == "num" and short:
            return 1
        if kind != "han":
            return None
        if simplified == "的":
            # 转录介导的扩增 "transcription mediated amplification": 的 inside the name
            before = tokens[index - 1] if index > 0 else None
            if before is None or before.kind != "han" or not english_stems & self._stems(before.text):
                return None
            return 0
        if FUNCTION_WORDS.get(simplified, "").endswith("-"):
            return 0  # a prefix (非 "non-") belongs to the word after it
        if self._is_function_word(text):
            return None
        if short or english_stems & self._stems(text):
            return len(self._gloss_of(text).split())
        return None

    def _gloss_of(self, word: str) -> str:
        """The English of one word, as text (remembered, as its pieces are)."""
        text = self._memory.texts.get(word)
        if text is None:
            text = self._memory.texts[word] = " ".join(piece.text for piece in self._word(word))
        return text

    def _stems(self, word: str) -> frozenset[str]:
        """The stems of one word's English."""
        return stems(self._gloss_of(word))

    def _is_function_word(self, word: str) -> bool:
        """Whether a word is grammar rather than content: a particle, preposition or conjunction."""
        simplified = self._data.simplified.get(word, word)
        if simplified in FUNCTION_WORDS or simplified in CIRCUMPOSITIONS or simplified in CLOSERS:
            return True
        sense = ACADEMIC_WORDS.get(simplified) or self._data.senses.get(word)  # 针对 "for"
        return sense is not None and FUNCTION_ENGLISH.issuperset(sense.lower().split())

    def _scan(self, text: str, tokens: list[Token]) -> None:
        """Add the tokens of a stretch of text: runs of script, Han runs cut into words by jieba."""
        for match in RUNS.finditer(text):
            kind, run = match.lastgroup or "mark", match.group()
            if kind == "han":
                for part in digit_runs(run) if DIGIT_RUN.search(run) else (run,):
                    self._scan_han(part, tokens)
            elif kind == "num" and tokens and tokens[-1] == ("han", "第") and run.isdigit():
                tokens[-1] = Token("ord", number_words(int(run), ordinal=True))  # 第3 "3rd"
            elif kind != "space":
                tokens.append(Token(kind, run))

    def _scan_han(self, run: str, tokens: list[Token]) -> None:
        """Add the tokens of a run of Han characters: a number written digit by digit, or jieba's words."""
        value = digit_run_value(run)
        if value is not None:
            tokens.append(Token("num", str(value)))
            return
        if tokens and tokens[-1].kind in ("num", "ord"):
            run = number_unit(tokens, run)
        for word in self._data.tokenizer.cut(run, HMM=False):
            tokens.extend(self._word_tokens(tokens, word))

    def _word_tokens(self, tokens: list[Token], word: str) -> list[Token]:
        """A segmented word as tokens: a Chinese numeral (with its measure word) as a number and a unit."""
        unit = unit_token(tokens, word)
        if unit is not None:
            return [unit]
        known_word = len(word) > 1 and word in self._data.senses
        return numeral_tokens(self._data.simplified.get(word, word), known_word) or [Token("han", word)]

    # Target side: glosses, circumpositions, punctuation.

    def _render(self, tokens: list[Token]) -> list[Piece]:
        """The output pieces of a sentence's tokens, with the English that grammar fixes in place."""
        pieces: list[Piece] = []
        fixed, before = self._frames(tokens)
        quoting = False  # inside straight double quotes, which open and close alike
        for index, token in enumerate(tokens):
            if index in before:
                pieces.append(Piece(before[index], capitalise=True))
            if index in fixed:
                if fixed[index]:
                    pieces.append(Piece(fixed[index], capitalise=True))
            elif token == ("mark", '"'):
                pieces.append(Piece('"', glue_left=quoting, glue_right=not quoting))
                quoting = not quoting
            elif index == 1 and token == ("mark", ":") and tokens[0].text in HEADINGS:
                # A heading's colon: the word after it takes a capital, as English abstracts write it
                # ("Methods: Mice …"); a term keeps its case ("Conclusion: eIF3A …").
                after = tokens[2] if len(tokens) > 2 else _END
                pieces.append(Piece(":", glue_left=True, opens_sentence=after.kind == "han"))
            else:
                pieces.extend(self._pieces(token))
        return pieces

    def _pieces(self, token: Token) -> tuple[Piece, ...]:
        """The output pieces of one token, as the dictionary, the glossary or the punctuation table gives them."""
        kind, text = token
        if kind == "han":
            return self._word(text)
        if kind == "term":
            return (Piece(self._glossary[text]),)
        if kind == "unit":
            return (Piece(text, capitalise=True),) if text else ()
        if kind == "dash":
            return (Piece("-"),)
        if kind == "mark":
            return _mark(text)
        if kind == "name":  # an author's English name for a term: a capital only on a plain word
            return (Piece(text, capitalise=text[: text.find(" ") % (len(text) + 1)].islower()),)
        # Numbers and Latin script pass through as they are; number words may take a capital.
        return (Piece(text, capitalise=kind != "latin"),)

    def _frames(self, tokens: list[Token]) -> tuple[dict[int, str], dict[int, str]]:
        """Where grammar rather than the words decides: token index -> fixed English, and token
        index -> English put before it (circumpositions, comparatives, fronted time words, "that")."""
        fixed: dict[int, str] = {}
        before: dict[int, str] = {}
        words = [
            self._data.simplified.get(text, text) if kind == "han" else CLAUSE if text in CLAUSE_END else ""
            for kind, text in tokens
        ]
        if len(tokens) > 1 and tokens[1] == ("mark", ":") and words[0] in HEADING_WORDS:
            fixed[0] = HEADING_WORDS[words[0]]  # 方法： "Methods:", as structured abstracts in English have it
        if (
            len(tokens) > 2
            and tokens[1] == ("mark", ":")
            and words[0] in AIM_HEADINGS
            and words[2] in self._data.verbal
        ):
            before[2] = "to"  # 目的：探讨… "Objective: to investigate …"
        clause = 0  # where the current clause starts
        for index, word in enumerate(words):
            if word == CLAUSE:
                clause = index + 1
            elif tokens[index].kind == "unit":
                self._counted_subject(tokens, index, fixed)
            elif index + 1 < len(words) and words[index + 1] == "型" and _TYPE_NAME.fullmatch(tokens[index].text):
                fixed[index], fixed[index + 1] = f"type {tokens[index].text}", ""  # 2型糖尿病 "type 2 diabetes"
            elif tokens[index] == ("num", "one") and index + 1 < len(tokens) and tokens[index + 1].kind == "han":
                if self._content(tokens, words, index + 1, fixed):
                    fixed[index] = "a"  # 撰写一综述 "write a review"
            elif tokens[index].kind == "num" and _COUNT.fullmatch(tokens[index].text):
                self._counted(tokens, words, index, fixed)
            elif word and index not in fixed:
                self._frame(tokens, words, index, clause, fixed, before)
        self._articles(tokens, words, fixed, before)
        _lists(tokens, words, fixed, before)
        self._modifiers(tokens, words, fixed)
        return fixed, before

    def _articles(self, tokens: list[Token], words: list[str], fixed: dict[int, str], before: dict[int, str]) -> None:
        """ "the" before a superlative or an ordinal (最高 "the highest", 第一次 "the first"), and before a
        word that a preposition governs (在临床治疗中 "in the clinical treatment") unless the word has an
        article's place already, is a name, or reads as a plural; after "to" or "by", not before a verb
        (以提高 "to improve")."""
        previous = ""  # the last English word of the token before, "" after a mark or a determiner
        for index, (kind, text) in enumerate(tokens):
            english = fixed.get(index)
            if english is not None:
                first, last, article = _shape(english)
            elif kind == "han":
                first, last, article = self._shape(text)
            else:
                first, last, article = "", "", False
            if (
                kind == "ord"
                or first in RANKING
                or (first in SUPERLATIVES and (first != "most" or text[:1] == SUPERLATIVE))
            ):
                if index not in before and (index == 0 or previous not in ("", "the")):
                    before[index] = "the"
            elif previous in ARTICLE_PREPOSITIONS and article and english is None and index not in before:
                verb_after = previous in ("to", "by") and words[index] in self._data.verbal
                if not verb_after and self._content(tokens, words, index, fixed):
                    before[index] = "the"
            previous = "" if first in NOT_AFTER_ARTICLE else last

    def _modifiers(self, tokens: list[Token], words: list[str], fixed: dict[int, str]) -> None:
        """A noun before another noun as the adjective English uses there: 心肌细胞 "myocardial cells", 社会支持
        "social support"; with 性 (糖尿病性 "diabetic"); inside a word's own English too (直肠癌 "rectal cancer");
        but not before an adjective or 相关 (糖尿病相关 "diabetes related"), nor as a verb's subject."""
        for index, (kind, text) in enumerate(tokens):
            if kind != "han" or index in fixed:
                continue
            inside, modifying = self._attributive(text)
            if not modifying:
                continue  # no relational noun in its English: most words
            following = index + 1
            if following < len(tokens) and words[following] == "性" and following not in fixed:
                fixed[following] = ""  # 糖尿病性心肌病 "diabetic cardiomyopathy", not "diabetes nature …"
                inside = modifying
            elif (
                following < len(tokens)
                and words[following] not in NOUN_KEEPERS
                and words[following] not in self._data.describing
                and self._content(tokens, words, following, fixed)
                and not self._subject_before_verb(tokens, words, index, fixed)
            ):
                inside = modifying
            if inside:
                fixed[index] = inside

    def _subject_before_verb(self, tokens: list[Token], words: list[str], index: int, fixed: dict[int, str]) -> bool:
        """Whether the noun at `index` is the subject of the verb after it, not a modifier: a predicate
        opens there (实验表明 "experiment showed"), or the noun ends a noun phrase (a noun before it) and a
        verb follows (国际社会关注 "the international community is concerned")."""
        following = words[index + 1]
        if following in PREDICATE_OPENERS or following[:2] in PREDICATE_OPENERS:  # 无法解释 is one word
            return True
        previous = index - 1
        return (
            previous >= 0
            and following in self._data.verbal
            and words[previous] not in self._data.verbal
            and self._content(tokens, words, previous, fixed)
        )

    def _attributive(self, word: str) -> tuple[str, str]:
        """A word's English with its relational nouns as adjectives (remembered): those before its last
        word, and all of them; "" where that changes nothing."""
        forms = self._memory.attributive.get(word)
        if forms is None:
            english = self._gloss_of(word)
            prefix, glue, rest = english.rpartition("- ")  # 非手术 "non-" glued to "operation"
            prefix = prefix.replace("- ", "-")  # a second prefix: 非抗… "non-anti-…"
            inside, modifying = (f"{prefix}-{form}" if glue else form for form in _relational(rest.split(" ")))
            unchanged = english.replace("- ", "-")
            forms = (inside if inside != unchanged else "", modifying if modifying != unchanged else "")
            self._memory.attributive[word] = forms
        return forms

    def _shape(self, word: str) -> tuple[str, str, bool]:
        """What the article rules need of a word's English, remembered: see `_shape` below."""
        shape = self._memory.shapes.get(word)
        if shape is None:
            shape = self._memory.shapes[word] = _shape(self._gloss_of(word))
        return shape

    def _counted_subject(self, tokens: list[Token], index: int, fixed: dict[int, str]) -> None:
        """Drop the unit before the people a study counts: 30例患者 "30 patients", not "30 cases patients",
        and 30例肺癌患者 "30 patients with lung cancer"."""
        if tokens[index].text not in ("cases", "people"):
            return
        for offset, following in enumerate(tokens[index + 1 : index + 4]):
            if following.kind != "han":
                return
            word = self._data.simplified.get(following.text, following.text)
            if word in SUBJECTS:
                fixed[index] = ""
                return
            if offset > 0 and not word.endswith(DISEASE_ENDINGS):
                return  # the words between the unit and the people name their disease

    def _frame(
        self,
        tokens: list[Token],
        words: list[str],
        index: int,
        clause: int,
        fixed: dict[int, str],
        before: dict[int, str],
    ) -> None:
        """Apply the first grammar rule that fits the word at `index`, whose clause starts at `clause`."""
        word = words[index]
        following = tokens[index + 1] if index + 1 < len(tokens) else _END
        if word == "们" and index > 0 and words[index - 1] and index - 1 not in fixed:
            fixed[index - 1] = plural(self._gloss_of(tokens[index - 1].text))  # 渔民们 "fishermen"
        elif word in ADVERBS and following.kind == "han" and index + 1 not in fixed:
            modified = words[index + 1]
            if modified in self._data.verbal or modified.startswith(CHANGE_OR_COMPARISON):
                fixed[index] = ADVERBS[word]  # 显著高于 "significantly higher than"
        elif word == "了" and index > 0 and index - 1 not in fixed and words[index - 1] in self._data.verbal:
            verb = self._gloss_of(tokens[index - 1].text)
            if verb.isalpha() and verb.islower():
                fixed[index - 1] = past_tense(verb)  # 回顾了 "reviewed": a completed action
        elif word == "共" and following.kind == "num":
            fixed[index] = "a total of"  # 共1928名儿童 "a total of 1928 children"
        elif word == "为" and following.kind == "num":
            fixed[index] = "was"  # 发生率为3.5% "the incidence was 3.5%": a result, reported in the past
        elif word in SUBJECTS and following.kind not in ("latin", "term", "name"):
            fixed[index] = plural(self._gloss_of(tokens[index].text))  # but 男性PE "male PE"
            if word in PATIENTS:
                self._patients_with(tokens, words, index, fixed)
        elif word in COUNT_NOUNS and index not in fixed and self._bare_head(tokens, words, index, fixed):
            fixed[index] = plural(self._gloss_of(tokens[index].text))  # 肿瘤细胞 "tumor cells"
        elif word in CIRCUMPOSITIONS or word == "比":
            self._circumposition(tokens, words, index, fixed)
        elif word in COMPARING or word == SUPERLATIVE:
            self._degree(tokens, words, index, fixed)
        elif word in ("的", "之"):
            self._of(tokens, words, index, fixed)
        elif word in QUANTIFIERS:
            self._counted(tokens, words, index, fixed)
        elif word in CONTROL_VERBS and following.kind == "han" and following.text in self._data.verbal:
            fixed[index] = f"{CONTROL_VERBS[word]} to"  # 旨在提高 "aim to improve"
        elif word == "之一" and index not in fixed:
            self._one_of(tokens, words, index, fixed)
        elif word == "等" and index + 1 < len(tokens) and self._content(tokens, words, index + 1, fixed):
            fixed[index] = "and other"  # A、B等指标 "A, B and other indicators", not "A, B etc. indicator"
            self._counted(tokens, words, index, fixed)
        elif following == ("mark", ","):
            _before_comma(words, index, clause, fixed, before)
        elif word in REPORTING and index + 1 < len(tokens) and words[index + 1] not in REPORTING:
            if following.kind != "mark" and self._content(tokens, words, index + 1, fixed):
                before[index + 1] = "that"  # 研究表明HINT1… "studies show that HINT1 …"

    def _bare_head(self, tokens: list[Token], words: list[str], index: int, fixed: dict[int, str]) -> bool:
        """Whether the word at `index` ends its phrase (no content word follows) with no determiner or
        number before it: a countable noun there is plural in English."""
        if index + 1 < len(tokens) and self._content(tokens, words, index + 1, fixed):
            return False
        before = index - 1
        while (
            before >= 0
            and words[before] not in DETERMINERS
            and (words[before] == "的" or words[before] in self._data.describing)
        ):
            before -= 1  # 一种新的方法 "a new method": the determiner is before the attributes
        if before < 0:
            return True
        if words[before] in DETERMINERS or tokens[before].kind in ("num", "unit"):
            return False
        english = fixed.get(before) or (self._gloss_of(tokens[before].text) if tokens[before].kind == "han" else "")
        return english.partition(" ")[0].lower() not in SINGULAR_DETERMINERS  # 这种方法 "this kind of method"

    def _patients_with(self, tokens: list[Token], words: list[str], index: int, fixed: dict[int, str]) -> None:
        """Patients after their disease, as English has them: 肺癌患者 "patients with lung cancer"; a disease
        of one or two words standing alone, named by a word for an illness (…病, …癌, …症, …炎, …瘤)."""
        start = index
        while start > 0 and index - start < 2 and self._disease_word(tokens, words, start - 1, fixed):
            start -= 1
        if start >= 2 and words[start - 1] == "型" and fixed.get(start - 2, "").startswith("type "):
            start -= 2  # 2型糖尿病患者 "patients with type 2 diabetes"
        if start == index or not words[index - 1].endswith(DISEASE_ENDINGS):
            return
        if start > 0 and self._content(tokens, words, start - 1, fixed):
            return  # a longer phrase: which words make the disease is a guess
        disease = " ".join(filter(None, (fixed.get(i, self._english(tokens[i])) for i in range(start, index))))
        fixed[index] = f"{fixed[index]} with {disease}"  # in the patients' place: 的 after them sees one owner
        for i in range(start, index):
            fixed[i] = ""

    def _disease_word(self, tokens: list[Token], words: list[str], index: int, fixed: dict[int, str]) -> bool:
        """Whether the token at `index` may be part of the name of a disease: a content word, not a determiner."""
        if index in fixed or words[index] in DETERMINERS or words[index] in QUANTIFIERS:
            return False
        return self._content(tokens, words, index, fixed)

    def _of(self, tokens: list[Token], words: list[str], index: int, fixed: dict[int, str]) -> None:
        """A的B as "the B of A", where A and B are each one or two content words standing alone and A
        names a thing (肿瘤的预后 "the prognosis of the tumor"), and A中的B as "the B in A"; a longer phrase
        on either side, or an A that describes (新的方法), stays as it is."""
        if index > 0 and words[index - 1] in POSSESSIVES and index - 1 not in fixed:
            fixed[index - 1] = POSSESSIVES[words[index - 1]]  # 我们的研究 "our research"
            return
        place = index - 1 if index > 1 and words[index - 1] in LOCATIVES and index - 1 not in fixed else index
        start = place
        while start > 0 and self._content(tokens, words, start - 1, fixed):
            start -= 1
        if any(words[i] in self._data.describing for i in range(start, place)):
            return  # 新的方法 "new method": an attribute, not an owner
        if start > 0 and words[start - 1] in CONTROL_VERBS:
            return  # 需要使用标准化的方法 "need to use …": a verb phrase, not an owner
        end = index + 1
        while end < len(tokens) and self._content(tokens, words, end, fixed):
            end += 1
        if not (1 <= place - start <= ORDER_OF_WORDS and 1 <= end - index - 1 <= ORDER_OF_WORDS):
            return
        if place - start > 1 and any(" with " in fixed.get(i, "") for i in range(start, place)):
            return  # 肿瘤病人治疗的效果: "patients with tumor" is two words already
        owner = " ".join(fixed.get(i) or self._english(tokens[i]) for i in range(start, place))
        if owner.partition(" ")[0].lower() in FUNCTION_ENGLISH:
            return  # 现阶段的问题 "problems at the present stage", never "the problem of at the present stage"
        determined = start > 0 and words[start - 1] in DETERMINERS and start - 1 not in fixed
        if not determined and tokens[start].kind == "han" and start not in fixed and _takes_article(owner):
            owner = f"the {owner}"  # 肿瘤的预后 "the prognosis of the tumor"
        owned = " ".join(self._english(tokens[i]) for i in range(index + 1, end))
        if words[end - 1] in PLURAL_NOUNS:
            owned = plural(owned)
        opening = "the"
        if determined:
            determiner = self._english(tokens[start - 1])
            if words[start - 1] in INDEFINITE:
                opening = determiner  # 一种肿瘤的治疗 "a treatment of tumor"
            else:  # 这些患者的预后 "the prognosis of these patients", 及其受体的表达 "and the expression of its receptor"
                conjunction, _, determiner = determiner.rpartition(" ")
                owner = f"{determiner} {owner}"
                opening = f"{conjunction} the".lstrip()
            start -= 1
        fixed[start] = f"{opening} {owned} {LOCATIVES[words[place]] if place < index else 'of'} {owner}"
        for i in range(start + 1, end):
            fixed[i] = ""

    def _one_of(self, tokens: list[Token], words: list[str], index: int, fixed: dict[int, str]) -> None:
        """X之一 as "one of the Xs": 主要原因之一 "one of the main causes", for an X of up to three words."""
        start = index
        while start > 0 and index - start < 3 and self._content(tokens, words, start - 1, fixed):
            start -= 1
        if start == index or (start > 0 and self._content(tokens, words, start - 1, fixed)):
            return
        things = plural(" ".join(fixed.get(i) or self._english(tokens[i]) for i in range(start, index)))
        fixed[start] = f"one of the {things}"
        for i in range(start + 1, index + 1):
            fixed[i] = ""

    def _counted(self, tokens: list[Token], words: list[str], index: int, fixed: dict[int, str]) -> None:
        """A noun standing alone after a quantifier or a number above one, in the plural (这些问题
        "these problems", 三个问题 "three problems"); not a word that a content word follows, which may
        be a verb or part of a longer phrase."""
        noun = index + 1
        if noun < len(tokens) and tokens[noun].kind == "unit" and tokens[noun].text in ("", "kinds of", "types of"):
            noun += 1
        if noun >= len(tokens) or tokens[noun].kind != "han" or noun in fixed:
            return
        if not self._content(tokens, words, noun, fixed) or words[noun] in self._data.describing:
            return
        if words[noun] in REPORTING:  # 这些发现 reads "these found": a verb's English, no plural
            return
        if noun + 1 < len(tokens) and self._content(tokens, words, noun + 1, fixed):
            return
        fixed[noun] = plural(self._gloss_of(tokens[noun].text))

    def _content(self, tokens: list[Token], words: list[str], index: int, fixed: dict[int, str]) -> bool:
        """Whether the token at `index` is a content word no rule has taken: a word, a term, a name."""
        kind, text = tokens[index]
        if (index in fixed and not (words[index] in PLURAL_NOUNS and fixed[index])) or kind not in _CONTENT:
            return False
        return kind != "han" or (bool(words[index]) and text not in PHRASE_END and not self._is_function_word(text))

    def _english(self, token: Token) -> str:
        """The English of one content token, as text."""
        if token.kind == "han":
            return self._gloss_of(token.text)
        return self._glossary[token.text] if token.kind == "term" else token.text

    def _degree(self, tokens: list[Token], words: list[str], index: int, fixed: dict[int, str]) -> None:
        """较/更/最 before an adjective: its comparative or superlative (较高 "higher", 最大 "largest")."""
        word = words[index]
        degrees = DEGREES.get(words[index + 1] if index + 1 < len(words) else "")
        if degrees and index + 1 not in fixed:
            fixed[index], fixed[index + 1] = "", degrees[word == SUPERLATIVE]
        elif word == "较":  # 较男性佳 "better than men": 较 before a noun compares, as 比 does
            self._circumposition(tokens, words, index, fixed)

    def _circumposition(self, tokens: list[Token], words: list[str], start: int, fixed: dict[int, str]) -> None:
        """Find the closer of the opener at `start` within its clause and fix the English of both."""
        closers = CIRCUMPOSITIONS.get(words[start], {})
        for end in range(start + 1, min(len(words), start + 1 + CLAUSE_WINDOW)):
            word = words[end]
            if word == CLAUSE:
                return
            english: str | tuple[str, str] | None = closers.get(word)
            particle = english is None and words[end - 1] == "的" and end - 1 > start
            if particle:
                english = closers.get("的" + word)
            if word == "进行" and words[start] in ("对", "对于") and self._last_word(tokens, words, end + 1):
                # 对 … 进行 V "V …": the verb takes the place of the preposition (对肿瘤代谢进行综述 "review
                # tumor metabolism")
                fixed[start], fixed[end], fixed[end + 1] = self._gloss_of(tokens[end + 1].text), "", ""
                return
            if english is None and words[start] in ("比", "较"):  # 比 … 高 "higher than …"
                english = self._than(words, end, fixed)
            if english is not None and end not in fixed:
                _fix_pair(words, start, end, english, particle, fixed)
                if isinstance(english, str) and english in EFFECTS:
                    self._effect_of(tokens, words, start, fixed)
                return

    def _effect_of(self, tokens: list[Token], words: list[str], start: int, fixed: dict[int, str]) -> None:
        """What has the effect goes after "of": 硫化氢对肾脏的影响 "the effect of hydrogen sulfide on the kidney",
        where it is one to three content words, none a verb, standing alone before 对."""
        first = start
        while first > 0 and start - first < 3 and first - 1 not in fixed:
            if words[first - 1] in self._data.verbal or not self._content(tokens, words, first - 1, fixed):
                break
            first -= 1
        if first == start:
            return
        cause = " ".join(self._english(tokens[i]) for i in range(first, start))
        effect, _, preposition = fixed[start].rpartition(" ")
        fixed[first] = f"the {effect} of {cause}"
        for i in range(first + 1, start):
            fixed[i] = ""
        fixed[start] = preposition

    def _than(self, words: list[str], end: int, fixed: dict[int, str]) -> tuple[str, str] | None:
        """The English of a comparison 比 … closed by an adjective at `end` ("higher than"), or None."""
        comparative = self._comparative(words, end)
        if not comparative:
            return None
        if words[end] in COMPARING:
            fixed[end + 1] = ""
        return (f"{comparative} than", "")

    def _last_word(self, tokens: list[Token], words: list[str], index: int) -> bool:
        """Whether the token at `index` is a content word that ends its phrase: a clause or a list
        item ends after it, or a conjunction follows."""
        if index >= len(words) or not words[index] or self._is_function_word(tokens[index].text):
            return False
        return index + 1 == len(words) or words[index + 1] == CLAUSE or tokens[index + 1].text in PHRASE_END

    def _comparative(self, words: list[str], index: int) -> str:
        """The comparative an adjective at `index` reads as (高, 更高 and 更 高 "higher"), or ""."""
        word = words[index]
        if word in DEGREES:
            return DEGREES[word][0]
        if word[:1] != SUPERLATIVE and degree_word(word, word not in self._data.senses):
            return DEGREES[word[1:]][0]
        if word in COMPARING and index + 1 < len(words) and words[index + 1] in DEGREES:
            return DEGREES[words[index + 1]][0]
        return ""

    def _word(self, word: str) -> tuple[Piece, ...]:
        """The output pieces for one segmented word (remembered: abstracts repeat their words)."""
        pieces = self._memory.pieces.get(word)
        if pieces is None:
            pieces = self._memory.pieces[word] = tuple(self._lookup(word))
        return pieces

    def _lookup(self, word: str) -> Iterator[Piece]:
        """The pieces of one word: grammar's English, academic prose's, a degree, the dictionary's, its parts'."""
        simplified = self._data.simplified.get(word, word)
        if simplified in FUNCTION_WORDS:
            if FUNCTION_WORDS[simplified]:
                gloss = FUNCTION_WORDS[simplified]
                yield Piece(gloss, glue_right=gloss.endswith("-"), capitalise=True)
            return
        sense = self._field.senses.get(simplified) if self._field else None
        if sense is None:
            sense = ACADEMIC_WORDS.get(simplified)
        if sense is None and degree_word(simplified, word not in self._data.senses):
            sense = DEGREES[simplified[1:]][simplified[0] == SUPERLATIVE]  # 更好 "better", 最大 "largest"
        if sense is None:
            sense = self._data.senses.get(word)
        if sense is not None:
            if sense:
                yield Piece(sense, glue_right=sense.endswith("-"), capitalise=True)
            return
        yield from self._longest_matches(word)

    def _longest_matches(self, word: str) -> Iterator[Piece]:
        """Split a word the dictionary lacks into the longest headwords it contains; a prefix that
        modifies a known word goes first (核战略 "nuclear strategy": 核 战略, not 核战 略)."""
        start = 0
        if word[:1] in PREFIXES and self._known(word[1:]):
            yield from self._lookup(word[0])
            start = 1
        while start < len(word):
            longest = min(len(word), start + self._data.longest_word)
            end = next((end for end in range(longest, start, -1) if self._known(word[start:end])), start + 1)
            if self._known(word[start:end]):
                yield from self._lookup(word[start:end])
            else:
                yield Piece(word[start:end])  # a character CC-CEDICT lacks: kept rather than lost
            start = end

    def _known(self, word: str) -> bool:
        """Whether the engine has English for a word: the dictionary's, grammar's or academic prose's."""
        simplified = self._data.simplified.get(word, word)
        return word in self._data.senses or simplified in FUNCTION_WORDS or simplified in ACADEMIC_WORDS


def _mark(mark: str) -> tuple[Piece, ...]:
    """A punctuation mark or symbol as English punctuation; none for a control or space character."""
    if mark in PUNCTUATION:
        english, left, right = PUNCTUATION[mark]
        return (Piece(english, left, right),) if english else ()
    if not unicodedata.category(mark).startswith(("C", "Z")):
        return (Piece(mark),)
    return ()


def _before_comma(words: list[str], index: int, clause: int, fixed: dict[int, str], before: dict[int, str]) -> None:
    """A word before a comma: a reporting verb's comma reads "that" (结果表明，… "results show that …"),
    and a time word that closes an opening clause goes first (手术后，… "after surgery, …")."""
    word = words[index]
    if word in REPORTING:
        fixed[index + 1] = "that"
    elif word in FRONTED and index > clause:
        fixed[index] = ""
        if word not in CIRCUMPOSITIONS.get(words[clause], ()):  # 当 … 时 already reads "when"
            before[clause] = " ".join(filter(None, (before.get(clause), FRONTED[word])))


def _relational(english: list[str]) -> tuple[str, str]:
    """English words with their relational nouns (RELATIONAL_ADJECTIVES) as adjectives: inside (a noun
    before another noun of the same word: "rectum cancer" -> "rectal cancer"; not before "of" or "and",
    as in "theory of relativity"), and where the whole English is one such noun ("kidney" -> "renal"),
    for a word that modifies the next. The last noun of a longer English heads it and stays:
    "traditional Chinese medicine", "market economy"."""
    nouns: list[tuple[int, int]] = []  # where each relational noun starts, and how many words it has
    index = 0
    while index < len(english):
        sizes = (size for size in (2, 1) if index + size <= len(english))
        size = next(
            (size for size in sizes if " ".join(english[index : index + size]).lower() in RELATIONAL_ADJECTIVES), 0
        )
        if size:
            nouns.append((index, size))
        index += size or 1

    def replaced(spans: list[tuple[int, int]]) -> str:
        words = list(english)
        for start, size in reversed(spans):
            noun = " ".join(words[start : start + size])
            adjective = RELATIONAL_ADJECTIVES[noun.lower()]
            words[start : start + size] = [adjective.capitalize() if noun[:1].isupper() else adjective]
        return " ".join(words)

    def modifies(start: int, size: int) -> bool:
        """Whether the noun at `start` modifies the word after it, with no function word or possessive
        on either side ("theory of relativity", "get one's stomach pumped")."""
        end = start + size
        if end == len(english) or english[end].lower() in FUNCTION_ENGLISH:
            return False
        return start == 0 or not (english[start - 1].lower() in FUNCTION_ENGLISH or english[start - 1].endswith("'s"))

    if nouns == [(0, len(english))]:
        return " ".join(english), replaced(nouns)
    inside = replaced([(start, size) for start, size in nouns if modifies(start, size)])
    return inside, inside


def _shape(english: str) -> tuple[str, str, bool]:
    """The first English word (lower case) and the last of a token's English, and whether it takes "the"."""
    first, _, _ = english.partition(" ")
    return first.lower(), english.rpartition(" ")[2], _takes_article(english)


def _takes_article(english: str) -> bool:
    """Whether English for a noun phrase may take "the": a common noun (lower case) that is not a
    plural and starts with no determiner or preposition of its own (现阶段 "at the present stage")."""
    first, _, _ = english.partition(" ")
    last = english.rpartition(" ")[2]
    if not first[:1].islower() or first in NOT_AFTER_ARTICLE or first in FUNCTION_ENGLISH:
        return False
    return not (last.endswith("s") and not last.endswith(("ss", "sis", "us")))


def _lists(tokens: list[Token], words: list[str], fixed: dict[int, str], before: dict[int, str]) -> None:
    """ "and" before the last item of a list that Chinese writes with 、 alone: 血压、血糖 "blood pressure
    and blood sugar", 甲、乙、丙 "A, B and C"; not where a conjunction or 等 already closes the list."""
    separators: list[int] = []
    for index, (kind, text) in enumerate(tokens):
        if (kind, text) == ("mark", "、"):
            separators.append(index)
        elif words[index] in LIST_CLOSERS:
            separators.clear()
        if separators and (words[index] == CLAUSE or index + 1 == len(tokens)):
            last = separators[-1]
            if last + 1 < len(tokens) and words[last + 1] != CLAUSE and last + 1 not in fixed:
                before[last + 1] = " ".join(filter(None, ("and", before.get(last + 1))))
                if len(separators) == 1:
                    fixed[last] = ""  # two items: no comma
            separators.clear()


def _fix_pair(
    words: list[str], start: int, end: int, english: str | tuple[str, str], particle: bool, fixed: dict[int, str]
) -> None:
    """Fix the English of a circumposition's opener at `start` and closer at `end`, with a negation
    before the closer (与 … 无关 "not related to …") and a 的 that goes with it."""
    opener, closer = (english, "") if isinstance(english, str) else english
    if words[end - 1] in NEGATIONS and end - 1 > start:  # 与 … 无 关 "not related to …"
        opener, fixed[end - 1] = f"not {opener}", ""
        if words[end - 2] == "并":  # 并不 "not at all": the emphasis goes with the negation
            fixed[end - 2] = ""
    fixed[start], fixed[end] = opener, closer
    if particle:
        fixed[end - 1] = ""


def _language(code: str) -> str:
    """The language of a code without region or script: "zh-TW" -> "zh"."""
    return code.lower().replace("_", "-").split("-")[0]

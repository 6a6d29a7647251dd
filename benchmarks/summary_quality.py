"""How good and how fast are the summaries and keywords? Scores on CSL abstracts, and timings.

    python benchmarks/summary_quality.py [--data PATH] [--long]

Summaries: the one-sentence summary of every abstract against the paper's title, ROUGE-1 and
ROUGE-L F1 (Chinese by character, Latin words and numbers as one token each; English by word),
for every algorithm and a lead-1 baseline, over all abstracts and over those of three sentences
or more (where the choice matters), with how often the first sentence was chosen.
A second run picks three sentences: how often they are just the first three (of abstracts of five
sentences or more) says whether longer summaries still read the whole abstract.
Keywords: the top 5 against the authors' keywords, precision/recall/F1 per abstract averaged,
exact and partial (one contains the other); the title is given, as the pipeline gives it.
Every score is given on all 1,000 abstracts and on two halves (`data_files.halves`): the tuning
half, the only one weights and keyword document frequencies were fitted on, and the held-out half.
Speed: the summary and keyword stages against sentence segmentation plus the gloss translation of
the same abstracts, in CPU time of this process (wall time swings with whatever else the machine
runs). `--long` times every algorithm on one very long text, as a whole paper pasted into an
abstract field would be.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.data_files import CSL_ABSTRACTS as DEFAULT_DATA  # noqa: E402
from benchmarks.data_files import halves, require  # noqa: E402

_ROUGE_ZH_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[A-Za-z0-9]+(?:[-.][A-Za-z0-9]+)*")
_ROUGE_EN_RE = re.compile(r"[A-Za-z0-9]+(?:[-'.][A-Za-z0-9]+)*")


@dataclass
class Abstract:
    """One CSL record, ready to summarise."""

    id: str
    lang: str
    text: str
    sentences: list[str]
    title: str
    keywords: list[str]


def read_abstracts(path: Path) -> list[Abstract]:
    """Every record of a CSL-style JSONL file, normalised and split as the pipeline does."""
    from jobs.language import detect_language, normalise_whitespace
    from jobs.segment import split_sentences

    abstracts = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.strip():
            record = json.loads(line)
            text = normalise_whitespace(record["abstract"])
            lang = detect_language(text)
            abstracts.append(
                Abstract(
                    record["id"],
                    lang,
                    text,
                    split_sentences(text, lang),
                    normalise_whitespace(record["title"]),
                    record["keywords"],
                )
            )
    return abstracts


# --- Scores ---------------------------------------------------------------------------------------


def rouge_tokens(text: str, lang: str) -> list[str]:
    """Chinese by character (a Latin word or number is one token); English by word; lower case."""
    return [token.lower() for token in (_ROUGE_ZH_RE if lang == "zh" else _ROUGE_EN_RE).findall(text)]


def _f1(overlap: float, candidate: int, reference: int) -> float:
    if not overlap:
        return 0.0
    precision, recall = overlap / candidate, overlap / reference
    return 2 * precision * recall / (precision + recall)


def rouge_1(candidate: Sequence[str], reference: Sequence[str]) -> float:
    """ROUGE-1 F1: unigram overlap, counts clipped."""
    overlap = sum((Counter(candidate) & Counter(reference)).values())
    return _f1(overlap, len(candidate), len(reference))


def rouge_l(candidate: Sequence[str], reference: Sequence[str]) -> float:
    """ROUGE-L F1: the longest common subsequence."""
    previous = [0] * (len(reference) + 1)
    for token in candidate:
        current = [0]
        for j, other in enumerate(reference):
            current.append(previous[j] + 1 if token == other else max(previous[j + 1], current[j]))
        previous = current
    return _f1(previous[-1], len(candidate), len(reference))


def keyword_scores(extracted: Sequence[str], authors: Sequence[str]) -> tuple[float, ...]:
    """Precision, recall and F1, exact then partial (one contains the other), case ignored."""
    extracted = [k.lower() for k in extracted]
    authors = [k.lower() for k in authors if k.strip()]
    scores: list[float] = []
    for match in (lambda a, b: a == b, lambda a, b: a in b or b in a):
        hits = sum(any(match(e, a) for a in authors) for e in extracted)
        found = sum(any(match(e, a) for e in extracted) for a in authors)
        precision = hits / len(extracted) if extracted else 0.0
        recall = found / len(authors) if authors else 0.0
        scores += [precision, recall, 2 * precision * recall / (precision + recall) if precision + recall else 0.0]
    return tuple(scores)


# --- Runs -----------------------------------------------------------------------------------------


def _clear_word_cache() -> None:
    """Forget remembered word splits, so that every timing pays for jieba."""
    from jobs.wordseg import segmenter

    segmenter().forget()


def _mean(values: Sequence[float]) -> str:
    return f"{statistics.mean(values) * 100:.1f}" if values else "-"


def summary_rows(abstracts: list[Abstract], tuning: set[str]) -> list[tuple[str, ...]]:
    """One row per algorithm: scores on all, on those of 3+ sentences, on each half; first-sentence and lead-3 shares; time."""
    from jobs import summarize

    methods: dict[str, Callable[[Abstract, int], list[int]]] = {
        "lead-1 (baseline)": lambda a, size: list(range(min(size, len(a.sentences))))
    }
    for algorithm in summarize.ALGORITHMS:
        methods[algorithm] = lambda a, size, algorithm=algorithm: (
            summarize.choose_sentences(a.sentences, a.lang, size, algorithm).indices
        )
    methods["lexrank, sumy's idf"] = _sumy_lexrank
    methods["edmundson + title (*)"] = lambda a, size: (
        summarize.choose_sentences(a.sentences, a.lang, size, "edmundson", a.title).indices
    )

    rows = []
    for name, method in methods.items():
        _clear_word_cache()
        started = time.process_time()
        chosen = [method(a, 1) for a in abstracts]
        elapsed = time.process_time() - started
        scores = [_summary_scores(a, indices) for a, indices in zip(abstracts, chosen)]
        longer = [s for a, s in zip(abstracts, scores) if len(a.sentences) >= 3]
        tuned = [s for a, s in zip(abstracts, scores) if a.id in tuning]
        held = [s for a, s in zip(abstracts, scores) if a.id not in tuning]
        first = sum(indices == [0] for a, indices in zip(abstracts, chosen) if len(a.sentences) >= 3)
        five = [a for a in abstracts if len(a.sentences) >= 5]
        lead_3 = sum(method(a, 3) == [0, 1, 2] for a in five)
        rows.append(
            (
                name,
                *(_mean([s[i] for s in scores]) for i in (0, 1)),
                *(_mean([s[i] for s in longer]) for i in (0, 1)),
                *(_mean([s[i] for s in tuned]) for i in (0, 1)),
                *(_mean([s[i] for s in held]) for i in (0, 1)),
                f"{first / len(longer) * 100:.0f}%",
                f"{lead_3 / len(five) * 100:.0f}%" if five else "-",
                f"{elapsed / len(abstracts) * 1000:.2f}",
            )
        )
    return rows


def _summary_scores(abstract: Abstract, indices: list[int]) -> tuple[float, float]:
    candidate = rouge_tokens("".join(abstract.sentences[i] for i in indices), abstract.lang)
    reference = rouge_tokens(abstract.title, abstract.lang)
    return rouge_1(candidate, reference), rouge_l(candidate, reference)


def _sumy_lexrank(abstract: Abstract, size: int) -> list[int]:
    """sumy's LexRank as it comes (idf log(n / (1 + n_j))), on the same sentences and words."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
    from sumy.nlp.stemmers import Stemmer, null_stemmer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.utils import get_stop_words

    from jobs.summarize import _Words
    from jobs.wordseg import segmenter

    if len(abstract.sentences) <= size:
        return list(range(len(abstract.sentences)))
    language = "chinese" if abstract.lang == "zh" else "english"
    summarizer = LexRankSummarizer(Stemmer(language) if abstract.lang == "en" else null_stemmer)
    summarizer.stop_words = get_stop_words(language)
    sentences = [Sentence(s, _Words(abstract.lang, segmenter())) for s in abstract.sentences]
    position = {id(s): i for i, s in enumerate(sentences)}
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 0/0 in its power method: the weakness measured here
        chosen = summarizer(ObjectDocumentModel([Paragraph(sentences)]), size)
    return sorted(position[id(s)] for s in chosen)


def keyword_rows(abstracts: list[Abstract], tuning: set[str], count: int = 5) -> list[tuple[str, ...]]:
    """One row per keyword method: P/R/F1 exact and F1 partial on all, F1 on each half, and time."""
    from jobs import keywords

    rows = []
    for method in keywords.METHODS:
        _clear_word_cache()
        started = time.process_time()
        extracted = [keywords.extract_keywords(a.sentences, a.lang, count, method, title=a.title) for a in abstracts]
        elapsed = time.process_time() - started
        scores = [keyword_scores(e, a.keywords) for e, a in zip(extracted, abstracts)]
        halves = [[s for a, s in zip(abstracts, scores) if (a.id in tuning) == tuned] for tuned in (True, False)]
        rows.append(
            (
                method,
                *(_mean([s[i] for s in scores]) for i in (0, 1, 2, 5)),
                *(_mean([s[i] for s in half]) for half in halves for i in (2, 5)),
                f"{elapsed / len(abstracts) * 1000:.2f}",
            )
        )
    return rows


def speed_rows(abstracts: list[Abstract], rounds: int = 3) -> list[tuple[str, str, str]]:
    """CPU seconds for the 1,000 abstracts: segmentation plus gloss against summary plus keywords (best of `rounds`).

    CPU time of this process, not wall time: on a machine shared with other work the two sides
    would otherwise be slowed by whatever else ran meanwhile.
    """
    from jobs.engines.base import EngineSettings
    from jobs.engines.gloss import GlossEngine
    from jobs.keywords import DEFAULT_METHOD, extract_keywords
    from jobs.segment import split_sentences
    from jobs.summarize import DEFAULT_ALGORITHM, choose_sentences

    loaded = GlossEngine.load("zh", "en", EngineSettings())
    timings: dict[str, list[float]] = {name: [] for name in ("segment", "gloss", "summary", "keywords")}
    for _ in range(rounds):
        engine = GlossEngine("zh", "en", loaded._data)  # an empty word memo, as at the start of a run
        started = time.process_time()
        sentences = [split_sentences(a.text, a.lang) for a in abstracts]
        timings["segment"].append(time.process_time() - started)
        started = time.process_time()
        engine.translate_batch([s for a, ss in zip(abstracts, sentences) if a.lang == "zh" for s in ss])
        timings["gloss"].append(time.process_time() - started)
        _clear_word_cache()
        started = time.process_time()
        for a, ss in zip(abstracts, sentences):
            choose_sentences(ss, a.lang, 3, DEFAULT_ALGORITHM)
        timings["summary"].append(time.process_time() - started)
        started = time.process_time()
        for a, ss in zip(abstracts, sentences):
            extract_keywords(ss, a.lang, 5, DEFAULT_METHOD, title=a.title)
        timings["keywords"].append(time.process_time() - started)
    best = {name: min(values) for name, values in timings.items()}
    translation = best["segment"] + best["gloss"]
    ours = best["summary"] + best["keywords"]
    return [
        ("segmentation + gloss translation", f"{translation:.2f}", f"{best['segment']:.2f} + {best['gloss']:.2f}"),
        (
            f"summary ({DEFAULT_ALGORITHM}, 3 sentences) + keywords ({DEFAULT_METHOD}, 5)",
            f"{ours:.2f}",
            f"{best['summary']:.2f} + {best['keywords']:.2f}",
        ),
    ]


def long_text_rows(abstracts: list[Abstract], sizes: Sequence[int] = (100, 200, 400, 800)) -> list[tuple[str, ...]]:
    """Seconds per call on one text of N sentences, each algorithm unguarded up to twice its limit; then 2,500 guarded."""
    from jobs import summarize
    from jobs.wordseg import cached_words

    pool = [s for a in abstracts if a.lang == "zh" for s in a.sentences]
    rows = []
    for algorithm in summarize.ALGORITHMS:
        limit = summarize.MAX_SENTENCES.get(algorithm)
        cells = []
        for size in sizes:
            if limit is not None and size > 2 * limit:
                cells.append("-")
                continue
            for words_of in pool[:size]:  # split the words beforehand: time the algorithm alone
                cached_words(words_of, "zh")
            summarize.MAX_SENTENCES[algorithm] = size
            started = time.perf_counter()
            summarize.choose_sentences(pool[:size], "zh", 3, algorithm)
            cells.append(f"{time.perf_counter() - started:.2f}")
            if limit is None:
                del summarize.MAX_SENTENCES[algorithm]
            else:
                summarize.MAX_SENTENCES[algorithm] = limit
        _clear_word_cache()
        started = time.perf_counter()
        used = summarize.choose_sentences(pool[:2500], "zh", 3, algorithm).algorithm
        cells.append(f"{time.perf_counter() - started:.2f} ({used})")
        rows.append((algorithm, str(limit or "none"), *cells))
    return rows


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the summary, keyword and speed tables (and the long-text one with --long)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="CSL-style JSONL (default: %(default)s)")
    parser.add_argument("--long", action="store_true", help="also time every algorithm on one very long text")
    args = parser.parse_args(argv)
    require(args.data)

    from jobs.keywords import extract_keywords
    from jobs.summarize import choose_sentences

    abstracts = read_abstracts(args.data)
    tuning = {a.id for a in halves(abstracts, lambda a: a.id)[0]}
    languages = Counter(a.lang for a in abstracts)
    longer = sum(len(a.sentences) >= 3 for a in abstracts)
    print(
        f"{len(abstracts)} abstracts from {args.data.name} ({languages['zh']} Chinese, {languages['en']} English); {longer} of 3+ sentences"
    )
    # Load jieba, its keyword data and the stemmer before anything is timed.
    choose_sentences(["预热。", "第二句。"], "zh", 1)
    extract_keywords("预热文本。", "zh")

    print(f"tuning half: {len(tuning)} abstracts; held-out half: {len(abstracts) - len(tuning)}")
    print("\nOne-sentence summary against the title (ROUGE F1 x 100; CPU ms per abstract)\n")
    print(
        table(
            (
                "algorithm",
                "R-1",
                "R-L",
                "R-1 (3+)",
                "R-L (3+)",
                "R-1 tuning",
                "R-L tuning",
                "R-1 held-out",
                "R-L held-out",
                "first sentence (3+)",
                "3 sentences = first 3 (5+)",
                "ms",
            ),
            summary_rows(abstracts, tuning),
        )
    )
    print("\n(*) reads the title it is scored against: not comparable, shown for what titles add.")
    print("\nTop-5 keywords against the authors' keywords (x 100; CPU ms per abstract)\n")
    print(
        table(
            (
                "method",
                "P exact",
                "R exact",
                "F1 exact",
                "F1 partial",
                "F1 exact tuning",
                "F1 partial tuning",
                "F1 exact held-out",
                "F1 partial held-out",
                "ms",
            ),
            keyword_rows(abstracts, tuning),
        )
    )
    print(f"\nSpeed on the {len(abstracts)} abstracts (CPU seconds, best of 3)\n")
    print(table(("stage", "seconds", "parts"), speed_rows(abstracts)))
    if args.long:
        print("\nOne long text (seconds per call; the last column through choose_sentences' guard)\n")
        print(
            table(
                ("algorithm", "limit", "100", "200", "400", "800", "2,500 guarded, words included (used)"),
                long_text_rows(abstracts),
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

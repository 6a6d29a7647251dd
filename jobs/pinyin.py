"""Chinese names and titles in pinyin, as citations and library catalogues write them.

- `person_name("欧阳修")` is "Ouyang Xiu": surname first, the given name's syllables joined
  ("Zhang Huijia"), an apostrophe where a joined syllable starts with a, o or e ("Li Xi'an").
  A surname is read as a surname (单 Shan, 曾 Zeng, 区 Ou, 解 Xie, 仇 Qiu, 朴 Piao ...), and
  the compound surnames (欧阳, 司马, 诸葛 ...) are kept together. pypinyin has no surname mode,
  so the readings that differ from its first reading, and the compound surnames, are here.
- `title_pinyin("食品工业科技")` is "Shipin Gongye Keji": a journal's or an institution's name,
  word by word (jieba's words), each word capitalised.
- `sentence_pinyin("黄芪多糖提取工艺")` is "Huangqi duotang tiqu gongyi": a paper's title, word by
  word, only its first word capitalised.

Text that is not Chinese (Latin letters, numbers, Greek) stays as it is, full-width punctuation
becomes its ASCII form. Tones are not written. pypinyin and jieba are imported on first use.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from typing import Any

from .language import HAN
from .record import Citation, Pinyin

_HAN_RUN = re.compile(f"(?:{HAN})+")
# A name's parts in minority names written with a middle dot: 阿不都·热合曼.
_NAME_DOT = re.compile(r"[·•・‧.]")
# Syllables that start with a vowel take an apostrophe inside a joined word: Xi'an, not Xian.
_VOWEL_START = ("a", "o", "e")
# Full-width and Chinese punctuation NFKC leaves alone.
_PUNCTUATION = str.maketrans({"、": ",", "《": "“", "》": "”", "〈": "‘", "〉": "’", "。": ".", "·": " "})
_NO_SPACE_BEFORE = re.compile(r"\s+([,.;:!?)\]}%”’])")
_NO_SPACE_AFTER = re.compile(r"([(\[{“‘]|(?<=\S)[-/])\s+")
_FIRST_LETTER = re.compile(r"[^\W\d_]")
_SPACE_AFTER = re.compile(r"([,;:])(?=[^\s\d])")

#: The most characters a Chinese personal name has (a compound surname and a two-character given
#: name: 欧阳建国); an author's name longer than that is a body's (北京大学信息管理系).
PERSONAL_NAME_LENGTH = 4

#: Compound surnames (复姓), as their bearers write them. A two-character name never starts with one.
COMPOUND_SURNAMES = {
    "欧阳": "ouyang", "司马": "sima", "诸葛": "zhuge", "上官": "shangguan", "东方": "dongfang",
    "皇甫": "huangfu", "令狐": "linghu", "慕容": "murong", "宇文": "yuwen", "尉迟": "yuchi",
    "长孙": "zhangsun", "夏侯": "xiahou", "公孙": "gongsun", "轩辕": "xuanyuan", "端木": "duanmu",
    "独孤": "dugu", "南宫": "nangong", "西门": "ximen", "司徒": "situ", "司空": "sikong",
    "澹台": "tantai", "万俟": "moqi", "闻人": "wenren", "呼延": "huyan", "百里": "baili",
    "东郭": "dongguo", "钟离": "zhongli", "太史": "taishi", "申屠": "shentu", "公羊": "gongyang",
    "濮阳": "puyang", "淳于": "chunyu", "赫连": "helian", "宗政": "zongzheng", "仲孙": "zhongsun",
    "拓跋": "tuoba", "完颜": "wanyan", "乐正": "yuezheng", "第五": "diwu", "公冶": "gongye",
    "漆雕": "qidiao", "巫马": "wuma", "左丘": "zuoqiu", "谷梁": "guliang", "亓官": "qiguan",
    "司寇": "sikou", "颛孙": "zhuansun", "段干": "duangan", "梁丘": "liangqiu", "羊舌": "yangshe",
    "闾丘": "lüqiu", "鲜于": "xianyu", "夹谷": "jiagu", "公西": "gongxi",
}  # fmt: skip

#: Surnames read otherwise than their character's first reading in pypinyin.
SURNAME_READINGS = {
    "单": "shan", "曾": "zeng", "区": "ou", "解": "xie", "仇": "qiu", "朴": "piao", "查": "zha",
    "盖": "ge", "乐": "yue", "缪": "miao", "覃": "qin", "召": "shao", "秘": "bi", "繁": "po",
    "员": "yun", "种": "chong", "折": "she", "隗": "wei", "句": "gou", "柏": "bai", "薄": "bo",
    "翟": "zhai", "阚": "kan", "洗": "xian", "黑": "he", "长": "chang", "能": "nai", "牟": "mou",
    "厍": "she", "隽": "juan", "重": "chong", "藏": "zang", "宿": "su", "尉": "wei", "沈": "shen",
    "适": "kuo", "佴": "nai", "郗": "xi", "蕃": "pi", "费": "fei", "贲": "ben", "过": "guo",
    "石": "shi", "任": "ren", "那": "na", "燕": "yan", "华": "hua", "祭": "zhai", "粘": "nian",
}  # fmt: skip


# The traditional forms of the characters of the surnames above, as exports from Taiwan and Hong
# Kong (Airiti) write them (歐陽修, 單田芳): a surname is looked up in its simplified form.
_TRADITIONAL = "歐陽馬諸東遲長孫軒轅獨宮門臺萬聞鍾鐘離連顏樂穀顓閭鮮夾單區蓋繆員種闞厙雋適費賁過華"
_SIMPLIFIED = "欧阳马诸东迟长孙轩辕独宫门台万闻钟钟离连颜乐谷颛闾鲜夹单区盖缪员种阚厍隽适费贲过华"
_SURNAME_FORM = str.maketrans(_TRADITIONAL, _SIMPLIFIED)


@cache
def _pypinyin() -> Any:
    import pypinyin

    return pypinyin


def _syllables(text: str) -> list[str]:
    """The syllables of Chinese text without tones (ü as ü), pypinyin's reading of its words."""
    pypinyin = _pypinyin()
    return [syllable for syllable in pypinyin.lazy_pinyin(text, style=pypinyin.Style.NORMAL, v_to_u=True) if syllable]


def _joined(syllables: list[str]) -> str:
    """Syllables as one word, an apostrophe before each later one that starts with a, o or e."""
    word = ""
    for syllable in syllables:
        word += ("'" if word and syllable.startswith(_VOWEL_START) else "") + syllable
    return word


def _capital(text: str) -> str:
    """The text with its first letter capitalised (after an opening quote or bracket too)."""
    return _FIRST_LETTER.sub(lambda letter: letter.group().upper(), text, count=1)


@lru_cache(maxsize=8192)
def person_name(zh: str) -> str:
    """A Chinese personal name in pinyin as citations write it: "Ouyang Xiu", "Shan Tianfang".

    A name that is not all Chinese characters (an English name, "张 三" already spaced aside) is
    returned as it is, spaces collapsed; one with a middle dot (阿不都·热合曼) has each part in pinyin.
    """
    name = "".join(zh.split())
    if not name:
        return ""
    if _NAME_DOT.search(name) and all(_HAN_RUN.fullmatch(part) for part in _NAME_DOT.split(name) if part):
        return " ".join(_capital(_joined(_syllables(part))) for part in _NAME_DOT.split(name) if part)
    if not _HAN_RUN.fullmatch(name):
        return " ".join(zh.split())
    head = name[:2].translate(_SURNAME_FORM)
    if len(name) > 2 and head in COMPOUND_SURNAMES:
        surname, given = COMPOUND_SURNAMES[head], name[2:]
    else:
        surname, given = SURNAME_READINGS.get(head[0]) or _joined(_syllables(name[0])), name[1:]
    given_pinyin = _joined(_syllables(given)) if given else ""
    return " ".join(_capital(part) for part in (surname, given_pinyin) if part)


@lru_cache(maxsize=4096)
def title_pinyin(zh: str) -> str:
    """A journal's or an institution's name in pinyin, word by word, each word capitalised ("Shipin Gongye Keji")."""
    return _words_pinyin(zh, every_word=True)


@lru_cache(maxsize=4096)
def sentence_pinyin(zh: str) -> str:
    """A paper's title in pinyin, word by word, its first letter capitalised ("Huangqi duotang tiqu gongyi")."""
    return _capital(_words_pinyin(zh, every_word=False))


def has_chinese(text: str | None) -> bool:
    """Whether the text has Chinese characters (so that its pinyin says more than the text)."""
    return bool(text and _HAN_RUN.search(text))


def author_pinyin(zh: str) -> str:
    """An author in pinyin: a person's name as citations write it ("Zhang Huijia"), a body's word
    by word ("Beijing Daxue Xinxi Guanli Xi": standards and reports have bodies for authors). A
    Chinese personal name has at most four characters, unless a middle dot parts it."""
    name = "".join(zh.split())
    dotted = bool(_NAME_DOT.search(name))
    personal = _HAN_RUN.fullmatch(_NAME_DOT.sub("", name)) and (dotted or len(name) <= PERSONAL_NAME_LENGTH)
    return person_name(zh) if personal else title_pinyin(zh)


def record_pinyin(title_zh: str | None, citation: Citation | None) -> Pinyin | None:
    """A record's Chinese title and its citation's Chinese names in pinyin; None where none is Chinese."""
    if citation is None:
        citation = Citation(format="")
    names = (*citation.authors, *citation.affiliations, *citation.supervisors)
    if not any(has_chinese(text) for text in (title_zh, citation.journal, citation.publisher, *names)):
        return None

    def words(name: str | None) -> str | None:
        return title_pinyin(name) if name and has_chinese(name) else None

    return Pinyin(
        title=sentence_pinyin(title_zh) if title_zh and has_chinese(title_zh) else None,
        authors=[author_pinyin(name) if has_chinese(name) else name for name in citation.authors],
        affiliations=[title_pinyin(name) if has_chinese(name) else name for name in citation.affiliations],
        journal=words(citation.journal),
        publisher=words(citation.publisher),
        supervisors=[author_pinyin(name) if has_chinese(name) else name for name in citation.supervisors],
    )


def _words_pinyin(zh: str, every_word: bool) -> str:
    text = unicodedata.normalize("NFKC", " ".join(zh.split())).translate(_PUNCTUATION)
    parts: list[str] = []
    position = 0
    for run in _HAN_RUN.finditer(text):
        parts.append(text[position : run.start()])
        pinyin_words = [_joined(_syllables(word)) for word in _words(run.group())]
        parts.append(" " + " ".join(_capital(word) if every_word else word for word in pinyin_words) + " ")
        position = run.end()
    parts.append(text[position:])
    spaced = " ".join("".join(parts).split())
    spaced = _NO_SPACE_BEFORE.sub(r"\1", spaced)
    spaced = _NO_SPACE_AFTER.sub(r"\1", spaced)
    return _SPACE_AFTER.sub(r"\1 ", spaced)


def _words(text: str) -> list[str]:
    """The words of a run of Chinese characters as catalogues space them: jieba's words, a long one
    cut into the dictionary words it is made of (食品工业 is 食品 工业, 中医药大学 is 中医药 大学)."""
    from .wordseg import segmenter

    tokenizer = segmenter().tokenizer
    shown: list[str] = []
    for word in tokenizer.lcut(text, HMM=True):
        shown += _parts(word, tokenizer.FREQ) if len(word) > 3 else [word]
    return shown


def _parts(word: str, frequencies: dict[str, int]) -> list[str]:
    """`word` cut into two dictionary words of two characters or more (the longer first part
    first), each cut again; the word whole where there is no such cut."""
    for cut in range(len(word) - 2, 1, -1):
        head, tail = word[:cut], word[cut:]
        if frequencies.get(head) and frequencies.get(tail):
            return _parts(head, frequencies) + _parts(tail, frequencies)
    return [word]

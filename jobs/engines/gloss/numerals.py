"""Numbers in a sentence: Chinese numerals and their values, English number words, and the units after a number."""

from __future__ import annotations

import re

from .english import singular
from .tokens import Token

#: Chinese numerals and their values; 十百千万亿 multiply.
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8}
_DIGITS["九"] = 9
_MULTIPLIERS = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}
_SCALES = {"万": 10_000, "亿": 100_000_000}
_NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty"
).split()
_ORDINALS = "zeroth first second third fourth fifth sixth seventh eighth ninth tenth".split()
_MONTHS = "January February March April May June July August September October November December".split()

#: What a unit or measure word after a number reads as; "" drops a plain measure word.
UNITS: dict[str, str] = {
    "倍": "times",
    "岁": "years old",
    "周岁": "years old",
    "年": "years",
    "年代": "s",  # 90年代 "90s"
    "世纪": "century",  # 20世纪 "20th century"
    "个月": "months",
    "月龄": "months old",
    "周龄": "weeks old",
    "日龄": "days old",
    "月": "months",
    "周": "weeks",
    "天": "days",
    "日": "days",
    "小时": "hours",
    "分钟": "minutes",
    "秒": "seconds",
    "次": "times",
    "例": "cases",
    "种": "kinds of",
    "类": "types of",
    "组": "groups",
    "项": "items",
    "篇": "articles",
    "人": "people",
    "国": "countries",  # 两国 "two countries"
    "名": "",
    "位": "",
    "个": "",
    "只": "",
    "株": "",
    "份": "",
    "条": "",
    "家": "",
    "所": "",
    "号": "",
}
#: Words that qualify the number before them.
_AFTER_NUMBER: dict[str, str] = {"以上": "or more", "以下": "or less", "左右": "or so", "余": "odd", "多": "odd"}
_UNIT_LENGTH = max(map(len, UNITS))
_ONE = frozenset(("1", "one"))  # a unit after it is singular

#: A Chinese numeral, perhaps ordinal (第), perhaps followed by a measure word (三组, 第二次).
_NUMERAL = re.compile(r"(第?)([零〇一二两三四五六七八九十百千万亿]+)(.*)", re.DOTALL)
PERCENT = re.compile(r"百分之([零〇一二两三四五六七八九十百千]+)")
DIGIT_RUN = re.compile(r"(?<![十百千万亿])([零〇一二三四五六七八九]{2,})(?![十百千万亿])")
_DECIMAL = re.compile(r"\d+(?:\.\d+)?")


def chinese_number(numeral: str) -> int | None:
    """The value of a Chinese numeral such as 三, 二十五, 一百零八, 三万 or 万 (10,000), or a run of
    digits read one by one (二〇〇五 2005, 八五 85); None if it is not one."""
    if len(numeral) > 1 and all(char in _DIGITS for char in numeral):
        return digit_run_value(numeral)
    total = section = digit = 0
    for char in numeral:
        if char in _DIGITS:
            digit = _DIGITS[char]
        elif char in _SCALES:
            total += (section + digit or 1) * _SCALES[char]  # 万人: a bare 万 is ten thousand
            section = digit = 0
        elif char in _MULTIPLIERS:
            section += (digit or 1) * _MULTIPLIERS[char]
            digit = 0
        else:
            return None
    return total + section + digit


def number_words(value: int, ordinal: bool = False) -> str:
    """A small number as an English word ("three", "third"), a larger one in digits ("25", "25th")."""
    if ordinal:
        if value < len(_ORDINALS):
            return _ORDINALS[value]
        suffix = "th" if 10 <= value % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")
        return f"{value}{suffix}"
    return _NUMBER_WORDS[value] if value < len(_NUMBER_WORDS) else f"{value:,}"


def unit_token(tokens: list[Token], word: str) -> Token | None:
    """The unit token a segmented word makes after a number (三组 "three groups", 以上 "or more"), or None."""
    previous = tokens[-1].kind if tokens else ""
    if previous in ("num", "ord") and word in UNITS:
        one = previous == "ord" or tokens[-1].text in _ONE
        return Token("unit", singular(UNITS[word]) if one else UNITS[word])
    if previous in ("num", "unit") and word in _AFTER_NUMBER:
        return Token("unit", _AFTER_NUMBER[word])
    return None


def numeral_tokens(simplified: str, known_word: bool) -> list[Token]:
    """A segmented word that is a Chinese numeral (二十, 第二次, 三组) as a number and its unit, or [].

    `known_word`: CC-CEDICT has the word (十分 "very", 万一 "in case") and it is longer than one
    character, so it is read as that word instead.
    """
    numeral = _NUMERAL.fullmatch(simplified)
    if not numeral or known_word:
        return []
    ordinal, value, measure = bool(numeral.group(1)), chinese_number(numeral.group(2)), numeral.group(3)
    if value is None or (measure and measure not in UNITS):
        return []
    tokens = [Token("ord" if ordinal else "num", number_words(value, ordinal))]
    if measure:
        tokens.append(Token("unit", singular(UNITS[measure]) if ordinal or value == 1 else UNITS[measure]))
    return tokens


def digit_runs(run: str) -> list[str]:
    """A run of Han text cut before and after each number written digit by digit (二〇〇五, 八五),
    which jieba would cut apart; two consecutive digits (三四 "three or four") are an estimate, not one."""
    return [part for part in DIGIT_RUN.split(run) if part]


def digit_run_value(part: str) -> int | None:
    """The value of a number written digit by digit (二〇〇五 2005, 八五 85), or None: two digits in a
    row are an estimate (三四 "three or four") or an adverb (一一 "one by one"), not a number."""
    if len(part) < 2 or not DIGIT_RUN.fullmatch(part):
        return None
    values = [_DIGITS[char] for char in part]
    if len(values) == 2 and values[1] in (values[0], values[0] + 1):
        return None
    return int("".join(map(str, values)))


def number_unit(tokens: list[Token], run: str) -> str:
    """Read a scale (万), a unit or a measure word after a number into `tokens`; the rest of the run."""
    number = tokens[-1].text
    if run[:1] in _SCALES and _DECIMAL.fullmatch(number):
        value = float(number) * _SCALES[run[0]]
        tokens[-1] = Token("num", f"{value:,.0f}" if value.is_integer() else f"{value:,}")
        run = run[1:]
    for length in range(min(_UNIT_LENGTH, len(run)), 0, -1):
        word = run[:length]
        if word not in UNITS:
            continue
        unit = UNITS[word]
        if word == "年" and len(number) == 4:
            unit = ""  # 2019年: a year, not a duration
        elif word == "年代" and number.isdigit():
            tokens[-1], unit = Token("num", f"{number}s"), ""  # 90年代, 50~60年代 "50-60s"
        elif word == "世纪" and number.isdigit():
            tokens[-1] = Token("ord", number_words(int(number), ordinal=True))  # 20世纪 "20th century"
        elif word == "月" and number.isdigit() and 1 <= int(number) <= 12:
            tokens[-1], unit = Token("num", _MONTHS[int(number) - 1]), ""
        elif word in ("日", "号") and any(token.text in _MONTHS for token in tokens[-3:-1]):
            unit = ""  # 3月5日: the fifth of March
        elif tokens[-1].kind == "ord" or number in _ONE:
            unit = singular(unit)  # 第3组 "third group", 1个月 "1 month"
        tokens.append(Token("unit", unit))
        return run[length:]
    return run

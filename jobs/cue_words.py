"""The cue words of a summary: words that mark a sentence as one to pick (bonus words) or to leave
(stigma words). Digest's cue-position summarizer (`jobs.summarize`) and sumy's Edmundson
(`jobs.summarizers`, whose cue method they were written for) both read them."""

from __future__ import annotations

#: Bonus words mark what a paper did and found; stigma words mark background, motivation and
#: hedging, which open most abstracts. Chinese entries are words as jieba splits them (结果表明 and
#: 结果显示 are single words); English entries are stemmed like the text, so inflections match.
EDMUNDSON_BONUS_WORDS = {
    "zh": (
        "本文 文中 本研究 笔者 提出 旨在 目的 基于 采用 建立 构建 设计 实现 首次 新 "
        "结果表明 结果显示 表明 显示 发现 证明 证实 揭示 结论 有效 显著 优于"
    ).split(),
    "en": (
        "paper article study propose present introduce develop establish design novel new "
        "result show demonstrate reveal find indicate prove confirm conclude conclusion "
        "effective significant outperform improve achieve"
    ).split(),
}
EDMUNDSON_STIGMA_WORDS = {
    "zh": (
        "随着 近年来 近年 目前 当前 传统 然而 但是 但 已经 日益 越来越 广泛 一直 往往 通常 "
        "可能 也许 此外 另外 例如 比如 众所周知 一般"
    ).split(),
    "en": (
        "however although though recently recent traditional conventional existing previous "
        "usually often widely increasingly may might perhaps example moreover furthermore"
    ).split(),
}

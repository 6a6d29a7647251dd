"""The words of academic Chinese that several parts of the gloss share: grammar words and academic
senses, the fields and their senses, determiners, quantifiers, the people a study is about,
countable nouns, circumpositions, control and reporting verbs, degrees, the country abbreviations.

Each table maps simplified Chinese to the English the engine puts in its place, or names a class
of words; the rules in `grammar/` decide where each applies. A table that one rule alone reads is
in that rule's module (RELATIONAL_ADJECTIVES in grammar/modifiers.py, POSSESSIVES in
grammar/of_phrases.py, ...), and the punctuation table is in joining.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

#: Words whose gloss is fixed by grammar rather than the dictionary; "" drops a particle.
FUNCTION_WORDS: dict[str, str] = {
    "的": "",
    "地": "",
    "得": "",
    "了": "",
    "着": "",
    "所": "",
    "把": "",
    "们": "",
    "个": "",
    "之": "of",
    "被": "by",
    "比": "than",
    "在": "in",
    "于": "in",
    "和": "and",
    "与": "and",
    "是": "is",
    "为": "as",
    "其": "its",
    "该": "this",
    "本": "this",
    "等": "etc.",
    "后": "after",
    "前": "before",
    "中": "in",
    "进行": "",
    "作为": "as",
    "可": "can",
    "可以": "can",
    "能": "can",
    "能够": "can",
    "将": "",
    "本文": "this paper",
    "较": "relatively",
    "非": "non-",
    # Adverbs and prepositions whose first dictionary sense is not the one prose uses.
    "已": "already",
    "均": "all",
    "都": "all",
    "到": "to",
    "向": "to",
    "经": "through",
    "当": "when",
    "时": "when",
    "上": "on",
    "下": "under",
    "内": "within",
    "随着": "with",
    "一种": "a",
    "进一步": "further",
    "分别": "respectively",
    "前后": "before and after",
    "对": "on",
    "以": "to",
    "及其": "and its",
    "应": "should",
    "会": "will",  # 会导致 "will lead to", not "meeting"
}

#: Words whose default dictionary sense is not the one academic prose means (治疗 "treatment",
#: not "therapy"; 我国 "China", not "my country"; 显著 "significant", not "outstanding"). Picked
#: from the most frequent words of the CSL abstracts (every discipline), each for the sense it
#: has in any abstract; no word that changes its meaning between fields (组织 "tissue" in
#: medicine, "organization" elsewhere) is here.
ACADEMIC_WORDS: dict[str, str] = {
    "我国": "China",
    "本研究": "this study",
    # Findings are reported in the past tense, as English abstracts report them.
    "表明": "showed",
    "显示": "showed",
    "结果表明": "results showed",
    "结果显示": "results showed",
    "提示": "suggested",
    "证实": "confirmed",
    "发现": "found",
    "提出": "propose",
    "建立": "establish",
    "采用": "use",
    "基于": "based on",
    "用于": "used for",
    "针对": "for",
    "呈": "show",
    "包括": "including",
    "确定": "determine",
    "解决": "solve",
    "治疗": "treatment",
    "应用": "application",
    "目的": "objective",
    "综述": "review",
    "进展": "progress",
    "型": "type",
    "法": "method",
    "度": "degree",
    "总": "total",
    "微": "micro-",
    "自我": "self-",
    "显著": "significant",
    "随机": "random",
    "一定": "certain",
    "最后": "finally",
    "最高": "highest",
    "正常": "normal",
    "需要": "need",
    "药物": "drug",
    "人群": "population",
    "病患": "patient",
    "核": "nuclear",  # jieba cuts 核 off only where it modifies the next word (核争端, 核政策)
    "凋亡": "apoptosis",
    "标志物": "marker",
    "质量": "quality",
    "评价": "evaluation",
    "诊断": "diagnosis",
    "意义": "significance",
    "回顾": "review",
    "测量": "measurement",
    "异常": "abnormal",  # 代谢异常 "metabolic abnormality", never "extremely" in an abstract
    "很少": "few",
    "高于": "higher than",
    "低于": "lower than",
    "多于": "more than",
    "少于": "less than",
    "大于": "greater than",
    "小于": "less than",
    "大多数": "most",
    "多数": "most",
    "大部分": "most",
    "绝大部分": "most",
    "绝大多数": "most",
    "一系列": "a series of",
    "明显": "significantly",  # 明显降低 "significantly reduced"
}


class Field(NamedTuple):
    """A field of study: the words that show a text is in it, and the senses its words have there."""

    name: str
    cues: tuple[str, ...]
    senses: dict[str, str]


#: Fields whose words read differently (组织 "tissue" in medicine, "organization" elsewhere). A call
#: of the engine (a chunk of a batch: related abstracts) is in the field whose cues it uses most,
#: at least FIELD_CUES times; otherwise in none, and every word has its default sense.
FIELDS = (
    Field(
        "medicine",
        tuple("患者 病人 治疗 临床 细胞 肿瘤 疾病 诊断 手术 药物 症状 基因 蛋白".split()),
        {
            "组织": "tissue",
            "通路": "pathway",
            "转移": "metastasis",
            "表达": "expression",
            "游离": "free",
            "分期": "staging",
            "生长": "growth",
            "靶向": "targeted",
            "生物": "biological",
            "表现": "manifestation",
            "腹腔镜": "laparoscopic",
            "神经": "neural",
            "随访": "follow-up",
            "弓": "arch",
            "膳食": "diet",
            "病变": "lesions",
            "精神": "mental",
        },
    ),
    Field(
        "international security",
        tuple("核武器 战略 军事 威慑 国际 外交 防扩散 冷战 军控 导弹 国家安全".split()),
        {
            "安全": "security",
            "威慑": "deterrence",
            "扩散": "proliferation",
            "防扩散": "non-proliferation",
            "延伸": "extended",
            "军控": "arms control",
            "美": "US",
            "苏": "Soviet",
            "英": "UK",
            "澳": "Australia",
            "三国": "three countries",
        },
    ),
)
FIELD_CUES = 3

#: Words that take the place of an article: no "the" after them.
DETERMINERS = frozenset("其 及其 该 本 这 此 这些 那些 各 每 我们 他们 我国 一种 一个 一 一些".split())
#: Words after which a noun is plural (这些问题 "these problems").
QUANTIFIERS = frozenset(
    "这些 那些 许多 很多 多种 各种 不同 一些 多个 诸多 众多 若干 几种 几个 多项 多数 大多数 大量 大部分 绝大部分 "
    "绝大多数 一系列".split()
)

#: One-character abbreviations of countries, which pair up in compounds: 中美 "China-US", 朝美 "North
#: Korea-US". Only characters whose pairs read as anything else in CC-CEDICT are left out (日中 "noon",
#: 朝日 "morning sun", 英中 "English-medium school"), and so are 法 "law" and 德 "virtue".
REGIONS: dict[str, str] = {
    "中": "China",
    "美": "US",
    "日": "Japan",
    "俄": "Russia",
    "英": "UK",
    "朝": "North Korea",
    "韩": "South Korea",
    "苏": "Soviet",
    "澳": "Australia",
}
_NOT_REGION_PAIRS = frozenset(("日中", "朝日", "英中"))


def region_pairs() -> dict[str, str]:
    """Every pair and three of country abbreviations as one word, and its English ("中美": "China-US",
    "美英澳": "US-UK-Australia")."""
    pairs = {
        first + second: f"{REGIONS[first]}-{REGIONS[second]}"
        for first in REGIONS
        for second in REGIONS
        if first != second and first + second not in _NOT_REGION_PAIRS
    }
    threes = {
        pair + third: f"{english}-{REGIONS[third]}"
        for pair, english in pairs.items()
        for third in REGIONS
        if third not in pair and pair[1] + third in pairs
    }
    return pairs | threes


#: The people and animals a study is about: an abstract means them in the plural ("patients").
SUBJECTS = frozenset(
    "患者 病人 病患 受试者 参与者 志愿者 儿童 幼儿 婴儿 婴幼儿 新生儿 青少年 学生 教师 医生 护士 孕妇 女性 男性 "
    "居民 农民 渔民 成人 大鼠 小鼠".split()
)

#: Countable nouns that academic prose uses in the plural when no determiner or number comes before
#: them (肿瘤细胞 "tumor cells", 危险因素 "risk factors"); only at the end of a phrase (细胞生长 "cell growth").
#: Written before measuring; five more (通路, 机制, 差异, 样品, 个体) read better in the singular.
COUNT_NOUNS = frozenset(
    "细胞 因素 基因 分子 症状 指标 特征 方法 药物 结果 病例 样本 物质 问题 参数 变量 因子 受体 蛋白 蛋白质 酶 抗体 "
    "途径 策略 措施 技术 标志物 并发症 事件 疾病 器官 组织 动物 结构 特点 成分 化合物 材料 产品 区域 地区 细菌 病毒 药 "
    "指南 模式 影响因素 变化 患儿 人员".split()
)
#: Words that the rules may have made plural and that still count as content words after it.
PLURAL_NOUNS = SUBJECTS | COUNT_NOUNS

#: Circumpositions: an opening word, then within the same clause a closing word. The pair reads
#: as one English preposition at the opener, the closer dropped (在 … 中 "in …", 与 … 相比
#: "compared with …"), or, given as a pair, as English at both places (起 … 作用 "play … role").
#: A closer written 的X must come right after 的, which goes with it (对 … 的影响 "influence on …").
CIRCUMPOSITIONS: dict[str, dict[str, str | tuple[str, str]]] = {
    "在": {
        "中": "in",
        "之中": "in",
        "当中": "in",
        "内": "in",
        "之内": "within",
        "里": "in",
        "上": "on",
        "之上": "on",
        "下": "under",
        "之下": "under",
        "后": "after",
        "之后": "after",
        "以后": "after",
        "前": "before",
        "之前": "before",
        "以前": "before",
        "时": "when",
        "之时": "when",
        "期间": "during",
        "之间": "between",
        "间": "between",
        "外": "outside",
        "之外": "outside",
        "方面": "in terms of",
    },
    "从": {"中": "from", "之中": "from", "里": "from", "以来": "since", "起": "from"},
    "自": {"以来": "since", "起": "from"},
    "与": {
        "相比": "compared with",
        "相比较": "compared with",
        "比较": "compared with",
        "相关": "related to",
        "有关": "related to",
        "密切相关": "closely related to",
        "无关": "unrelated to",
        "一致": "consistent with",
        "相似": "similar to",
        "类似": "similar to",
        "不同": "different from",
    },
    "和": {"相比": "compared with", "相比较": "compared with", "比较": "compared with"},
    "同": {"相比": "compared with", "相比较": "compared with"},
    "对": {
        "而言": "for",
        "来说": "for",
        "的影响": "effect on",
        "的作用": "effect on",
        "的研究": "research on",
        "的认识": "understanding of",
        "的治疗": "treatment of",
        "的诊断": "diagnosis of",
        "的评价": "evaluation of",
    },
    "受": {"影响": "affected by", "的影响": "affected by", "限制": "limited by", "的限制": "limited by"},
    "受到": {"影响": "affected by", "的影响": "affected by", "限制": "limited by", "的限制": "limited by"},
    "由": {"组成": "composed of", "构成": "composed of", "引起": "caused by", "所致": "caused by"},
    "起": {"作用": ("play", "role")},
    "起到": {"作用": ("play", "role")},
    "发挥": {"作用": ("play", "role")},
    "当": {"时": "when", "之时": "when"},
    "除": {"外": "except", "以外": "except", "之外": "except"},
    "以": {"为": ("with", "as"), "作为": ("with", "as"), "为主": "mainly with"},
}
CIRCUMPOSITIONS["对于"] = CIRCUMPOSITIONS["对"]
#: The closers that are grammar words (中, 以来, 而言), not content words (相关, 影响).
CLOSERS = frozenset(
    closer
    for opener in ("在", "从", "自", "当", "除", "对")
    for closer in CIRCUMPOSITIONS[opener]
    if not closer.startswith("的")
)

#: Verbs whose object is another verb, an infinitive in English (旨在提高 "aim to improve", 需要使用
#: "need to use"), with their English.
CONTROL_VERBS = {
    "需要": "need",
    "需": "need",
    "亟需": "urgently need",
    "旨在": "aim",
    "试图": "attempt",
    "有助于": "help",
    "拟": "intend",
    "希望": "hope",
    "计划": "plan",
    "开始": "begin",
    "继续": "continue",
    "倾向于": "tend",
    "致力于": "strive",
    "用来": "used",
    "用以": "used",
    "以便": "so as",
    "有望": "expected",
}
#: Verbs that report a finding; the comma Chinese puts after them reads "that" in English.
REPORTING = frozenset("表明 显示 结果表明 结果显示 发现 提示 证实 说明 认为 指出 证明".split())
#: One-character adjectives with their comparative and superlative, for 较/更 and 最 before them
#: and for the adjective that closes 比 … ("比对照组高" "higher than the control group").
DEGREES: dict[str, tuple[str, str]] = {
    "高": ("higher", "highest"),
    "低": ("lower", "lowest"),
    "大": ("larger", "largest"),
    "小": ("smaller", "smallest"),
    "多": ("more", "most"),
    "少": ("fewer", "fewest"),
    "好": ("better", "best"),
    "佳": ("better", "best"),
    "差": ("worse", "worst"),
    "长": ("longer", "longest"),
    "短": ("shorter", "shortest"),
    "强": ("stronger", "strongest"),
    "弱": ("weaker", "weakest"),
    "快": ("faster", "fastest"),
    "慢": ("slower", "slowest"),
    "早": ("earlier", "earliest"),
    "晚": ("later", "latest"),
    "宽": ("wider", "widest"),
    "深": ("deeper", "deepest"),
    "重": ("heavier", "heaviest"),
    "轻": ("lighter", "lightest"),
    "新": ("newer", "newest"),
    "远": ("farther", "farthest"),
    "近": ("closer", "closest"),
}
#: What ends a phrase after a content word: a list separator or a conjunction.
PHRASE_END = frozenset(("、", "和", "与", "及", "以及", "并", "并且", "而"))
COMPARING = ("较", "更", "更加", "较为", "越")  # before an adjective: its comparative
SUPERLATIVE = "最"

CLAUSE_END = frozenset("。，；：？！,;:?!.")  # not 、, which only separates the items of a list
CLAUSE = "|"  # what a clause-ending mark is among the words of a sentence


def text_field(sentences: Iterable[str]) -> Field | None:
    """The field whose cues a text uses most (at least FIELD_CUES times), or None."""
    text = "".join(sentences)
    counts = [(sum(text.count(cue) for cue in field.cues), index) for index, field in enumerate(FIELDS)]
    count, index = max(counts)
    return FIELDS[index] if count >= FIELD_CUES else None


def degree_word(word: str, unknown: bool = True) -> bool:
    """Whether a word is 较, 更 or 最 and an adjective: 较 always reads as a comparative, 更 and 最
    only where the dictionary does not know the word (更新 "renew", 最近 "recently")."""
    return len(word) == 2 and word[1] in DEGREES and (word[0] == "较" or (unknown and word[0] in "更最"))

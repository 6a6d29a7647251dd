"""The CTranslate2 translator folders digest knows, told apart by their files, and each one's token conventions.

A folder as CTranslate2's converters write it (`model.bin`, `config.json`, the vocabulary files)
with the model's own SentencePiece files copied beside it. Each family marks languages its own way,
as its Hugging Face tokenizer does:

| kind | tokenizer files | source tokens (zh->en) | target prefix |
|---|---|---|---|
| `ct2/opus-mt` (Marian) | `source.spm`, `target.spm` | pieces, `</s>` (unless the converter set `add_source_eos`); a multi-target model's `>>eng<<` first | none |
| `ct2/nllb` (NLLB-200) | `sentencepiece.bpe.model` | `zho_Hans`, pieces, `</s>` | `eng_Latn` |
| `ct2/m2m` (M2M-100) | `sentencepiece.bpe.model` or `spm.128k.model` | `__zh__`, pieces, `</s>` | `__en__` |
| `ct2/madlad` (MADLAD-400, T5) | `spiece.model` | `<2en>`, pieces, `</s>` | none |

An OPUS-MT model translates one way, told by which of its SentencePiece models writes Chinese;
the multilingual ones translate both ways with one folder when their vocabulary has both
languages' tokens. Nothing here imports SentencePiece or CTranslate2 at import time.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ...errors import ModelPackageError
from ..neural import spec_name

#: CTranslate2's vocabulary files, in the names its converters give them.
_VOCABULARIES = {
    "shared": ("shared_vocabulary.json", "shared_vocabulary.txt"),
    "source": ("source_vocabulary.json", "source_vocabulary.txt"),
    "target": ("target_vocabulary.json", "target_vocabulary.txt"),
}
#: The model specification an encoder-decoder translator's model.bin names (a decoder-only model's is another).
TRANSLATOR_SPEC = "TransformerSpec"

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
#: An OPUS-MT source SentencePiece model counts as Chinese when this share of its pieces holds a Han character.
_CHINESE_SHARE = 0.05


@dataclass(frozen=True)
class Direction:
    """How one language pair goes through the model: the tokenizers, and the tokens around a sentence."""

    source_lang: str
    target_lang: str
    source_tokenizer: str
    target_tokenizer: str
    source_prefix: tuple[str, ...] = ()
    source_suffix: tuple[str, ...] = ()
    target_prefix: tuple[str, ...] = ()


@dataclass(frozen=True)
class Layout:
    """What kind of model a folder holds, and the pairs it translates."""

    kind: str
    directions: tuple[Direction, ...]
    #: Tokens the model may write that are no text: language tokens, padding, padding words.
    special: re.Pattern[str]

    def direction(self, source_lang: str, target_lang: str) -> Direction | None:
        return next((d for d in self.directions if (d.source_lang, d.target_lang) == (source_lang, target_lang)), None)

    @property
    def pairs(self) -> list[tuple[str, str]]:
        return [(d.source_lang, d.target_lang) for d in self.directions]


#: Each family's language tokens, and the tokens every family's vocabulary may have that are no text.
_COMMON_SPECIAL = r"<s>|</s>|<pad>|<unk>|<mask>|madeupword\d+|<extra_id_\d+>"
_SPECIAL = {
    "ct2/opus-mt": re.compile(rf"(?:{_COMMON_SPECIAL}|>>[\w-]+<<)"),
    "ct2/nllb": re.compile(rf"(?:{_COMMON_SPECIAL}|[a-z]{{3}}_[A-Z][a-z]{{3}})"),
    "ct2/m2m": re.compile(rf"(?:{_COMMON_SPECIAL}|__[a-z]{{2,3}}(?:_[A-Za-z]+)?__)"),
    "ct2/madlad": re.compile(rf"(?:{_COMMON_SPECIAL}|<2[\w-]+>)"),
}
#: Each multilingual family's token for Chinese and for English, and where the target's goes.
_LANGUAGE_TOKENS = {
    "ct2/nllb": {"zh": "zho_Hans", "en": "eng_Latn"},
    "ct2/m2m": {"zh": "__zh__", "en": "__en__"},
    "ct2/madlad": {"zh": "<2zh>", "en": "<2en>"},
}
#: A multi-target OPUS-MT model wants its target's token first in the source; the first of these its vocabulary has.
_OPUS_TARGET_TOKENS = {
    "en": (">>eng<<", ">>en<<"),
    "zh": (">>cmn_Hans<<", ">>zho_Hans<<", ">>cmn<<", ">>zho<<", ">>zh<<"),
}

EXPECTED = (
    "a CTranslate2 translator folder (model.bin, config.json and its vocabulary, as ct2-transformers-converter "
    "or ct2-opus-mt-converter write it) with the model's SentencePiece files copied in: source.spm and "
    "target.spm (OPUS-MT), sentencepiece.bpe.model (NLLB-200, M2M-100), spm.128k.model (M2M-100) or "
    "spiece.model (MADLAD-400)"
)


def detect(folder: Path, read_tokenizers: bool = True) -> Layout:
    """The layout of a CTranslate2 translator folder; ModelPackageError saying what is missing or wrong.

    Without `read_tokenizers`, only the files are checked, no SentencePiece model is parsed (a
    damaged one could crash this process), and an OPUS-MT model's direction is left open (no
    `directions`): what `digest models add` checks before it copies the folder and loads it in a
    child process.
    """
    if not folder.is_dir():
        raise ModelPackageError(f"{folder}: not a folder; digest models add takes {EXPECTED}")
    missing = [name for name in ("model.bin", "config.json") if not (folder / name).is_file()]
    if missing:
        raise ModelPackageError(f"{folder}: no {' or '.join(missing)}; digest models add takes {EXPECTED}")
    spec = spec_name(folder)
    if spec != TRANSLATOR_SPEC:
        what = f"a {spec} model" if spec else "not a CTranslate2 model file"
        raise ModelPackageError(f"{folder}: model.bin is {what}, not an encoder-decoder translator ({TRANSLATOR_SPEC})")
    config = _config(folder)
    source_vocabulary, target_vocabulary = vocabularies(folder)
    if (folder / "source.spm").is_file() and (folder / "target.spm").is_file():
        if not read_tokenizers:
            return Layout("ct2/opus-mt", (), _SPECIAL["ct2/opus-mt"])
        return _opus_mt(folder, config, source_vocabulary)
    tokenizers = {
        "ct2/nllb": ("sentencepiece.bpe.model",),
        "ct2/m2m": ("sentencepiece.bpe.model", "spm.128k.model"),
        "ct2/madlad": ("spiece.model",),
    }
    for kind, names in tokenizers.items():
        tokenizer = next((name for name in names if (folder / name).is_file()), None)
        tokens = _LANGUAGE_TOKENS[kind]
        if tokenizer is not None and tokens["zh"] in source_vocabulary and tokens["en"] in source_vocabulary:
            return _multilingual(kind, tokenizer, config, target_vocabulary)
    raise ModelPackageError(
        f"{folder}: not a Chinese-English model digest knows how to tokenize: it takes {EXPECTED}, "
        "whose vocabulary has the Chinese and English language tokens (zho_Hans and eng_Latn, __zh__ and "
        "__en__, or <2zh> and <2en>)"
    )


def _opus_mt(folder: Path, config: dict[str, object], source_vocabulary: set[str]) -> Layout:
    source_chinese = _chinese_share(folder / "source.spm") >= _CHINESE_SHARE
    target_chinese = _chinese_share(folder / "target.spm") >= _CHINESE_SHARE
    if source_chinese == target_chinese:
        sides = "both" if source_chinese else "neither"
        raise ModelPackageError(
            f"{folder}: an OPUS-MT model whose source.spm and target.spm {sides} write Chinese; "
            "digest takes a Chinese->English or English->Chinese model"
        )
    source_lang, target_lang = ("zh", "en") if source_chinese else ("en", "zh")
    prefix = next((token for token in _OPUS_TARGET_TOKENS[target_lang] if token in source_vocabulary), None)
    direction = Direction(
        source_lang,
        target_lang,
        "source.spm",
        "target.spm",
        source_prefix=(prefix,) if prefix else (),
        source_suffix=() if config.get("add_source_eos") else ("</s>",),
    )
    return Layout("ct2/opus-mt", (direction,), _SPECIAL["ct2/opus-mt"])


def _multilingual(kind: str, tokenizer: str, config: dict[str, object], target_vocabulary: set[str]) -> Layout:
    tokens = _LANGUAGE_TOKENS[kind]
    directions = []
    for source_lang, target_lang in (("zh", "en"), ("en", "zh")):
        if tokens[target_lang] not in target_vocabulary:
            continue
        suffix: tuple[str, ...] = () if config.get("add_source_eos") else ("</s>",)
        if kind == "ct2/madlad":  # T5: the target language is said in the source
            direction = Direction(source_lang, target_lang, tokenizer, tokenizer, (tokens[target_lang],), suffix)
        else:  # NLLB and M2M-100: the source language before the sentence, the target's as the decoder's first token
            direction = Direction(
                source_lang, target_lang, tokenizer, tokenizer, (tokens[source_lang],), suffix, (tokens[target_lang],)
            )
        directions.append(direction)
    return Layout(kind, tuple(directions), _SPECIAL[kind])


def _config(folder: Path) -> dict[str, object]:
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ModelPackageError(f"{folder}: config.json cannot be read ({error})") from None
    if not isinstance(config, dict):
        raise ModelPackageError(f"{folder}: config.json is not a JSON object")
    return config


def vocabularies(folder: Path) -> tuple[set[str], set[str]]:
    """The tokens of the model's source and target vocabularies (the same set when it has one shared)."""
    shared = _vocabulary(folder, "shared")
    if shared is not None:
        return shared, shared
    source, target = _vocabulary(folder, "source"), _vocabulary(folder, "target")
    if source is None or target is None:
        raise ModelPackageError(
            f"{folder}: no vocabulary (shared_vocabulary.json, or source_ and target_vocabulary.json) beside model.bin"
        )
    return source, target


def _vocabulary(folder: Path, side: str) -> set[str] | None:
    for name in _VOCABULARIES[side]:
        path = folder / name
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
            tokens = json.loads(text) if name.endswith(".json") else text.split("\n")
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise ModelPackageError(f"{path}: cannot be read ({error})") from None
        if not isinstance(tokens, list) or not all(isinstance(token, str) for token in tokens):
            raise ModelPackageError(f"{path}: not a list of tokens")
        return set(tokens)
    return None


def _chinese_share(path: Path) -> float:
    """The share of a SentencePiece model's pieces that hold a Han character."""
    import sentencepiece

    try:
        processor = sentencepiece.SentencePieceProcessor(model_file=str(path))
    except (OSError, RuntimeError) as error:
        raise ModelPackageError(f"{path}: not a SentencePiece model ({' '.join(str(error).split())})") from None
    size = processor.get_piece_size()
    chinese = sum(1 for index in range(size) if _HAN.search(processor.id_to_piece(index)))
    return chinese / max(size, 1)


def layout_as_json(layout: Layout) -> dict[str, object]:
    """The layout as `digest-model.json` keeps it."""
    return {
        "kind": layout.kind,
        "directions": [
            {
                "from": d.source_lang,
                "to": d.target_lang,
                "source_tokenizer": d.source_tokenizer,
                "target_tokenizer": d.target_tokenizer,
                "source_prefix": list(d.source_prefix),
                "source_suffix": list(d.source_suffix),
                "target_prefix": list(d.target_prefix),
            }
            for d in layout.directions
        ],
    }


def layout_from_json(value: object) -> Layout:
    """The layout `layout_as_json` wrote; ValueError (or KeyError, TypeError) when it is not one."""
    if not isinstance(value, dict) or value.get("kind") not in _SPECIAL:
        raise ValueError("not a layout")
    directions = []
    for item in value["directions"]:
        source_lang, target_lang, source_tokenizer, target_tokenizer = (
            str(item[key]) for key in ("from", "to", "source_tokenizer", "target_tokenizer")
        )
        if any("/" in name or name.startswith(".") for name in (source_tokenizer, target_tokenizer)):
            raise ValueError("a tokenizer outside the folder")
        prefix, suffix, target_prefix = (
            tuple(map(str, item[key])) for key in ("source_prefix", "source_suffix", "target_prefix")
        )
        directions.append(
            Direction(source_lang, target_lang, source_tokenizer, target_tokenizer, prefix, suffix, target_prefix)
        )
    if not directions:
        raise ValueError("no directions")
    return Layout(str(value["kind"]), tuple(directions), _SPECIAL[str(value["kind"])])

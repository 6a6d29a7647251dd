"""Build real-format Argos Translate packages (``.argosmodel``) with random weights.

No real translation model can be downloaded where digest's tests run, yet the `argos` engine
should be exercised end to end: install the package, load it with argostranslate's package API,
tokenize, translate with CTranslate2, decode. :func:`build_argos_package` writes a package that is
real in every respect but one: its Transformer weights are random numbers, so what it "translates"
is noise. Everything else is what an official package holds:

* a zip with one top folder, ``translate-<from>_<to>-<version with _>/``, holding
  ``metadata.json`` (the fields argostranslate reads), a ``README.md`` that says what the package
  is, and ``model/``, a CTranslate2 Transformer model (``model.bin``, ``config.json``,
  ``shared_vocabulary.json``) written by CTranslate2's own converter machinery
  (``TransformerSpec`` -> ``validate`` -> ``optimize(quantization)`` -> ``save``);
* a tokenizer trained on the text given: ``sentencepiece.model`` (a real SentencePiece unigram
  model with byte fallback, so any Chinese character can be encoded) or ``bpe.model`` (a
  subword-nmt style codes file learned here over Moses-tokenized text, read by
  ``argostranslate.apply_bpe.BPE`` exactly as argostranslate's ``BPETokenizer`` reads it).

The CTranslate2 vocabulary is the tokenizer's: for SentencePiece, its pieces in id order
(``<unk>``, ``<s>``, ``</s>``, the 256 byte pieces, then the learned pieces); for BPE, the
special tokens then every token the BPE tokenizer emits for the training text (plus every
single character of it, word-internal ``c@@`` and word-final ``c``), so that text like the
training text never meets ``<unk>``; anything else maps to ``<unk>`` inside CTranslate2.

The random model is honest about being random but made to behave usefully for tests:

* weights are drawn from a normal distribution scaled like a standard initialisation
  (std ``1/sqrt(fan_in)``), layer norms have gamma close to 1 and beta close to 0, and the
  position encodings are the usual sinusoidal table; the source and target embeddings are one
  shared matrix (as in Argos's OpenNMT-py models, which share the vocabulary);
* the output projection's bias is lowered by :data:`EOS_LOGIT_BIAS` for ``</s>`` and by
  :data:`SPECIAL_LOGIT_BIAS` for ``<unk>``, ``<s>`` and the byte pieces, so that a random model
  does not end a translation at its first step (an empty output) nor emit special tokens or
  undecodable bytes: its output is a non-empty run of ordinary pieces (a word salad of the
  training text's pieces, often repetitive) that goes on until ``max_decoding_length``;
* the same arguments (seed included) give byte-identical ``model.bin`` and tokenizer files, and
  the zip itself is reproducible (fixed timestamps, sorted entries).

This module imports neither argostranslate nor CTranslate2 at import time: importing
``argostranslate.package`` creates folders in the user's home, and ``ctranslate2.specs`` imports
torch where it is installed (about a second, once per process). Only ``argostranslate.apply_bpe`` (no side effects) is used, and only
when a BPE package is built.
"""

from __future__ import annotations

import io
import json
import math
import re
import tempfile
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ctranslate2.specs import TransformerSpec
    from ctranslate2.specs.common_spec import LayerNormSpec, LinearSpec

__all__ = [
    "ARGOS_VERSION",
    "EOS_LOGIT_BIAS",
    "POSITION_TABLE_SIZE",
    "SPECIAL_LOGIT_BIAS",
    "build_argos_package",
    "fill_random_weights",
    "package_folder_name",
    "save_ctranslate2_model",
    "train_sentencepiece",
]

#: The ``argos_version`` written into ``metadata.json`` (that of the current official packages).
ARGOS_VERSION = "1.9"

#: Added to the ``</s>`` logit of the output projection. A random model otherwise picks ``</s>``
#: about as often as any other token, and beam search then often returns an empty translation.
EOS_LOGIT_BIAS = -10.0

#: Added to the logits of ``<unk>``, ``<s>`` and SentencePiece's byte pieces (``<0xE4>``): a real
#: model never emits the first two in a translation and rarely the bytes, and random bytes decode
#: to U+FFFD and control characters rather than to text.
SPECIAL_LOGIT_BIAS = -20.0

#: Rows of the sinusoidal position table (the longest source, and the longest translation, in
#: tokens). OpenNMT-py's default, as in the official Argos models converted from it.
POSITION_TABLE_SIZE = 5000

#: Tokens at the start of every vocabulary, with the ids CTranslate2's config expects by name.
_UNK, _BOS, _EOS = "<unk>", "<s>", "</s>"
_SPECIALS = (_UNK, _BOS, _EOS)
_BYTE_PIECE = re.compile(r"<0x[0-9A-F]{2}>")

#: SentencePiece's fixed pieces with byte fallback: <unk>, <s>, </s> and <0x00>..<0xFF>.
_SENTENCEPIECE_META_PIECES = len(_SPECIALS) + 256

#: Fixed timestamp for the zip entries, so that the same package gives the same bytes.
_ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)

_LANGUAGE_NAMES = {
    "ar": "Arabic",
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "pt": "Portuguese",
    "ru": "Russian",
    "zh": "Chinese",
    "zt": "Chinese (traditional)",
}


def package_folder_name(from_code: str, to_code: str, package_version: str) -> str:
    """The top folder of a package, as official packages name it (``translate-zh_en-1_9``)."""
    return f"translate-{from_code}_{to_code}-{package_version.replace('.', '_')}"


def build_argos_package(
    destination: Path,
    *,
    training_text: str,
    from_code: str = "zh",
    to_code: str = "en",
    package_version: str = "1.0",
    tokenizer: str = "sentencepiece",
    encoder_layers: int = 1,
    decoder_layers: int = 1,
    d_model: int = 16,
    ffn_dim: int = 32,
    heads: int = 2,
    vocab_size: int = 400,
    quantization: str | None = None,
    seed: int = 0,
    target_prefix: str = "",
    eos_logit_bias: float = EOS_LOGIT_BIAS,
) -> Path:
    """Write an Argos Translate package with a random-weight Transformer to ``destination``.

    Args:
        destination: The ``.argosmodel`` file to write (a zip); its folder must exist. An
            existing file is replaced.
        training_text: Text to train the tokenizer on, one or more sentences or paragraphs a
            line. The tokenizer's vocabulary, hence the model's, comes from this text only.
        from_code: Source language code (ISO 639), as in ``metadata.json``.
        to_code: Target language code.
        package_version: The package's version; also names its top folder.
        tokenizer: ``"sentencepiece"`` (``sentencepiece.model``) or ``"bpe"`` (``bpe.model``).
        encoder_layers: Transformer encoder layers.
        decoder_layers: Transformer decoder layers.
        d_model: Model (embedding) width; a multiple of ``heads`` and even.
        ffn_dim: Width of the feed-forward layers.
        heads: Attention heads.
        vocab_size: SentencePiece vocabulary size, or the number of BPE merges to learn. Both
            are upper bounds: a small text gives fewer pieces (``hard_vocab_limit=false``; the
            19 kB sample export gives at most about 1,900 pieces) or fewer merges (merging stops
            when no pair occurs twice). SentencePiece needs at least 267: 259 pieces are fixed
            (``<unk>``, ``<s>``, ``</s>`` and the 256 byte pieces).
        quantization: CTranslate2 weight type, e.g. ``"int8"`` (None keeps float32).
        seed: Seed of the random weights. Same arguments, same bytes.
        target_prefix: Token the decoder starts each translation with (multilingual models'
            ``__en__``); written to ``metadata.json`` and added to the vocabulary when not empty.
        eos_logit_bias: Added to the ``</s>`` logit. The default keeps the model from ever
            stopping (outputs run to the decoding limit); a positive bias makes it stop after a
            number of tokens that grows with the bias, for benchmarks that want real-looking
            output lengths.

    Returns:
        ``destination``.

    Raises:
        ValueError: Bad arguments, or a text too small for the tokenizer.
    """
    if tokenizer not in ("sentencepiece", "bpe"):
        raise ValueError(f"tokenizer must be 'sentencepiece' or 'bpe', not {tokenizer!r}")
    if d_model % heads or d_model % 2:
        raise ValueError(f"d_model ({d_model}) must be even and a multiple of heads ({heads})")
    if min(encoder_layers, decoder_layers, d_model, ffn_dim, heads, vocab_size) < 1:
        raise ValueError("layers, widths, heads and vocab_size must be positive")
    if target_prefix and (target_prefix.strip() != target_prefix or " " in target_prefix):
        raise ValueError("target_prefix must be a single token without spaces")
    lines = [line.strip() for line in training_text.splitlines() if line.strip()]
    if not lines:
        raise ValueError("training_text is empty")

    destination = Path(destination)
    top = package_folder_name(from_code, to_code, package_version)
    files: dict[str, bytes] = {}

    if tokenizer == "sentencepiece":
        model_bytes, vocabulary = train_sentencepiece(lines, vocab_size, [target_prefix] if target_prefix else [])
        files["sentencepiece.model"] = model_bytes
    else:
        codes_text, vocabulary = _train_bpe(lines, vocab_size, from_code, target_prefix)
        files["bpe.model"] = codes_text.encode("utf-8")

    spec = _random_transformer(
        vocabulary,
        encoder_layers=encoder_layers,
        decoder_layers=decoder_layers,
        d_model=d_model,
        ffn_dim=ffn_dim,
        heads=heads,
        seed=seed,
        eos_logit_bias=eos_logit_bias,
    )
    for name, data in save_ctranslate2_model(spec, quantization).items():
        files[f"model/{name}"] = data

    metadata: dict[str, Any] = {
        "package_version": package_version,
        "argos_version": ARGOS_VERSION,
        "from_code": from_code,
        "from_name": _LANGUAGE_NAMES.get(from_code, from_code),
        "to_code": to_code,
        "to_name": _LANGUAGE_NAMES.get(to_code, to_code),
        "type": "translate",
        "links": [],
    }
    if target_prefix:
        metadata["target_prefix"] = target_prefix
    files["metadata.json"] = (json.dumps(metadata, indent=4, ensure_ascii=False) + "\n").encode("utf-8")
    files["README.md"] = _readme(
        metadata,
        tokenizer=tokenizer,
        vocabulary_size=len(vocabulary),
        shape=(encoder_layers, decoder_layers, d_model, ffn_dim, heads),
        quantization=quantization,
        seed=seed,
        eos_logit_bias=eos_logit_bias,
    ).encode("utf-8")

    _write_zip(destination, top, files)
    return destination


# --- tokenizers -----------------------------------------------------------------------------


def train_sentencepiece(
    lines: Sequence[str],
    vocab_size: int,
    user_symbols: Sequence[str] = (),
    *,
    model_type: str = "unigram",
    t5_ids: bool = False,
) -> tuple[bytes, list[str]]:
    """Train a SentencePiece model in memory; return its bytes and its pieces by id.

    `user_symbols` (language tokens, a target prefix) are pieces the model keeps whole.
    `model_type` is `unigram` (Argos's, T5's) or `bpe` (NLLB's and M2M-100's). With `t5_ids`,
    the fixed pieces are T5's, `<pad>`, `</s>`, `<unk>` (no `<s>`), as in MADLAD-400's
    `spiece.model`; else `<unk>`, `<s>`, `</s>`.

    Byte fallback is on, so characters outside the vocabulary are encoded as UTF-8 byte pieces
    instead of ``<unk>``. SentencePiece needs every character it keeps (at least 98% of the
    text's characters, by frequency) in the vocabulary; when the text has more distinct
    characters than ``vocab_size`` leaves room for (Chinese text does), the rarest ones are
    removed from the training sentences so that the most frequent characters fill about half
    the free slots and longer pieces the rest. The removed characters still encode, as bytes.
    """
    import sentencepiece as spm

    user_symbols = list(user_symbols)
    fixed = _SENTENCEPIECE_META_PIECES + len(user_symbols)
    free = vocab_size - fixed
    if free < 8:
        raise ValueError(
            f"vocab_size {vocab_size} is too small for SentencePiece with byte fallback: "
            f"{fixed} pieces are fixed (specials, 256 bytes, target prefix); use at least {fixed + 8}"
        )
    normalized = [unicodedata.normalize("NFKC", line) for line in lines]
    counts = Counter(char for line in normalized for char in line if not char.isspace())
    by_frequency = [char for char, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
    kept = min(len(by_frequency), free // 2)
    ids = {"pad_id": 0, "eos_id": 1, "unk_id": 2, "bos_id": -1} if t5_ids else {}
    error: Exception | None = None
    while kept >= 2:
        keep = set(by_frequency[:kept])
        sentences = ["".join(c for c in line if c in keep or c.isspace()).strip() for line in normalized]
        model = io.BytesIO()
        try:
            spm.SentencePieceTrainer.train(
                sentence_iterator=iter([sentence for sentence in sentences if sentence]),
                model_writer=model,
                model_type=model_type,
                vocab_size=vocab_size,
                hard_vocab_limit=False,
                byte_fallback=True,
                character_coverage=1.0,
                user_defined_symbols=user_symbols,
                max_sentence_length=1 << 16,
                num_threads=1,
                minloglevel=2,
                **ids,
            )
        except RuntimeError as exc:  # SentencePiece counts a few more characters (e.g. "▁")
            error = exc
            kept = kept * 3 // 4
            continue
        processor = spm.SentencePieceProcessor(model_proto=model.getvalue())
        pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
        if pieces[:3] != (["<pad>", _EOS, _UNK] if t5_ids else list(_SPECIALS)):
            raise AssertionError(f"unexpected SentencePiece special pieces {pieces[:3]}")
        return model.getvalue(), pieces
    raise ValueError(f"cannot train SentencePiece on this text with vocab_size {vocab_size}: {error}")


def _moses_tokens(lines: Sequence[str], lang: str) -> list[list[str]]:
    """Tokenize lines as argostranslate's ``BPETokenizer.encode`` does before applying BPE."""
    from sacremoses.normalize import MosesPunctNormalizer
    from sacremoses.tokenize import MosesTokenizer

    normalizer = MosesPunctNormalizer(lang)
    moses = MosesTokenizer(lang)
    tokenized = []
    for line in lines:
        joined = " ".join(moses.tokenize(normalizer.normalize(line)))
        tokenized.append([token for token in joined.strip("\r\n ").split(" ") if token])
    return tokenized


def _learn_bpe(word_counts: Counter[str], merges: int, min_frequency: int = 2) -> list[tuple[str, str]]:
    """Learn up to ``merges`` BPE merge operations (subword-nmt's codes format, version 0.2).

    Words start as their characters with ``</w>`` glued to the last one. Each step merges the
    most frequent adjacent pair (ties broken by the pair itself, so the result is deterministic)
    and updates the pair counts of the words that contained it only. Learning stops early when
    no pair occurs ``min_frequency`` times.
    """
    words = [tuple(word[:-1]) + (word[-1] + "</w>",) for word in sorted(word_counts)]
    freqs = [word_counts[word] for word in sorted(word_counts)]
    stats: Counter[tuple[str, str]] = Counter()
    where: dict[tuple[str, str], set[int]] = {}
    for index, (symbols, freq) in enumerate(zip(words, freqs, strict=True)):
        for pair in pairwise(symbols):
            stats[pair] += freq
            where.setdefault(pair, set()).add(index)

    learned: list[tuple[str, str]] = []
    while len(learned) < merges and stats:
        best = max(stats, key=lambda pair: (stats[pair], pair))
        if stats[best] < min_frequency:
            break
        learned.append(best)
        first, second = best
        for index in sorted(where.pop(best, ())):
            symbols, freq = words[index], freqs[index]
            merged: list[str] = []
            i = 0
            while i < len(symbols):
                if i + 1 < len(symbols) and symbols[i] == first and symbols[i + 1] == second:
                    merged.append(first + second)
                    i += 2
                else:
                    merged.append(symbols[i])
                    i += 1
            if len(merged) == len(symbols):
                continue
            for pair in pairwise(symbols):
                stats[pair] -= freq
                if stats[pair] <= 0:
                    del stats[pair]
            new_symbols = tuple(merged)
            for pair in pairwise(new_symbols):
                stats[pair] += freq
                where.setdefault(pair, set()).add(index)
            words[index] = new_symbols
        stats.pop(best, None)
    return learned


def _train_bpe(lines: Sequence[str], merges: int, lang: str, target_prefix: str) -> tuple[str, list[str]]:
    """Learn a BPE codes file over Moses tokens of ``lines``; return it and the model vocabulary.

    The vocabulary is what argostranslate's own ``apply_bpe.BPE`` emits for the training text,
    most frequent first, plus every character of it as a word-internal (``c@@``) and a
    word-final (``c``) token, after the special tokens and ``target_prefix``.
    """
    from argostranslate.apply_bpe import BPE  # no side effects, unlike argostranslate.package

    tokenized = _moses_tokens(lines, lang)
    word_counts = Counter(token for tokens in tokenized for token in tokens)
    codes = "#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in _learn_bpe(word_counts, merges))

    bpe = BPE(io.StringIO(codes))
    emitted: Counter[str] = Counter()
    for tokens in tokenized:
        emitted.update(bpe.segment_tokens(tokens))
    vocabulary = list(_SPECIALS) + ([target_prefix] if target_prefix else [])
    seen = set(vocabulary)
    for token, _ in sorted(emitted.items(), key=lambda item: (-item[1], item[0])):
        if token not in seen:
            vocabulary.append(token)
            seen.add(token)
    for char in sorted({char for word in word_counts for char in word}):
        for token in (char + "@@", char):
            if token not in seen:
                vocabulary.append(token)
                seen.add(token)
    return codes, vocabulary


# --- the CTranslate2 model ------------------------------------------------------------------


def _sinusoidal_positions(rows: int, width: int) -> np.ndarray:
    """The Transformer's sinusoidal position table: sines in the first half, cosines in the second."""
    half = width // 2
    inverse_frequencies = np.exp(-math.log(10000.0) * np.arange(half, dtype=np.float64) / max(half - 1, 1))
    angles = np.arange(rows, dtype=np.float64)[:, None] * inverse_frequencies[None, :]
    return np.concatenate([np.sin(angles), np.cos(angles)], axis=1).astype(np.float32)


def _random_transformer(
    vocabulary: Sequence[str],
    *,
    encoder_layers: int,
    decoder_layers: int,
    d_model: int,
    ffn_dim: int,
    heads: int,
    seed: int,
    eos_logit_bias: float = EOS_LOGIT_BIAS,
) -> TransformerSpec:
    """A pre-norm Transformer spec (Argos's OpenNMT-py shape) with every variable set to seeded random values."""
    from ctranslate2.specs import TransformerSpec

    spec = TransformerSpec.from_config((encoder_layers, decoder_layers), heads)
    fill_random_weights(spec, vocabulary, d_model=d_model, ffn_dim=ffn_dim, seed=seed, eos_logit_bias=eos_logit_bias)
    spec.register_source_vocabulary(list(vocabulary))
    spec.register_target_vocabulary(list(vocabulary))
    spec.config.unk_token = _UNK
    spec.config.bos_token = _BOS
    spec.config.eos_token = _EOS
    spec.config.decoder_start_token = _BOS
    return spec


def fill_random_weights(
    spec: TransformerSpec,
    vocabulary: Sequence[str],
    *,
    d_model: int,
    ffn_dim: int,
    seed: int,
    eos_logit_bias: float = EOS_LOGIT_BIAS,
    quiet: Sequence[str] = (),
    favour: dict[str, float] | None = None,
) -> None:
    """Set every variable of a Transformer spec made by `TransformerSpec.from_config` to seeded random values.

    Any variant `from_config` makes is filled: pre-norm (Argos, NLLB, M2M-100) or post-norm
    (Marian), with sinusoidal position encodings or T5's relative attention bias (MADLAD-400),
    layer norms or RMS norms (gamma only), plain or gated feed-forward layers. Shapes follow
    CTranslate2's layout (linear weights are ``[out, in]``; self-attention has a fused
    ``[3d, d]`` query/key/value projection; encoder-decoder attention a ``[d, d]`` query and a
    fused ``[2d, d]`` key/value projection). Linear layers get biases unless the spec uses RMS
    norms (T5 has none), except the output projection, which always has one: the biases
    described in the module docstring for ``</s>``, ``<unk>``, ``<s>`` and byte pieces, plus
    `SPECIAL_LOGIT_BIAS` for the tokens in `quiet` and each bias of `favour` for its token. The
    variables are drawn in a fixed order from one ``numpy.random.Generator``, so a seed always
    gives the same model.
    """
    rng = np.random.default_rng(seed)
    size = len(vocabulary)
    rms = not hasattr(spec.encoder.layer[0].ffn.layer_norm, "beta")

    def normal(shape: tuple[int, ...], std: float) -> np.ndarray:
        return rng.standard_normal(shape, dtype=np.float32) * np.float32(std)

    def linear(spec: LinearSpec, out_dim: int, in_dim: int) -> None:
        spec.weight = normal((out_dim, in_dim), in_dim**-0.5)
        if not rms:
            spec.bias = normal((out_dim,), 0.02)

    def layer_norm(spec: LayerNormSpec) -> None:
        spec.gamma = 1.0 + normal((d_model,), 0.02)
        if hasattr(spec, "beta"):
            spec.beta = normal((d_model,), 0.02)

    def attention(spec: Any, self_attention: bool) -> None:
        layer_norm(spec.layer_norm)
        if self_attention:
            linear(spec.linear[0], 3 * d_model, d_model)
            linear(spec.linear[1], d_model, d_model)
        else:
            linear(spec.linear[0], d_model, d_model)
            linear(spec.linear[1], 2 * d_model, d_model)
            linear(spec.linear[2], d_model, d_model)

    def feed_forward(spec: Any) -> None:
        layer_norm(spec.layer_norm)
        linear(spec.linear_0, ffn_dim, d_model)
        linear(spec.linear_1, d_model, ffn_dim)
        if hasattr(spec, "linear_0_noact"):
            linear(spec.linear_0_noact, ffn_dim, d_model)

    # One embedding matrix for both sides (aliased in model.bin), scaled by sqrt(d_model) on use.
    embeddings = normal((size, d_model), d_model**-0.5)
    positions = _sinusoidal_positions(POSITION_TABLE_SIZE, d_model)

    for stack in (spec.encoder, spec.decoder):
        (stack.embeddings[0] if isinstance(stack.embeddings, list) else stack.embeddings).weight = embeddings
        if hasattr(stack, "position_encodings"):
            stack.position_encodings.encodings = positions
        relative_bias = None
        for layer in stack.layer:
            attention(layer.self_attention, self_attention=True)
            if hasattr(layer.self_attention, "relative_attention_bias"):
                # T5's buckets: one table for all layers of a stack, as its converter shares it.
                if relative_bias is None:
                    relative_bias = normal((32, int(spec.encoder.num_heads)), 0.5)
                layer.self_attention.relative_attention_bias = relative_bias
                layer.self_attention.relative_attention_max_distance = np.dtype("int32").type(128)
            if hasattr(layer, "attention"):
                attention(layer.attention, self_attention=False)
            feed_forward(layer.ffn)
        if hasattr(stack, "layer_norm"):
            layer_norm(stack.layer_norm)
        if hasattr(stack, "layernorm_embedding"):
            layer_norm(stack.layernorm_embedding)

    # Output projection: logits with a spread of a few units, so the argmax is clear-cut, and
    # the biases described in the module docstring for </s>, <unk>, <s> and byte pieces.
    decoder = spec.decoder
    decoder.projection.weight = normal((size, d_model), 2.0 * d_model**-0.5)
    bias = normal((size,), 0.02)
    bias[vocabulary.index(_EOS)] += eos_logit_bias
    for index, token in enumerate(vocabulary):
        if token in (_UNK, _BOS) or token in quiet or _BYTE_PIECE.fullmatch(token):
            bias[index] += SPECIAL_LOGIT_BIAS
        bias[index] += (favour or {}).get(token, 0.0)
    decoder.projection.bias = bias


def save_ctranslate2_model(spec: TransformerSpec, quantization: str | None) -> dict[str, bytes]:
    """Validate, optimize (quantize) and save ``spec`` with CTranslate2's converter; return the files."""
    from ctranslate2.converters.converter import Converter

    class RandomWeightsConverter(Converter):  # type: ignore[misc]  # ctranslate2 has no type hints
        """A converter whose "source model" is the ready spec."""

        def _load(self) -> TransformerSpec:
            return spec

    with tempfile.TemporaryDirectory(prefix="argos-random-model-") as folder:
        output = Path(folder) / "model"
        RandomWeightsConverter().convert(str(output), quantization=quantization)
        return {path.name: path.read_bytes() for path in sorted(output.iterdir()) if path.is_file()}


# --- the package ----------------------------------------------------------------------------


def _readme(
    metadata: dict[str, Any],
    *,
    tokenizer: str,
    vocabulary_size: int,
    shape: tuple[int, int, int, int, int],
    quantization: str | None,
    seed: int,
    eos_logit_bias: float,
) -> str:
    """The package's README.md: what it is, and that its output is noise."""
    encoder_layers, decoder_layers, d_model, ffn_dim, heads = shape
    return (
        f"# Random-weight test model: {metadata['from_name']} -> {metadata['to_name']}\n\n"
        "This Argos Translate package was generated for software tests and benchmarks. It has the\n"
        "layout and file formats of a real package, but its CTranslate2 Transformer has RANDOM\n"
        "weights: it was never trained and its translations are noise.\n\n"
        f"- tokenizer: {tokenizer}, trained on a small sample text; vocabulary: {vocabulary_size} tokens\n"
        f"- Transformer: {encoder_layers} encoder / {decoder_layers} decoder layers, d_model {d_model}, "
        f"ffn {ffn_dim}, {heads} heads\n"
        f"- weights: seed {seed}, quantization {quantization or 'none (float32)'}\n"
        f"- output bias: {eos_logit_bias} on the end-of-sentence logit (negative: outputs are never empty\n"
        f"  and run to max_decoding_length), {SPECIAL_LOGIT_BIAS} on <unk>, <s> and byte pieces\n"
    )


def _write_zip(destination: Path, top: str, files: dict[str, bytes]) -> None:
    """Write ``files`` (relative names) under the folder ``top`` of a reproducible zip."""

    def entry(name: str, mode: int) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=_ZIP_DATE_TIME)
        info.external_attr = mode << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        return info

    folders = sorted({str(Path(name).parent) for name in files} - {"."})
    partial = destination.with_name(destination.name + ".partial")
    with zipfile.ZipFile(partial, "w") as archive:
        archive.writestr(entry(f"{top}/", 0o40755), b"")
        for folder in folders:
            archive.writestr(entry(f"{top}/{folder}/", 0o40755), b"")
        for name in sorted(files):
            archive.writestr(entry(f"{top}/{name}", 0o100644), files[name])
    partial.replace(destination)

"""Build a decoder-only model folder shaped like Qwen2, with random weights, as `ct2-transformers-converter` writes one.

No instruction model can be downloaded where digest's tests run, yet the `llm` engine should be
exercised end to end: install the folder, render the chat template, tokenize, generate with
CTranslate2, decode, read the answer. :func:`build_llm_folder` writes a folder that is real in
every respect but one, its weights:

* a CTranslate2 `TransformerDecoderModelSpec` laid out as the converter's Qwen2 loader lays one out
  (pre-norm RMS norm, SwiGLU feed-forward, rotary embeddings over the whole head, halves not
  interleaved, grouped-query attention, a bias on the fused query/key/value projection),
  `model.bin`, `config.json` and `vocabulary.json` saved by CTranslate2's own spec machinery;
* the model's own tokenizer files, as `--copy_files` copies them: `tokenizer.json` (a byte-level
  BPE trained here with the `tokenizers` package on the text given, a pre-tokenizer regex of
  Qwen2's kind, the special tokens `<|endoftext|>`, `<|im_start|>`, `<|im_end|>` and the
  reasoning tags `<think>`, `</think>` as added tokens), `tokenizer_config.json` with a chat
  template of Qwen's shape and the special tokens by name, and `generation_config.json` with the
  end token ids.

Random weights write nonsense, which is the point: whatever the model writes, digest's
alignment, repair and cleaning must hold. Biases on the output projection steer the nonsense
where a test wants it: `eos_bias` (how soon an answer ends: by default answers of a few to a few
hundred tokens, some cut at their bound), `think_bias` (how often a reasoning
tag comes), `digit_bias` (how often digits, hence numbered-looking lines, come).

Neither torch nor transformers is used. The same arguments give the same files.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
REASONING_TOKENS = ["<think>", "</think>"]

#: A pre-tokenizer regex of the kind Qwen2's tokenizer.json holds (contractions, letters, one digit
#: at a time, punctuation runs, line breaks, spaces).
PRE_TOKENIZER_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)

#: A chat template of Qwen2.5's shape: a default system prompt when none is given, each message
#: between <|im_start|>ROLE and <|im_end|>, the assistant's turn opened by add_generation_prompt.
QWEN_STYLE_TEMPLATE = (
    "{%- if messages[0]['role'] == 'system' %}\n"
    "    {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}\n"
    "{%- else %}\n"
    "    {{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}\n"
    "{%- endif %}\n"
    "{%- for message in messages %}\n"
    "    {%- if message.role == 'system' and loop.first %}\n"
    "    {%- elif message.role in ['user', 'assistant', 'system'] %}\n"
    "        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}\n"
    "    {%- else %}\n"
    "        {{- raise_exception('unknown role: ' + message.role) }}\n"
    "    {%- endif %}\n"
    "{%- endfor %}\n"
    "{%- if add_generation_prompt %}\n"
    "    {{- '<|im_start|>assistant\\n' }}\n"
    "{%- endif %}\n"
)


def train_tokenizer(lines: Iterable[str], vocab_size: int) -> object:
    """A byte-level BPE `tokenizers.Tokenizer` trained on `lines`, with the special and reasoning tokens added."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(PRE_TOKENIZER_PATTERN), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(list(lines), trainer)
    from tokenizers import AddedToken

    tokenizer.add_tokens([AddedToken(token, special=False, normalized=False) for token in REASONING_TOKENS])
    return tokenizer


def build_llm_folder(
    destination: Path,
    *,
    training_text: str,
    vocab_size: int = 3000,
    layers: int = 2,
    hidden: int = 64,
    heads: int = 4,
    kv_heads: int = 2,
    ffn: int = 128,
    quantization: str | None = "int8",
    seed: int = 0,
    chat_template: str = QWEN_STYLE_TEMPLATE,
    eos_bias: float = 2.0,
    think_bias: float = 0.0,
    digit_bias: float = 0.0,
    extra_vocabulary: int = 7,
) -> Path:
    """Write the model folder at `destination` (created); returns it.

    `extra_vocabulary` rows are added past the tokenizer's vocabulary, named `<extra_id_N>`, as the
    converter pads Qwen2's (its embedding matrix is larger than its tokenizer).
    """
    import ctranslate2

    lines = [line.strip() for line in training_text.splitlines() if line.strip()]
    tokenizer = train_tokenizer(lines, vocab_size)
    vocab: dict[str, int] = tokenizer.get_vocab(with_added_tokens=True)  # type: ignore[attr-defined]
    tokens = [token for token, _ in sorted(vocab.items(), key=lambda item: item[1])]
    tokens += [f"<extra_id_{number}>" for number in range(extra_vocabulary)]
    rng = np.random.default_rng(seed)
    spec = ctranslate2.specs.TransformerDecoderModelSpec.from_config(
        layers,
        heads,
        activation=ctranslate2.specs.Activation.SWISH,
        pre_norm=True,
        ffn_glu=True,
        rms_norm=True,
        rotary_dim=0,
        rotary_interleave=False,
        rotary_base=1_000_000.0,
        num_heads_kv=kv_heads,
    )
    _set_weights(spec.decoder, rng, len(tokens), hidden, heads, kv_heads, ffn)
    bias = np.zeros(len(tokens), dtype=np.float32)
    bias[vocab["<|im_end|>"]] = eos_bias
    bias[vocab["<|endoftext|>"]] = eos_bias
    bias[vocab["<|im_start|>"]] = -20.0
    for token in REASONING_TOKENS:
        bias[vocab[token]] = think_bias
    for token, index in vocab.items():
        if token.isdigit():
            bias[index] += digit_bias
    bias[len(vocab) :] = -20.0
    spec.decoder.projection.bias = bias
    spec.config.bos_token = "<|endoftext|>"
    spec.config.eos_token = "<|im_end|>"
    spec.config.unk_token = ""
    spec.config.layer_norm_epsilon = 1e-6
    spec.register_vocabulary(tokens)
    spec.validate()
    spec.optimize(quantization=quantization)
    destination.mkdir(parents=True)
    spec.save(str(destination))
    tokenizer.save(str(destination / "tokenizer.json"))  # type: ignore[attr-defined]
    _write_json(
        destination / "tokenizer_config.json",
        {
            "added_tokens_decoder": {
                str(vocab[token]): {"content": token, "special": token in SPECIAL_TOKENS}
                for token in SPECIAL_TOKENS + REASONING_TOKENS
            },
            "bos_token": None,
            "chat_template": chat_template,
            "eos_token": "<|im_end|>",
            "pad_token": "<|endoftext|>",
            "model_max_length": 32768,
            "tokenizer_class": "Qwen2Tokenizer",
        },
    )
    _write_json(
        destination / "generation_config.json",
        {"eos_token_id": [vocab["<|im_end|>"], vocab["<|endoftext|>"]], "pad_token_id": vocab["<|endoftext|>"]},
    )
    return destination


def _set_weights(
    decoder: object, rng: np.random.Generator, vocabulary: int, hidden: int, heads: int, kv_heads: int, ffn: int
) -> None:
    """Random weights, scaled like a standard initialisation, on every variable of the decoder spec."""

    def matrix(rows: int, columns: int) -> np.ndarray:
        return (rng.standard_normal((rows, columns)) / np.sqrt(columns)).astype(np.float32)

    def gamma() -> np.ndarray:
        return (1.0 + 0.05 * rng.standard_normal(hidden)).astype(np.float32)

    head_dim = hidden // heads
    decoder.scale_embeddings = False  # type: ignore[attr-defined]
    decoder.embeddings.weight = matrix(vocabulary, hidden)  # type: ignore[attr-defined]
    decoder.layer_norm.gamma = gamma()  # type: ignore[attr-defined]
    decoder.projection.weight = matrix(vocabulary, hidden)  # type: ignore[attr-defined]
    for layer in decoder.layer:  # type: ignore[attr-defined]
        layer.self_attention.layer_norm.gamma = gamma()
        fused = hidden + 2 * kv_heads * head_dim
        layer.self_attention.linear[0].weight = matrix(fused, hidden)
        layer.self_attention.linear[0].bias = (0.02 * rng.standard_normal(fused)).astype(np.float32)
        layer.self_attention.linear[1].weight = matrix(hidden, hidden)
        layer.ffn.layer_norm.gamma = gamma()
        layer.ffn.linear_0.weight = matrix(ffn, hidden)
        layer.ffn.linear_0_noact.weight = matrix(ffn, hidden)
        layer.ffn.linear_1.weight = matrix(hidden, ffn)


def _write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

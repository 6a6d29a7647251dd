"""Write tiny llama-architecture GGUF models that llama.cpp loads in well under a second.

No real model can be downloaded where digest's tests run, yet the `openai` engine must be tested
against a real server: llama.cpp (through llama-cpp-python's server) running a real GGUF file.
:func:`build_gguf` writes one with the `gguf` package (llama.cpp's own writer), real in every
respect but its weights:

* the metadata llama.cpp reads for the ``llama`` architecture (context length, embedding length,
  blocks, feed-forward length, heads, RMS-norm epsilon);
* a byte-level BPE tokenizer as GPT-2 and Qwen2 write it (``tokenizer.ggml.model = gpt2``, the
  ``qwen2`` pre-tokenizer): the 256 byte tokens, so that any text (Chinese included) can be
  encoded, the merges that build the few words the model writes, the ChatML control tokens
  (``<|endoftext|>``, ``<|im_start|>``, ``<|im_end|>``, the end of a turn) and ``<think>`` and
  ``</think>`` as ordinary added tokens, as Qwen3 has them;
* a ChatML chat template (``tokenizer.chat_template``), which llama-cpp-python's server applies.

Its weights are random numbers (a normal distribution scaled like a standard initialisation, the
same seed giving the same file), with one thing planted: what it writes. The token embeddings are
one-hot rows and the attention and feed-forward outputs are small, so the residual stream at the
last position is, to within noise, the last token's own embedding; the output matrix then maps
each token of a chain to the next. The prompt of every chat ends with the newline after
``<|im_start|>assistant``, so the model writes the chain that starts there whatever it is asked,
at temperature 0: ``answer`` as given, then the end of the turn (``loop=True``: the answer over
and over, until the request's ``max_tokens``). With ``answer=None`` the output matrix is random
too: the model writes nonsense (often bytes that are not UTF-8) until ``max_tokens`` or a random
end of turn. So a test knows what a real server will answer, and no mock stands in for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["CHATML_TEMPLATE", "SPECIAL_TOKENS", "build_gguf"]

#: ChatML, as Qwen2.5's tokenizer_config.json has it (without its tool-calling branches).
CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

#: Added tokens and their GGUF token type: 3 control (never shown), 4 user-defined (shown as text).
SPECIAL_TOKENS = {"<|endoftext|>": 3, "<|im_start|>": 3, "<|im_end|>": 3, "<think>": 4, "</think>": 4}
_EOS = "<|im_end|>"
_NORMAL = 1


def _byte_alphabet() -> dict[int, str]:
    """GPT-2's printable stand-in for each byte (space is Ġ, newline Ċ), as byte-level BPE vocabularies spell them."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    alphabet = {byte: chr(byte) for byte in printable}
    extra = 0
    for byte in range(256):
        if byte not in alphabet:
            alphabet[byte] = chr(256 + extra)
            extra += 1
    return alphabet


def _spelt(text: str, alphabet: dict[int, str]) -> str:
    return "".join(alphabet[byte] for byte in text.encode("utf-8"))


def _vocabulary(pieces: Sequence[str]) -> tuple[list[str], list[int], list[str]]:
    """Tokens, their types and merges: the bytes, every piece (built by merges a character at a time), the added tokens."""
    alphabet = _byte_alphabet()
    tokens = [alphabet[byte] for byte in range(256)]
    merges: list[str] = []
    for piece in pieces:
        if piece in SPECIAL_TOKENS:
            continue
        spelt = _spelt(piece, alphabet)
        for end in range(2, len(spelt) + 1):
            if spelt[:end] not in tokens:
                merges.append(f"{spelt[: end - 1]} {spelt[end - 1]}")
                tokens.append(spelt[:end])
    types = [_NORMAL] * len(tokens) + list(SPECIAL_TOKENS.values())
    return tokens + list(SPECIAL_TOKENS), types, merges


def _token_id(piece: str, tokens: list[str]) -> int:
    return tokens.index(piece if piece in SPECIAL_TOKENS else _spelt(piece, _byte_alphabet()))


def build_gguf(
    path: Path,
    answer: Sequence[str] | None,
    *,
    loop: bool = False,
    layers: int = 2,
    embedding_length: int = 0,
    feed_forward_length: int = 64,
    context_length: int = 4096,
    seed: int = 0,
    name: str = "digest-test-model",
) -> Path:
    """Write a tiny llama GGUF at `path` that answers every chat with `answer` (its pieces one token each).

    `answer=None`: random nonsense instead; `answer=[]`: an empty answer (the end of the turn at
    once); `loop`: the answer repeated until `max_tokens`, never ending by itself. The model is
    as wide as its vocabulary needs, or `embedding_length` when that is wider (the benchmark's,
    whose requests should cost a server about what a small model's do).
    """
    import gguf

    pieces = list(answer or [])
    if len(set(pieces)) != len(pieces) or "\n" in pieces:
        # The model maps a token to the next; a newline alone ends the prompt, so it starts the answer.
        raise ValueError("each piece of the answer must differ from the others and from a newline alone")
    # " the" too, so that there are merges whatever the answer: llama.cpp refuses a BPE vocabulary without any.
    tokens, types, merges = _vocabulary(["\n", " the", *pieces])
    n_vocab = len(tokens)
    n_embd = -(-max(n_vocab + 1, embedding_length) // 64) * 64  # one-hot embeddings need a dimension per token
    n_head, n_ff = 4, feed_forward_length
    rng = np.random.default_rng(seed)

    def normal(rows: int, columns: int, scale: float) -> np.ndarray:
        return (rng.standard_normal((rows, columns)) * scale / np.sqrt(columns)).astype(np.float32)

    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name(name)
    writer.add_context_length(context_length)
    writer.add_embedding_length(n_embd)
    writer.add_block_count(layers)
    writer.add_feed_forward_length(n_ff)
    writer.add_head_count(n_head)
    writer.add_head_count_kv(n_head)
    writer.add_layer_norm_rms_eps(1e-6)
    writer.add_rope_dimension_count(n_embd // n_head)
    writer.add_vocab_size(n_vocab)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("qwen2")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    writer.add_bos_token_id(tokens.index("<|endoftext|>"))
    writer.add_eos_token_id(tokens.index(_EOS))
    writer.add_pad_token_id(tokens.index("<|endoftext|>"))
    writer.add_add_bos_token(False)
    writer.add_chat_template(CHATML_TEMPLATE)

    embeddings = np.zeros((n_vocab, n_embd), dtype=np.float32)
    embeddings[np.arange(n_vocab), np.arange(n_vocab)] = 1.0
    writer.add_tensor("token_embd.weight", embeddings)
    writer.add_tensor("output_norm.weight", np.ones(n_embd, dtype=np.float32))
    writer.add_tensor("output.weight", _output_matrix(tokens, answer, loop, n_embd, normal))
    for block in range(layers):
        prefix = f"blk.{block}."
        writer.add_tensor(prefix + "attn_norm.weight", np.ones(n_embd, dtype=np.float32))
        for part in ("attn_q", "attn_k", "attn_v"):
            writer.add_tensor(prefix + part + ".weight", normal(n_embd, n_embd, 1.0))
        # Small outputs: the residual stream stays (to within noise) the last token's embedding.
        writer.add_tensor(prefix + "attn_output.weight", normal(n_embd, n_embd, 0.01))
        writer.add_tensor(prefix + "ffn_norm.weight", np.ones(n_embd, dtype=np.float32))
        writer.add_tensor(prefix + "ffn_gate.weight", normal(n_ff, n_embd, 1.0))
        writer.add_tensor(prefix + "ffn_up.weight", normal(n_ff, n_embd, 1.0))
        writer.add_tensor(prefix + "ffn_down.weight", normal(n_embd, n_ff, 0.01))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def _output_matrix(tokens: list[str], answer: Sequence[str] | None, loop: bool, n_embd: int, normal) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Logits by token: each token of the planted chain maps to the next one (random for `answer=None`)."""
    n_vocab = len(tokens)
    if answer is None:
        matrix = normal(n_vocab, n_embd, 1.0)
        matrix[tokens.index(_EOS)] -= 0.5  # nonsense that goes on a while rather than ending at once
        return matrix
    matrix = np.zeros((n_vocab, n_embd), dtype=np.float32)
    chain = [_token_id(piece, tokens) for piece in ["\n", *answer]]
    following = chain[1:] + ([chain[1]] if loop and len(chain) > 1 else [tokens.index(_EOS)])
    for current, upcoming in zip(chain, following):
        matrix[upcoming, current] = 1.0
    return matrix

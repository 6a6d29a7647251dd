"""Build CTranslate2 translator folders with random weights, one in each layout the `ct2` engine reads.

No real translation model can be downloaded where digest's tests run, so each family's folder is
made here as its converter would write it, real in every respect but its weights:

* ``model.bin``, ``config.json`` and ``shared_vocabulary.json`` written by CTranslate2's own
  converter machinery from a ``TransformerSpec`` of the family's shape (``from_config``, filled by
  :func:`tests.argos_package.fill_random_weights`): post-norm starting from a zero embedding, as
  ``ct2-opus-mt-converter`` writes a Marian model; pre-norm, as the converter writes NLLB-200 and
  M2M-100; T5's relative attention bias, RMS norms and gated feed-forward layers for MADLAD-400;
* the config each converter writes: ``add_source_eos`` for OPUS-MT (``ct2-opus-mt-converter``; off
  for a Marian model converted from Hugging Face), ``</s>`` as the decoder start for NLLB and
  M2M-100, ``<pad>`` for T5;
* the vocabulary in the family's order: Marian's ``</s>``, ``<unk>``, then pieces; fairseq's
  ``<s>``, ``<pad>``, ``</s>``, ``<unk>``, pieces, language tokens, ``<mask>`` (NLLB) or
  ``madeupword`` padding (M2M-100); T5's SentencePiece order with ``<extra_id_N>`` after it;
* SentencePiece models trained here on the sample export (the project's seed document: Chinese
  abstracts and a few English ones), the family's language tokens as user-defined symbols:
  ``source.spm`` and ``target.spm`` (OPUS-MT), ``sentencepiece.bpe.model`` (BPE, NLLB and
  M2M-100; or ``spm.128k.model`` as fairseq's M2M-100 names it), ``spiece.model`` (unigram, T5's
  fixed pieces, MADLAD-400).

Random weights give nonsense; the output projection's biases keep it from ending at once or writing
special tokens (see :mod:`tests.argos_package`), and `favour` raises chosen tokens' logits so that a
test can make the model write them (a glossary placeholder).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from .argos_package import EOS_LOGIT_BIAS, fill_random_weights, save_ctranslate2_model, train_sentencepiece
from .conftest import SAMPLE_EXPORT

#: The layouts, as `build_ct2_model` takes them, and the kind `digest models list` shows for each.
KINDS = {"opus-mt": "ct2/opus-mt", "nllb": "ct2/nllb", "m2m": "ct2/m2m", "madlad": "ct2/madlad"}


def sample_lines(lang: str) -> list[str]:
    """The sample export's lines in `lang` (`zh` or `en`), by script."""
    from jobs.language import detect_language

    lines = [line.strip() for line in SAMPLE_EXPORT.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [line for line in lines if detect_language(line) == lang]


def build_ct2_model(
    destination: Path,
    kind: str,
    *,
    english_to_chinese: bool = False,
    add_source_eos: bool = True,
    tokenizer_file: str | None = None,
    layers: int = 1,
    d_model: int = 16,
    ffn_dim: int = 32,
    heads: int = 2,
    vocab_size: int = 400,
    quantization: str | None = None,
    seed: int = 0,
    eos_logit_bias: float = EOS_LOGIT_BIAS,
    user_symbols: Sequence[str] = (),
    favour: dict[str, float] | None = None,
    chinese: Sequence[str] = (),
    english: Sequence[str] = (),
) -> Path:
    """Write a random-weight CTranslate2 translator folder of `kind` (a key of `KINDS`) at `destination`.

    `english_to_chinese` makes an OPUS-MT model of the other direction, whose vocabulary has the
    `>>cmn_Hans<<` target token as OPUS-MT's English-to-Chinese model does; `add_source_eos` off
    is a Marian model converted from Hugging Face (the source's `</s>` then comes from digest);
    `tokenizer_file` renames M2M-100's SentencePiece file; `user_symbols` are kept whole by the
    SentencePiece models (the language tokens are already); `favour` adds to the output logits
    of the tokens named. `chinese` and `english` are more lines to train the SentencePiece models
    on, beside the sample export's (a benchmark's larger vocabulary needs them).
    """
    from ctranslate2.specs import TransformerSpec
    from ctranslate2.specs.common_spec import Activation

    chinese, english = [*sample_lines("zh"), *chinese], [*sample_lines("en"), *english]
    files: dict[str, bytes] = {}
    quiet: list[str] = []
    if kind == "opus-mt":
        sources, targets = (english, chinese) if english_to_chinese else (chinese, english)
        files["source.spm"], source_pieces = train_sentencepiece(sources, vocab_size, user_symbols)
        files["target.spm"], target_pieces = train_sentencepiece(targets, vocab_size, user_symbols)
        vocabulary = _unique(["</s>", "<unk>"], source_pieces[3:], target_pieces[3:])
        if english_to_chinese:
            vocabulary += [">>cmn_Hans<<", ">>jpn<<"]
        spec = TransformerSpec.from_config((layers, layers), heads, pre_norm=False)
        spec.decoder.start_from_zero_embedding = True
        config = {"decoder_start_token": "</s>", "add_source_eos": add_source_eos}
    elif kind in ("nllb", "m2m"):
        languages = ["zho_Hans", "eng_Latn"] if kind == "nllb" else ["__zh__", "__en__"]
        data, pieces = train_sentencepiece(chinese + english, vocab_size, [*languages, *user_symbols], model_type="bpe")
        files[tokenizer_file or "sentencepiece.bpe.model"] = data
        padding = ["fra_Latn", "<mask>"] if kind == "nllb" else ["__fr__", "madeupword0", "madeupword1"]
        vocabulary = _unique(["<s>", "<pad>", "</s>", "<unk>"], pieces[3:], languages, padding)
        quiet = ["<pad>", "<mask>", "madeupword0", "madeupword1"]
        spec = TransformerSpec.from_config((layers, layers), heads)
        config = {"decoder_start_token": "</s>", "add_source_eos": False}
    elif kind == "madlad":
        files["spiece.model"], pieces = train_sentencepiece(
            chinese + english, vocab_size, ["<2en>", "<2zh>", "<2fr>", *user_symbols], t5_ids=True
        )
        vocabulary = _unique(pieces, ["<extra_id_0>", "<extra_id_1>"])
        quiet = ["<pad>", "<extra_id_0>", "<extra_id_1>"]
        spec = TransformerSpec.from_config(
            (layers, layers),
            heads,
            pre_norm=True,
            activation=Activation.GELUTanh,
            ffn_glu=True,
            relative_attention_bias=True,
            rms_norm=True,
        )
        spec.encoder.scale_embeddings = False
        spec.decoder.scale_embeddings = False
        config = {"decoder_start_token": "<pad>", "bos_token": "<pad>", "add_source_eos": False}
    else:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")

    fill_random_weights(
        spec,
        vocabulary,
        d_model=d_model,
        ffn_dim=ffn_dim,
        seed=seed,
        eos_logit_bias=eos_logit_bias,
        quiet=quiet,
        favour=favour,
    )
    spec.register_source_vocabulary(vocabulary)
    spec.register_target_vocabulary(vocabulary)
    spec.config.unk_token = "<unk>"
    spec.config.eos_token = "</s>"
    spec.config.bos_token = str(config.get("bos_token", "<s>"))
    spec.config.decoder_start_token = config["decoder_start_token"]
    spec.config.add_source_eos = bool(config["add_source_eos"])
    files.update(save_ctranslate2_model(spec, quantization))
    destination.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (destination / name).write_bytes(data)
    (destination / "README.md").write_text(
        f"Random-weight {KINDS[kind]} test model for digest's tests (seed {seed}): its output is noise.\n",
        encoding="utf-8",
    )
    return destination


def _unique(*parts: Sequence[str]) -> list[str]:
    """The tokens of `parts` in order, each once."""
    return list(dict.fromkeys(token for part in parts for token in part))


def vocabulary_of(folder: Path) -> list[str]:
    """A built folder's CTranslate2 vocabulary, in id order."""
    return list(json.loads((folder / "shared_vocabulary.json").read_text(encoding="utf-8")))

"""The `llm` engine: a decoder-only instruction model converted to CTranslate2, run here with `ctranslate2.Generator`.

Everything an LLM engine guarantees (alignment, repair, cleaning, the glossary, the cache key) is
`ChatEngine`'s; this module only turns conversations into answers: the model's own chat template
renders each (`template.ChatTemplate`), its own `tokenizer.json` tokenizes it (the `tokenizers`
package), and `Generator.generate_batch` answers them all, greedily, sorted by length and packed
by tokens, each band of requests under its own bound on the answer's length.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from itertools import groupby
from pathlib import Path
from typing import Any, ClassVar

from ...errors import ConfigError
from ...limits import check_descriptors
from ..base import MODEL_OPTION, EngineOption, EngineSettings, ModelInfo
from ..load_check import failed, loading
from ..neural import COMPUTE_TYPE, DEVICE, THREADS, resolve_device
from .chat import ChatEngine
from .models import (
    InstalledLlm,
    files_fingerprint,
    find_model,
    install_model,
    installed_models,
    is_llm_folder,
    remove_model,
)
from .prompt import SYSTEM_PROMPTS, ChatRequest, messages
from .template import TOKENIZER_CONFIG, ChatTemplate, read_tokenizer_config, token_text

#: Prompt tokens in one `generate_batch` batch (`batch_type="tokens"`).
MAX_BATCH_TOKENS = 4096
#: Tokens that end a turn in the chat formats of the common model families, used as end tokens
#: where the model's vocabulary has them, besides those its configuration names.
END_OF_TURN_TOKENS = (
    "<|im_end|>",
    "<|endoftext|>",
    "<|eot_id|>",
    "<|end_of_text|>",
    "<|end|>",
    "<end_of_turn>",
    "</s>",
)
_REASONING_TAGS = ("<think>", "</think>", "<thinking>", "</thinking>", "<reasoning>", "</reasoning>")


class LlmEngine(ChatEngine):
    """An instruction model installed in the models folder, run by CTranslate2 on the CPU or a CUDA GPU."""

    name: ClassVar[str] = "llm"
    uses_device: ClassVar[bool] = True
    options: ClassVar[tuple[EngineOption, ...]] = (
        MODEL_OPTION,
        THREADS,
        COMPUTE_TYPE,
        DEVICE,
    )

    def __init__(
        self,
        installed: InstalledLlm,
        source_lang: str,
        target_lang: str,
        settings: EngineSettings,
        load_generator: bool = True,
    ) -> None:
        super().__init__(source_lang, target_lang, settings.glossary)
        from tokenizers import Tokenizer

        self.installed = installed
        folder = installed.path
        #: Which install this is: a model installed again under the same name is never served the old one's cache.
        self.files_fingerprint = files_fingerprint(folder)
        self.compute_type: str = settings.option(LlmEngine, "compute_type")
        self.device = resolve_device(settings.option(LlmEngine, "device"))
        self.threads: int = settings.option(LlmEngine, "threads")
        self.template = ChatTemplate.from_folder(folder)
        try:
            self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        except Exception as error:  # the tokenizers package raises its own Exception on a bad file
            raise ConfigError(f"{folder / 'tokenizer.json'}: cannot be read ({error})") from None
        self.vocabulary = _vocabulary(folder)
        _check_vocabularies(folder, self.tokenizer.get_vocab(with_added_tokens=True), self.vocabulary)
        self.end_tokens = _end_tokens(folder, self.vocabulary)
        added = self.tokenizer.get_added_tokens_decoder()
        #: Special tokens an answer may hold that are not text (the reasoning tags are kept: they say what to remove).
        self.hidden_ids = {
            index for index, token in added.items() if token.special and token.content not in _REASONING_TAGS
        }
        self.generator: Any = None
        if load_generator:
            self.load_generator()

    def load_generator(self) -> None:
        """Load the model (CTranslate2); ConfigError if it cannot be loaded."""
        import ctranslate2

        try:
            self.generator = ctranslate2.Generator(
                str(self.installed.path),
                device=self.device,
                compute_type=self.compute_type,
                inter_threads=1,
                intra_threads=self.threads,
            )
        except Exception as error:  # CTranslate2 raises RuntimeError, ValueError... on damaged files
            raise ConfigError(
                f"{self.installed.path}: cannot load the model ({type(error).__name__}: {error}); install it again"
            ) from None

    @classmethod
    def supports(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> bool:
        return (source_lang, target_lang) in SYSTEM_PROMPTS and cls._find(settings) is not None

    @classmethod
    def load(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> LlmEngine:
        check_descriptors()
        model = cls._find(settings)
        if model is None:
            raise ConfigError(cls.unavailable_message(source_lang, target_lang, settings))
        return cls(model, source_lang, target_lang, settings)

    @classmethod
    def _find(cls, settings: EngineSettings) -> InstalledLlm | None:
        return find_model(settings.models_dir, settings.option(cls, "model"))

    @classmethod
    def unavailable_message(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> str:
        name = settings.option(cls, "model")
        if (source_lang, target_lang) not in SYSTEM_PROMPTS:
            return f"the 'llm' engine has no prompt for {source_lang}->{target_lang}"
        installed = ", ".join(model.name for model in installed_models(settings.models_dir))
        if name and installed:
            return f"no LLM called {name!r} is installed in {settings.models_dir} (installed: {installed})"
        return (
            f"no LLM is installed in {settings.models_dir}; convert an instruction model with "
            "ct2-transformers-converter and install the folder with `digest models add FOLDER` (see the engines page)"
        )

    @classmethod
    def installed_files(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> Path | None:
        model = cls._find(settings)
        return None if model is None else model.path

    @classmethod
    def claims(cls, source: Path) -> bool:
        return is_llm_folder(source)

    @classmethod
    def install(cls, source: Path, settings: EngineSettings, name: str | None = None) -> ModelInfo:
        return install_model(source, settings.models_dir, name, load_check_child).info()

    @classmethod
    def installed_models(cls, settings: EngineSettings) -> list[ModelInfo]:
        return [model.info() for model in installed_models(settings.models_dir)]

    @classmethod
    def remove(cls, name: str, settings: EngineSettings) -> ModelInfo | None:
        return remove_model(settings.models_dir, name)

    @property
    def model(self) -> str:
        return self.installed.name

    @property
    def decoding(self) -> Mapping[str, Any]:
        return {
            "search": "greedy",
            "files": self.files_fingerprint,
            "compute_type": self.compute_type,
            "device": self.device,
        }

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False).ids)

    def encode(self, request: ChatRequest) -> list[str]:
        """The request's prompt as the model's tokens: the chat template rendered, then tokenized."""
        ids = self.tokenizer.encode(self.template.render(request.messages), add_special_tokens=False).ids
        return [self.vocabulary[index] for index in ids]

    def complete(self, requests: Sequence[ChatRequest]) -> list[str]:
        return [self.decode(ids) for ids in self.generate(requests)]

    def generate(self, requests: Sequence[ChatRequest]) -> list[list[int]]:
        """Every request's answer as token ids, greedily, at most its `max_tokens`.

        Requests go in bands of similar bounds (up to 16, 32, 64... tokens), each band sorted by
        prompt length and packed by tokens, so that a band's decoding limit follows its requests.
        """
        answers: list[list[int]] = [[] for _ in requests]
        prompts = sorted(
            ((self.encode(request), index) for index, request in enumerate(requests)), key=lambda p: len(p[0])
        )
        bands = sorted(prompts, key=lambda prompt: _band(requests[prompt[1]].max_tokens))
        for _, band_items in groupby(bands, key=lambda prompt: _band(requests[prompt[1]].max_tokens)):
            band = list(band_items)
            results = self.generator.generate_batch(
                [tokens for tokens, _ in band],
                max_length=max(requests[index].max_tokens for _, index in band),
                sampling_topk=1,
                beam_size=1,
                end_token=self.end_tokens or None,
                include_prompt_in_result=False,
                batch_type="tokens",
                max_batch_size=MAX_BATCH_TOKENS,
            )
            for (_, index), result in zip(band, results):
                answers[index] = list(result.sequences_ids[0][: requests[index].max_tokens])
        return answers

    def decode(self, ids: Sequence[int]) -> str:
        """An answer's text: special tokens out, the reasoning tags in (for the answer's reader to remove what they hold)."""
        text: str = self.tokenizer.decode(
            [index for index in ids if index not in self.hidden_ids], skip_special_tokens=False
        )
        # A template that opens the reasoning block in the prompt (`<think>\n`) leaves only its close in the answer.
        return "<think>" + text if self.template.opens_reasoning else text


def _band(max_tokens: int) -> int:
    return max(4, math.ceil(math.log2(max(max_tokens, 1))))


def _vocabulary(folder: Path) -> list[str]:
    """CTranslate2's vocabulary of the model, by id (`vocabulary.json`, or one token a line in `vocabulary.txt`)."""
    try:
        if (folder / "vocabulary.json").is_file():
            tokens = json.loads((folder / "vocabulary.json").read_text(encoding="utf-8"))
        else:
            tokens = (folder / "vocabulary.txt").read_text(encoding="utf-8").split("\n")
            tokens = tokens[:-1] if tokens and tokens[-1] == "" else tokens
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ConfigError(f"{folder}: its vocabulary cannot be read ({error})") from None
    if not isinstance(tokens, list) or not all(isinstance(token, str) for token in tokens):
        raise ConfigError(f"{folder}: its vocabulary is not a list of tokens")
    return tokens


def _check_vocabularies(folder: Path, tokenizer: Mapping[str, int], vocabulary: Sequence[str]) -> None:
    """ConfigError unless every token of tokenizer.json has the model's id for it (the tokenizer of another model)."""
    wrong = [token for token, index in tokenizer.items() if index >= len(vocabulary) or vocabulary[index] != token]
    if wrong:
        raise ConfigError(
            f"{folder}: tokenizer.json does not belong to this model ({len(wrong)} of its tokens have other ids "
            f"in the model's vocabulary, e.g. {sorted(wrong)[0]!r}); copy the tokenizer files of the model converted"
        )


def _end_tokens(folder: Path, vocabulary: Sequence[str]) -> list[str]:
    """The tokens that end an answer: those the configuration names (CTranslate2's, the tokenizer's, the
    generation config's), and the end-of-turn tokens of the common chat formats the vocabulary has."""
    known = set(vocabulary)
    names = [token_text(read_tokenizer_config(folder).get("eos_token"))]
    for file, key in (("config.json", "eos_token"), ("generation_config.json", "eos_token_id")):
        try:
            value = json.loads((folder / file).read_text(encoding="utf-8")).get(key)
        except (OSError, UnicodeDecodeError, ValueError, AttributeError):
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, int) and not isinstance(item, bool) and 0 <= item < len(vocabulary):
                names.append(vocabulary[item])
            elif isinstance(item, str):
                names.append(item)
    names += list(END_OF_TURN_TOKENS)
    return list(dict.fromkeys(name for name in names if name and name in known))


def load_check_child(folder_name: str) -> None:
    """The child process of `check_loads`: load the folder as the `llm` engine does and ask for a token."""
    folder = Path(folder_name)
    settings = EngineSettings(models_dir=folder.parent, options={"device": "cpu", "threads": 1})
    try:
        loading(f"the tokenizer and chat template ({TOKENIZER_CONFIG}, tokenizer.json)")
        engine = LlmEngine(InstalledLlm(folder.name, folder), "zh", "en", settings, load_generator=False)
        request = ChatRequest(messages(["测试。"], "zh", "en", {}), max_tokens=2)
        engine.encode(request)
        loading("model.bin (CTranslate2)")
        import ctranslate2

        engine.generator = ctranslate2.Generator(str(folder), device="cpu", intra_threads=1)
        engine.complete([request])
    except Exception as error:
        failed(error)

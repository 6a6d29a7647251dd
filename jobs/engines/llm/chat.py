"""What every LLM engine guarantees, over one method its backend implements (`ChatEngine.complete`).

An LLM engine (`llm`: a model run by CTranslate2 here; `openai`: a local OpenAI-compatible server)
subclasses `ChatEngine` and implements `complete`, which answers a batch of chat conversations.
`ChatEngine` does the rest, the same for every backend:

- a record's texts are sent as documents (`document_level`): each document's segments numbered
  in one request (`prompt.messages`), so that the model sees the whole abstract;
- the numbered lines are read back (`answers.numbered_lines`); when they do not match the
  segments sent, every segment of the document is asked for again alone, and the document is
  marked repaired (its record is flagged `realigned`);
- reasoning blocks and chatter never reach the output (`answers`);
- the glossary's terms that occur in a document are named in its request;
- the cache key holds the model, `PROMPT_VERSION` and the decoding settings (`cache_identity`),
  and each document's request (`document_key`).
"""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from ..base import DocumentTranslation, TranslationEngine
from .answers import lone_translation, numbered_lines
from .prompt import PROMPT_VERSION, ChatRequest, messages, one_line

#: An answer may take this many tokens per token of its source (English runs about 1.3 times as
#: many tokens as Chinese), plus `LINE_TOKENS` a segment (its number) and `EXTRA_TOKENS`: a model
#: that loops or rambles stops there.
MAX_LENGTH_RATIO = 2
LINE_TOKENS = 4
EXTRA_TOKENS = 16


class ChatEngine(TranslationEngine):
    """An engine that translates by asking a chat model; subclasses implement `complete` and `decoding`.

    Sentence by sentence alignment, repair, the removal of reasoning and chatter, the glossary in
    the prompt and the cache key are done here, the same for every backend.
    """

    document_level: ClassVar[bool] = True
    cacheable: ClassVar[bool] = True

    def __init__(self, source_lang: str, target_lang: str, glossary: Mapping[str, str] | None = None) -> None:
        super().__init__(source_lang, target_lang)
        #: Forced Chinese -> English terms: those a document holds are named in its request.
        self.glossary: Mapping[str, str] = dict(glossary or {})

    @abstractmethod
    def complete(self, requests: Sequence[ChatRequest]) -> list[str]:
        """The model's answer to each conversation, in order, as text (reasoning and chatter included: they are removed here).

        Decoding must be deterministic (temperature 0, greedy) unless the user chose otherwise, and
        an answer stops at its request's `max_tokens`. An answer cut short or empty is returned
        as it is (the segments are then asked for again, then left empty and flagged). When the
        backend cannot answer at all (a server down, after the engine's own retries), raise
        `jobs.errors.BatchError` with a message for the user: the batch fails and is done again
        by the next run, rather than written with empty translations.
        """

    @property
    @abstractmethod
    def decoding(self) -> Mapping[str, Any]:
        """The settings that decide the answers besides the model (temperature, sampling...), for the cache key."""

    def count_tokens(self, text: str) -> int:
        """How many tokens the model reads `text` as; by default its characters, a bound for any tokenizer of ours."""
        return len(text)

    @property
    def cache_identity(self) -> str:
        decoding = json.dumps(dict(self.decoding), sort_keys=True)
        return f"{self.name}|{self.model}|prompt={PROMPT_VERSION}|decoding={decoding}"

    def document_key(self, sentences: Sequence[str]) -> str:
        # The request itself: the prompt's wording, the numbering and the glossary terms it names.
        segments = [one_line(sentence) for sentence in sentences if sentence.strip()]
        return ChatRequest(messages(segments, self.source_lang, self.target_lang, self.glossary), 0).key()

    def request(self, segments: Sequence[str]) -> ChatRequest:
        """The request that asks for the segments' translation, numbered, with its bound on the answer's tokens."""
        conversation = messages(segments, self.source_lang, self.target_lang, self.glossary)
        source_tokens = sum(self.count_tokens(segment) for segment in segments)
        return ChatRequest(conversation, MAX_LENGTH_RATIO * source_tokens + LINE_TOKENS * len(segments) + EXTRA_TOKENS)

    def translate_documents(self, documents: Sequence[Sequence[str]]) -> list[DocumentTranslation]:
        """Each document's segments in one request; a document whose answer does not match is asked for again segment by segment."""
        results = [["" for _ in document] for document in documents]  # a blank segment stays blank
        asked = [
            [(place, one_line(text)) for place, text in enumerate(document) if text.strip()] for document in documents
        ]
        sent = [index for index, items in enumerate(asked) if items]
        answers = self._complete([self.request([text for _, text in asked[index]]) for index in sent])
        again: list[tuple[int, int, str]] = []
        for index, answer in zip(sent, answers):
            segments = [text for _, text in asked[index]]
            read = numbered_lines(answer, segments)
            if read is None and len(segments) == 1:
                read = [lone_translation(answer, segments[0], self.target_lang)]
            if read is None:
                again += [(index, place, text) for place, text in asked[index]]
                continue
            for (place, _), translation in zip(asked[index], read):
                results[index][place] = translation
        for (index, place, text), answer in zip(again, self._complete([self.request([text]) for _, _, text in again])):
            read = numbered_lines(answer, [text])
            results[index][place] = read[0] if read is not None else lone_translation(answer, text, self.target_lang)
        repaired = {index for index, _, _ in again}
        return [DocumentTranslation(result, index in repaired) for index, result in enumerate(results)]

    def translate_batch(self, sentences: Sequence[str]) -> list[str]:
        """Each sentence alone, as a document of one (the pipeline sends whole documents instead)."""
        return [done.sentences[0] for done in self.translate_documents([[sentence] for sentence in sentences])]

    def _complete(self, requests: list[ChatRequest]) -> list[str]:
        if not requests:
            return []
        answers = self.complete(requests)
        if len(answers) != len(requests):
            raise RuntimeError(
                f"{type(self).__name__}.complete gave {len(answers)} answers to {len(requests)} requests"
            )
        return answers

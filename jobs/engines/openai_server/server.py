"""One model on an OpenAI-compatible server, as the `openai` engine uses it: found, identified, asked.

`ServerModel.connect` checks the base URL (loopback only unless allowed), asks the server which
models it serves (`GET /models`) and takes the one named (or the only one); `complete` sends
conversations, several at once, with deterministic decoding, and gives back each answer's text.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ...errors import ConfigError
from .address import ServerAddress, check_base_url
from .client import ChatClient, ClientSettings, ServerError

#: Where the API key is read from (never a flag: flags show in `ps` and in shell histories).
API_KEY_VARIABLE = "DIGEST_OPENAI_API_KEY"
#: Fields of a `/models` entry that change when nothing about the model has (vLLM and llama.cpp's
#: server give the time of the request as `created`), left out of the model's identity.
_VOLATILE_FIELDS = ("created",)


@dataclass(frozen=True)
class Decoding:
    """How answers are decoded: greedy and seeded by default, so a rerun gives the same English."""

    temperature: float = 0.0
    seed: int = 0
    #: Most tokens an answer may have (None: the server's own limit).
    max_tokens: int | None = None

    def as_request(self) -> dict[str, Any]:
        fields: dict[str, Any] = {"temperature": self.temperature, "seed": self.seed}
        if self.max_tokens is not None:
            fields["max_tokens"] = self.max_tokens
        return fields


@dataclass
class Answer:
    """One answer's text and why it ended (`stop`; `length`: cut at `max_tokens`)."""

    text: str
    finish_reason: str | None
    #: The model as the server named it in the answer.
    model: str | None


@dataclass
class ServerModel:
    """A model served at a checked address, and the client that reaches it."""

    client: ChatClient
    #: The model's id, as `/models` lists it and requests name it.
    model_id: str
    #: Its `/models` entry without the fields that change by themselves: what the cache key holds.
    description: dict[str, Any]
    #: The model as the server named it in its last answer (the record's `engine.model`).
    answered_model: str | None = field(default=None)

    @classmethod
    def connect(cls, base_url: str, model: str, client_settings: ClientSettings, allow_remote: bool) -> ServerModel:
        """The server's model `model` (the only one it serves, for ""); ConfigError when there is none to use."""
        address = check_base_url(base_url, allow_remote)
        client = ChatClient(address, client_settings)
        try:
            served = client.models()
        except ServerError as error:
            raise ConfigError(f"cannot use the server at {address.url}: {error}") from None
        finally:
            client.close()
        entry = _choose(served, model, address)
        description = {key: value for key, value in entry.items() if key not in _VOLATILE_FIELDS}
        return cls(client, str(entry["id"]), description)

    @property
    def address(self) -> ServerAddress:
        return self.client.address

    @property
    def identity(self) -> str:
        """The server and the model as it describes itself, for the translation cache's key."""
        return f"{self.address.url}|{json.dumps(self.description, sort_keys=True, ensure_ascii=False)}"

    def complete(
        self,
        conversations: Sequence[Sequence[dict[str, str]]],
        decoding: Decoding,
        max_tokens: Sequence[int] | None = None,
    ) -> list[Answer]:
        """Each conversation's answer, in order, several in flight at once; ServerError when one fails.

        `max_tokens`, one for each conversation, bounds each answer (else `decoding.max_tokens`).
        """
        bodies = [
            {"model": self.model_id, "messages": list(messages), "stream": False, **decoding.as_request()}
            for messages in conversations
        ]
        if max_tokens is not None:
            for body, most in zip(bodies, max_tokens, strict=True):
                body["max_tokens"] = most
        answers = [_answer(reply, self.address.url) for reply in self.client.chat_many(bodies)]
        for answer in answers:
            if answer.model:
                self.answered_model = answer.model
        return answers

    def close(self) -> None:
        self.client.close()


def api_key_from_environment() -> str | None:
    """The API key in DIGEST_OPENAI_API_KEY (None when unset or empty); OPENAI_API_KEY is never read."""
    return os.environ.get(API_KEY_VARIABLE) or None


def _choose(served: list[dict[str, Any]], model: str, address: ServerAddress) -> dict[str, Any]:
    names = [str(entry["id"]) for entry in served]
    listed = ", ".join(names) or "none"
    if not model:
        if len(served) == 1:
            return served[0]
        raise ConfigError(
            f"the server at {address.url} serves {len(served)} models ({listed}); name one with --model"
            if served
            else f"the server at {address.url} serves no model; load or pull one first (e.g. `ollama pull qwen2.5:7b-instruct`)"
        )
    for entry in served:
        if str(entry["id"]) == model:
            return entry
    raise ConfigError(f"the server at {address.url} does not serve {model!r} (it serves: {listed})")


def _answer(reply: dict[str, Any], url: str) -> Answer:
    """The text of a chat completion's first choice ("" for none: an empty answer, repaired as any other)."""
    choices = reply.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise ServerError(f"{url}/chat/completions: the answer has no choices")
    choice = choices[0]
    message = choice.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    model = reply.get("model")
    finish = choice.get("finish_reason")
    return Answer(
        content if isinstance(content, str) else "",
        finish if isinstance(finish, str) else None,
        model if isinstance(model, str) and model else None,
    )

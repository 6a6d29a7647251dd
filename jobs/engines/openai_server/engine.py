"""`--engine openai`: translation by a model on a local OpenAI-compatible server (Ollama, llama.cpp's server, vLLM, LM Studio).

A `ChatEngine` backend: it implements `complete` (each request a `POST /chat/completions`,
`--in-flight` at once, retried as `client` says); `ChatEngine` numbers the segments, reads the
lines back, repairs and flags a document whose lines do not match, and keeps reasoning and
chatter out of the output. The job promises no network: the base URL must be on this machine
unless `--allow-remote-server` is given (`address`), and the API key is read from the
environment only (`DIGEST_OPENAI_API_KEY`), never from a flag, and never written anywhere.
`auto` never picks this engine: a server is used only when `--engine openai` names it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from ...errors import BatchError, ConfigError
from ..base import MODEL_OPTION, EngineOption, EngineSettings
from ..llm.chat import ChatEngine
from ..llm.prompt import SYSTEM_PROMPTS, ChatRequest
from .address import ALLOW_REMOTE_FLAG, check_base_url

if TYPE_CHECKING:
    from .server import ServerModel

#: Ollama's address; llama.cpp's server listens on 8080, vLLM on 8000, LM Studio on 1234.
DEFAULT_BASE_URL = "http://127.0.0.1:11434/v1"

BASE_URL_OPTION = EngineOption(
    "server_url",
    DEFAULT_BASE_URL,
    "--engine openai: the server's OpenAI-compatible base URL (Ollama http://127.0.0.1:11434/v1, llama.cpp's "
    "server http://127.0.0.1:8080/v1, vLLM http://127.0.0.1:8000/v1, LM Studio http://127.0.0.1:1234/v1). "
    f"Only an address on this machine, unless {ALLOW_REMOTE_FLAG} is given.",
)
IN_FLIGHT_OPTION = EngineOption(
    "in_flight",
    4,
    "--engine openai: requests sent to the server at once (match the server's parallel slots: "
    "OLLAMA_NUM_PARALLEL, llama.cpp's --parallel).",
    kind=int,
    minimum=1,
)
TIMEOUT_OPTION = EngineOption(
    "request_timeout",
    300.0,
    "--engine openai: seconds to wait for the server to connect and for each answer before trying again.",
    kind=float,
    minimum=0,
)
RETRIES_OPTION = EngineOption(
    "retries",
    2,
    "--engine openai: tries after the first for a request that failed in a way that may pass (the server "
    "refused or dropped the connection, timed out, answered 429 or 5xx, or cut its answer short).",
    kind=int,
    minimum=0,
)
ALLOW_REMOTE_OPTION = EngineOption(
    "allow_remote_server",
    False,
    "--engine openai: allow a --server-url that is not on this machine (the abstracts are then sent over the network).",
    kind=bool,
)


class OpenAIServerEngine(ChatEngine):
    """A model served by a local OpenAI-compatible server, asked through its chat completions."""

    name: ClassVar[str] = "openai"
    options: ClassVar[tuple[EngineOption, ...]] = (
        MODEL_OPTION,
        BASE_URL_OPTION,
        IN_FLIGHT_OPTION,
        TIMEOUT_OPTION,
        RETRIES_OPTION,
        ALLOW_REMOTE_OPTION,
    )

    def __init__(self, server: ServerModel, source_lang: str, target_lang: str, glossary: Mapping[str, str]) -> None:
        from .server import Decoding

        super().__init__(source_lang, target_lang, glossary)
        self.server = server
        self.sampling = Decoding()

    @classmethod
    def check_settings(cls, settings: EngineSettings) -> None:
        if settings.option(cls, "request_timeout") <= 0:
            raise ConfigError(f"{TIMEOUT_OPTION.flag} must be more than 0 seconds")
        check_base_url(settings.option(cls, "server_url"), settings.option(cls, "allow_remote_server"))

    @classmethod
    def supports(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> bool:
        # Whether the server serves the model is known only by asking it, which `load` does.
        return (source_lang, target_lang) in SYSTEM_PROMPTS

    @classmethod
    def unavailable_message(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> str:
        return f"the 'openai' engine has no prompt for {source_lang}->{target_lang}"

    @classmethod
    def load(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> OpenAIServerEngine:
        """The engine on the server's model; ConfigError when the server cannot be reached or does not serve it."""
        from .client import ClientSettings
        from .server import ServerModel, api_key_from_environment

        cls.check_settings(settings)
        client_settings = ClientSettings(
            timeout=float(settings.option(cls, "request_timeout")),
            retries=settings.option(cls, "retries"),
            in_flight=settings.option(cls, "in_flight"),
            api_key=api_key_from_environment(),
        )
        server = ServerModel.connect(
            settings.option(cls, "server_url"),
            settings.option(cls, "model"),
            client_settings,
            settings.option(cls, "allow_remote_server"),
        )
        return cls(server, source_lang, target_lang, settings.glossary)

    @property
    def model(self) -> str:
        return self.server.model_id

    @property
    def decoding(self) -> Mapping[str, Any]:
        return self.sampling.as_request()

    @property
    def cache_identity(self) -> str:
        # The server and the model as it describes itself, not only the name a request gives it.
        return f"{super().cache_identity}|server={self.server.identity}"

    def complete(self, requests: Sequence[ChatRequest]) -> list[str]:
        from .client import ServerError

        conversations = [[message.as_json() for message in request.messages] for request in requests]
        try:
            answers = self.server.complete(conversations, self.sampling, [request.max_tokens for request in requests])
        except ServerError as failure:
            raise BatchError(f"{failure}; the batch is done again by the next run") from None
        return [answer.text for answer in answers]

"""LLM engines: what every one guarantees (`chat.ChatEngine`), and `llm`, a model run by CTranslate2 here."""

from .chat import ChatEngine
from .prompt import PROMPT_VERSION, ChatMessage, ChatRequest

__all__ = ["PROMPT_VERSION", "ChatEngine", "ChatMessage", "ChatRequest"]

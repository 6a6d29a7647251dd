"""A model's own chat template, rendered as transformers renders it (`apply_chat_template`), with jinja2 alone.

The template comes from the model's tokenizer files: `chat_template.jinja`, else the
`chat_template` of `tokenizer_config.json` (a string, or a list of named templates of which the
`default` one is taken). It is rendered in jinja2's immutable sandbox with transformers' settings
(`trim_blocks`, `lstrip_blocks`, the `loopcontrols` extension, a `{% generation %}` block that
renders its body, a `tojson` that leaves non-ASCII text as it is, `raise_exception`,
`strftime_now`), within limits the sandbox does not set (`*` and `**` that would make a huge
string, list or number, `range()`s of more than a million steps in all, a prompt over
`MAX_RENDERED` characters), given the messages, `add_generation_prompt=True` and the tokenizer's special
tokens by name (`bos_token`, `eos_token`...); the text is then tokenized without adding special
tokens, the template having put in those the model expects.

Two choices of digest's own, for the sake of the same output on every run: `strftime_now` gives a
fixed day (26 July 2024, the day Llama 3.1's template falls back on when it has no clock) rather
than today's, and `enable_thinking` is False (Qwen3's templates then close the reasoning block
in the prompt). A template that refuses a system message (Mistral's, Gemma's) gets the system
prompt at the top of the user's message instead.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from ...errors import ConfigError
from .prompt import ChatMessage

TEMPLATE_FILE = "chat_template.jinja"
TOKENIZER_CONFIG = "tokenizer_config.json"
#: The day `strftime_now` gives (see the module's docstring).
FIXED_DAY = datetime(2024, 7, 26)
_SPECIAL_TOKEN_NAMES = ("bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token", "mask_token")
#: Opening and closing tags of reasoning, as `answers.strip_reasoning` knows them.
_OPENING_TAGS = ("<think>", "<thinking>", "<reasoning>")
_CLOSING_TAGS = ("</think>", "</thinking>", "</reasoning>")
#: The user's text in the conversation a template is tried on.
_PROBE = "digest-template-probe"
#: The most characters a rendered prompt, or a string or list a template builds with `*`, may have:
#: a model's whole context is a few hundred thousand characters, and a template from a model folder
#: must not fill the machine's memory (`{{ 'x' * 10**10 }}`).
MAX_RENDERED = 1 << 22
#: The largest integer `**` may make, in bits (`{{ 9 ** 9 ** 9 }}` would compute for minutes).
_MAX_POWER_BITS = 4096
#: The most numbers all the `range()`s of one rendering may give (the sandbox bounds each to 100,000,
#: not loops inside loops).
_MAX_RANGE_STEPS = 1_000_000


def read_tokenizer_config(folder: Path) -> dict[str, Any]:
    """The folder's `tokenizer_config.json` as a dict ({} if it has none); ConfigError if it cannot be read."""
    path = folder / TOKENIZER_CONFIG
    if not path.exists():
        return {}
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ConfigError(f"{path}: cannot be read ({error})") from None
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: not a JSON object")
    return config


def token_text(value: object) -> str | None:
    """A special token as tokenizer_config.json gives it: a string, or an object with its `content`."""
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) and value else None


def template_source(folder: Path, config: Mapping[str, Any]) -> str | None:
    """The chat template of a model folder, or None when it has none."""
    path = folder / TEMPLATE_FILE
    if path.is_file():
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"{path}: cannot be read ({error})") from None
    template = config.get("chat_template")
    if isinstance(template, list):  # named templates: [{"name": "default", "template": "..."}, ...]
        named = {item.get("name"): item.get("template") for item in template if isinstance(item, dict)}
        template = named.get("default")
    return template if isinstance(template, str) and template.strip() else None


class ChatTemplate:
    """A model's chat template, compiled once; `render` gives the prompt text of a conversation."""

    def __init__(self, source: str, special_tokens: Mapping[str, str], where: str = "the chat template") -> None:
        self.special_tokens = dict(special_tokens)
        self.where = where
        try:
            self.template = _environment().from_string(source)
        except Exception as error:  # jinja2's TemplateSyntaxError, or anything its parser raises
            raise ConfigError(f"{where}: not a valid template ({type(error).__name__}: {error})") from None
        probe = (ChatMessage("system", "S"), ChatMessage("user", _PROBE))
        #: Whether the template takes a system message (Mistral's and Gemma's refuse one).
        self.takes_system = True
        try:
            rendered = self._render(probe)
        except ConfigError:
            self.takes_system = False
            rendered = self.render(probe)
        #: Whether the prompt leaves the answer inside a reasoning block (`<think>` opened, not closed).
        self.opens_reasoning = _opens_reasoning(rendered[rendered.rfind(_PROBE) + len(_PROBE) :])

    @classmethod
    def from_folder(cls, folder: Path) -> ChatTemplate:
        """The template of a model folder, with its tokenizer's special tokens; ConfigError if it has none."""
        config = read_tokenizer_config(folder)
        source = template_source(folder, config)
        if source is None:
            raise ConfigError(
                f"{folder}: no chat template ({TEMPLATE_FILE}, or chat_template in {TOKENIZER_CONFIG}); "
                "copy the instruction model's tokenizer_config.json into the folder"
            )
        tokens = {name: text for name in _SPECIAL_TOKEN_NAMES if (text := token_text(config.get(name))) is not None}
        return cls(source, tokens, str(folder / TOKENIZER_CONFIG))

    def render(self, messages: Sequence[ChatMessage]) -> str:
        """The prompt text of the conversation, the assistant's turn opened; ConfigError if the template fails."""
        if not self.takes_system and messages and messages[0].role == "system":
            system, rest = messages[0], list(messages[1:])
            if rest and rest[0].role == "user":
                rest[0] = ChatMessage("user", f"{system.content}\n\n{rest[0].content}")
            else:
                rest.insert(0, ChatMessage("user", system.content))
            messages = rest
        return self._render(messages)

    def _render(self, messages: Sequence[ChatMessage]) -> str:
        parts: list[str] = []
        size = 0
        _STEPS.left = _MAX_RANGE_STEPS
        try:
            for part in self.template.generate(
                messages=[message.as_json() for message in messages],
                add_generation_prompt=True,
                tools=None,
                documents=None,
                enable_thinking=False,
                **self.special_tokens,
            ):
                size += len(part)
                if size > MAX_RENDERED:
                    raise _TooLarge(f"the prompt is over {MAX_RENDERED:,} characters")
                parts.append(part)
            return "".join(parts)
        except Exception as error:  # raise_exception's TemplateError, or any error of the template's own code
            raise ConfigError(f"{self.where}: the chat template failed ({type(error).__name__}: {error})") from None


def _opens_reasoning(text: str) -> bool:
    opened = max(text.rfind(tag) for tag in _OPENING_TAGS)
    return opened >= 0 and opened > max(text.rfind(tag) for tag in _CLOSING_TAGS)


class _TooLarge(Exception):
    """A template went past one of the limits above."""


#: How many more numbers `range()` may give in the rendering under way (in this thread).
_STEPS = threading.local()


def _bounded_range(*arguments: int) -> Iterator[int]:
    """`range`, its numbers counted against the rendering's `_MAX_RANGE_STEPS`."""
    numbers = range(*arguments)
    if len(numbers) > _STEPS.left:
        raise _TooLarge(f"the template's loops go over {_MAX_RANGE_STEPS:,} steps")
    _STEPS.left -= len(numbers)
    return iter(numbers)


def _bounded_binop(operator: str, left: Any, right: Any) -> Any:
    """`*` and `**` as Python does them, refused where the result would be too large to make."""
    if operator == "**":
        if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
            if abs(left).bit_length() * right > _MAX_POWER_BITS:
                raise _TooLarge(f"{left} ** {right} is too large a number")
        return left**right
    for sequence, times in ((left, right), (right, left)):
        if isinstance(sequence, str | list | tuple) and isinstance(times, int) and len(sequence) * times > MAX_RENDERED:
            raise _TooLarge(f"a {type(sequence).__name__} of {len(sequence):,} times {times:,} is too large")
    return left * right


def _environment() -> Any:
    """A sandboxed jinja2 environment set up as transformers sets up the one it renders chat templates in."""
    import jinja2
    import jinja2.ext
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Generation(jinja2.ext.Extension):
        """`{% generation %}…{% endgeneration %}`, which marks the assistant's text for training: its body as it is."""

        tags = {"generation"}

        def parse(self, parser: Any) -> Any:
            line = next(parser.stream).lineno
            body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
            return jinja2.nodes.CallBlock(self.call_method("_body"), [], [], body).set_lineno(line)

        def _body(self, caller: Any) -> str:
            return str(caller())

    def raise_exception(message: str) -> None:
        raise jinja2.exceptions.TemplateError(message)

    def tojson(
        value: Any,
        ensure_ascii: bool = False,
        indent: int | None = None,
        separators: Any = None,
        sort_keys: bool = False,
    ) -> str:
        return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    class Bounded(ImmutableSandboxedEnvironment):  # type: ignore[misc]
        """The sandbox with `*` and `**` checked (it passes them on unchecked by default)."""

        intercepted_binops = frozenset({"*", "**"})

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            return _bounded_binop(operator, left, right)

    environment = Bounded(trim_blocks=True, lstrip_blocks=True, extensions=[Generation, jinja2.ext.loopcontrols])
    environment.filters["tojson"] = tojson
    environment.globals["raise_exception"] = raise_exception
    environment.globals["strftime_now"] = FIXED_DAY.strftime
    environment.globals["range"] = _bounded_range
    return environment

"""Hostile chat templates: a model folder's template is code, run in jinja2's sandbox within limits.

The sandbox stops a template reaching Python's internals, but not building a gigabyte string, a
number of millions of digits or loops of billions of steps, each of which would take the run's
memory or its time for ever. A template may do so only on some input (an abstract in Chinese, here),
so that the check when the model is added passes: each must then fail as a ConfigError naming the
template, at once.
"""

from __future__ import annotations

import time

import pytest

from jobs.engines.llm.prompt import ChatMessage
from jobs.engines.llm.template import ChatTemplate
from jobs.errors import ConfigError

from .llm_model import QWEN_STYLE_TEMPLATE

CHINESE = (ChatMessage("system", "You translate."), ChatMessage("user", "1. 结果表明该方法有效。"))


def hostile(bomb: str) -> ChatTemplate:
    """Qwen's template, with `bomb` set off by a Chinese full stop in the last message (not in the add check's probe)."""
    return ChatTemplate("{% if '。' in messages[-1]['content'] %}" + bomb + "{% endif %}" + QWEN_STYLE_TEMPLATE, {})


@pytest.mark.parametrize(
    "bomb, refusal",
    [
        ("{{ 'A' * 100000000 }}", r"a str of 1 times 100,000,000 is too large"),
        ("{{ ['A'] * 30000000 }}", r"a list of 1 times 30,000,000 is too large"),
        ("{{ (10 ** 100000000) | string | length }}", r"10 \*\* 100000000 is too large a number"),
        (
            "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
            r"the template's loops go over 1,000,000 steps",
        ),
        ("{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}", r"the prompt is over 4,194,304 characters"),
    ],
    ids=["string", "list", "power", "loops", "output"],
)
def test_a_template_that_would_take_the_memory_or_the_time_fails_at_once(bomb: str, refusal: str) -> None:
    template = hostile(bomb)
    assert template.render((ChatMessage("user", "hi"),)).endswith("<|im_start|>assistant\n")  # harmless elsewhere
    started = time.monotonic()
    with pytest.raises(ConfigError, match=rf"the chat template failed \(_TooLarge: {refusal}\)"):
        template.render(CHINESE)
    assert time.monotonic() - started < 5


def test_a_template_s_ordinary_arithmetic_and_loops_still_work() -> None:
    template = ChatTemplate(
        "{{ 2 ** 10 }} {{ [0] * 3 }} {{ 3 * 'ab' }} {{ 1.5 ** 2 }} {{ 2 ** -1 }}"
        "{% for i in range(3) %}{{ i }}{% endfor %}{% for m in messages %}|{{ m.content }}{% endfor %}",
        {},
    )
    assert template.render(CHINESE) == "1024 [0, 0, 0] ababab 2.25 0.5012|You translate.|1. 结果表明该方法有效。"
    assert template.render(CHINESE) == template.render(CHINESE)  # the range budget is each rendering's own

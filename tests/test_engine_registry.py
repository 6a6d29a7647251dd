"""An engine added to the registry brings its own options to `digest run`, with no CLI change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import pytest

from jobs import engines
from jobs.engines.base import EngineOption, EngineSettings, TranslationEngine

from .conftest import run_digest


class Identity(TranslationEngine):
    """A registered engine with an option of its own (it copies text: for the registry only)."""

    name: ClassVar[str] = "identity"
    options: ClassVar[tuple[EngineOption, ...]] = (
        EngineOption("identity_mark", "", "Text put before every sentence.", choices=("", "»")),
    )

    @classmethod
    def supports(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> bool:
        return True

    @classmethod
    def load(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> Identity:
        engine = cls(source_lang, target_lang)
        engine.mark = settings.option(cls, "identity_mark")
        return engine

    @property
    def model(self) -> str:
        return "none"

    def translate_batch(self, sentences: Sequence[str]) -> list[str]:
        return [self.mark + sentence for sentence in sentences]


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(engines.ENGINES, "identity", Identity)


def test_a_registered_engine_and_its_option_appear_in_digest_run(registered: None) -> None:
    shown = run_digest("run", "--help").stdout
    assert "[auto|argos|gloss|identity]" in shown and "--identity-mark" in shown


def test_the_option_reaches_the_engine(registered: None, sample_batch) -> None:
    result = run_digest("run", "-q", "--engine", "identity", "--identity-mark", "»", "--no-cache")
    assert result.exit_code == 0, result.stderr
    from .conftest import read_jsonl

    [first, *_] = read_jsonl(sample_batch.parent.parent / "output" / "seed-cnki-export.jsonl")
    assert all(pair["en"].startswith("»") for pair in first["sentences"])


def test_an_option_an_engine_does_not_have_is_an_error() -> None:
    with pytest.raises(KeyError, match="no option 'beam_size'"):
        EngineSettings().option(Identity, "beam_size")

"""An engine added to the registry brings its own options to `digest run`, with no CLI change."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import pytest

from jobs import engines
from jobs.engines.base import EngineOption, EngineSettings, ModelInfo, TranslationEngine
from jobs.errors import ConfigError, UsageError
from jobs.messages import Warn

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
    assert "[auto|argos|ct2|llm|gloss|openai|identity]" in shown and "--identity-mark" in shown


@pytest.mark.parametrize("name", ["base_url", "quiet", "output_dir"])
def test_an_engine_option_named_as_one_of_digest_runs_own_flags_is_refused(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """Two options of one name: click took the value for one and dropped the other's (the openai
    engine's --base-url went to the pages' --base-url, and the engine asked Ollama's default address)."""

    class Clashing(Identity):
        options: ClassVar[tuple[EngineOption, ...]] = (EngineOption(name, "", "An option named as a run flag."),)

    monkeypatch.setitem(engines.ENGINES, "clashing", Clashing)
    with pytest.raises(RuntimeError, match=f"an engine option has the name of digest run's own flag: .*{name}"):
        run_digest("run", "--help")


def test_the_option_reaches_the_engine(registered: None, sample_batch) -> None:
    result = run_digest("run", "-q", "--engine", "identity", "--identity-mark", "»", "--no-cache")
    assert result.exit_code == 0, result.stderr
    from .conftest import read_jsonl

    [first, *_] = read_jsonl(sample_batch.parent.parent / "output" / "seed-cnki-export.jsonl")
    assert all(pair["en"].startswith("»") for pair in first["sentences"])


def test_an_option_an_engine_does_not_have_is_an_error() -> None:
    with pytest.raises(KeyError, match="no option 'beam_size'"):
        EngineSettings().option(Identity, "beam_size")


class Careful(Identity):
    """An engine with a flag and a number of its own, and a check of its settings as a whole."""

    name: ClassVar[str] = "careful"
    options: ClassVar[tuple[EngineOption, ...]] = (
        EngineOption("careful_wait", 1.5, "Seconds to wait.", kind=float, minimum=0),
        EngineOption("careful_anyway", False, "Go on when the wait is long.", kind=bool),
    )

    @classmethod
    def check_settings(cls, settings: EngineSettings) -> None:
        if settings.option(cls, "careful_wait") > 60 and not settings.option(cls, "careful_anyway"):
            raise UsageError("--careful-wait over 60 needs --careful-anyway")

    @classmethod
    def load(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> Careful:
        engine = cls(source_lang, target_lang)
        engine.mark = f"{settings.option(cls, 'careful_wait')}/{settings.option(cls, 'careful_anyway')} "
        return engine


def test_an_engine_flag_and_number_reach_it_and_its_settings_are_checked_before_the_run(
    monkeypatch: pytest.MonkeyPatch, sample_batch: Path
) -> None:
    from .conftest import read_jsonl

    monkeypatch.setitem(engines.ENGINES, "careful", Careful)
    shown = run_digest("run", "--help").stdout
    assert "--careful-wait FLOAT RANGE" in shown and "--careful-anyway " in shown
    refused = run_digest("run", "-q", "--engine", "careful", "--careful-wait", "90", "--no-cache")
    assert refused.exit_code == 2 and "--careful-wait over 60 needs --careful-anyway" in refused.stderr
    assert not (sample_batch.parent.parent / "output" / "seed-cnki-export.jsonl").exists()
    negative = run_digest("run", "-q", "--engine", "careful", "--careful-wait", "-1", "--no-cache")
    assert negative.exit_code == 2 and "-1.0 is not in the range x>=0" in negative.stderr

    done = run_digest("run", "-q", "--engine", "careful", "--careful-wait", "90", "--careful-anyway", "--no-cache")
    assert done.exit_code == 0, done.stderr
    [first, *_] = read_jsonl(sample_batch.parent.parent / "output" / "seed-cnki-export.jsonl")
    assert first["sentences"][0]["en"].startswith("90.0/True ")


@pytest.mark.parametrize(
    "value, words",
    [(True, "must be a number"), ("3", "must be a number"), (float("nan"), "must be a number"), (-0.5, "at least 0")],
)
def test_a_library_caller_s_wrong_number_is_refused(value: object, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        Careful.options[0].check(value)
    with pytest.raises(ConfigError, match="given or not"):
        Careful.options[1].check("yes")


class Phrasebook(TranslationEngine):
    """A registered engine with models of its own: `.phrasebook` files of `Chinese<TAB>English` lines.

    It translates a sentence it has a line for and keeps any other as it is; installed phrasebooks
    live in `<models>/phrasebooks/NAME.tsv`, beside the Argos packages.
    """

    name: ClassVar[str] = "phrasebook"
    SUFFIX: ClassVar[str] = ".phrasebook"

    def __init__(self, source_lang: str, target_lang: str, table: dict[str, str], names: list[str]) -> None:
        super().__init__(source_lang, target_lang)
        self.table = table
        self.names = names

    @classmethod
    def folder(cls, settings: EngineSettings) -> Path:
        return settings.models_dir / "phrasebooks"

    @classmethod
    def supports(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> bool:
        return (source_lang, target_lang) == ("zh", "en") and bool(cls.installed_models(settings))

    @classmethod
    def load(cls, source_lang: str, target_lang: str, settings: EngineSettings) -> Phrasebook:
        books = cls.installed_models(settings)
        lines = [line for book in books for line in book.path.read_text(encoding="utf-8").splitlines()]
        table = dict(line.split("\t", 1) for line in lines)
        return cls(source_lang, target_lang, table, [book.name for book in books])

    @property
    def model(self) -> str:
        return "phrasebook " + "+".join(self.names)

    def translate_batch(self, sentences: Sequence[str]) -> list[str]:
        return [self.table.get(sentence, sentence) for sentence in sentences]

    @classmethod
    def prepare(cls, settings: EngineSettings, warn: Warn) -> None:
        for dropped in sorted(settings.models_dir.glob(f"*{cls.SUFFIX}")):
            model = cls.install(dropped, settings)
            dropped.unlink()
            warn(f"installed {model.model} from {dropped.name}")

    @classmethod
    def claims(cls, source: Path) -> bool:
        return source.suffix == cls.SUFFIX

    @classmethod
    def install(cls, source: Path, settings: EngineSettings) -> ModelInfo:
        text = source.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            if "\t" not in line:
                raise ConfigError(f"{source}, line {number}: no tab between the Chinese and the English")
        cls.folder(settings).mkdir(parents=True, exist_ok=True)
        (cls.folder(settings) / f"{source.stem}.tsv").write_text(text, encoding="utf-8")
        return next(model for model in cls.installed_models(settings) if model.name == source.stem)

    @classmethod
    def installed_models(cls, settings: EngineSettings) -> list[ModelInfo]:
        books = sorted(cls.folder(settings).glob("*.tsv")) if cls.folder(settings).is_dir() else []
        return [
            ModelInfo("phrasebook", "phrasebook", book.stem, f"phrasebook {book.stem}", "zh", "en", "1", 0, book)
            for book in books
        ]

    @classmethod
    def remove(cls, name: str, settings: EngineSettings) -> ModelInfo | None:
        model = next((model for model in cls.installed_models(settings) if model.name == name), None)
        if model is not None:
            model.path.unlink()
        return model


#: A phrasebook: a sentence of the sample export, and a word.
PHRASES = "中国的核威慑实力弱于美国。\tChina's nuclear deterrent is weaker than that of the US.\n政策\tpolicy\n"


@pytest.fixture
def phrasebook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(engines.ENGINES, "phrasebook", Phrasebook)


def test_digest_models_installs_lists_and_removes_the_models_of_a_registered_engine(
    phrasebook: None, workdir: Path
) -> None:
    (workdir / "policy.phrasebook").write_text(PHRASES, encoding="utf-8")
    installed = run_digest("models", "install", "policy.phrasebook")
    book = workdir / "lang_models" / "phrasebooks" / "policy.tsv"
    assert installed.exit_code == 0, installed.stderr
    assert f"installed phrasebook policy (zh->en) in {book}" in installed.stderr

    assert run_digest("models", "list").stdout == f"policy\t1\t0.0 MB\t{book}\tphrasebook\n"
    [listed] = [json.loads(line) for line in run_digest("models", "list", "--json").stdout.splitlines()]
    assert listed == {
        "pair": "zh_en",
        "from": "zh",
        "to": "en",
        "version": "1",
        "size_bytes": 0,
        "path": str(book),
        "name": "policy",
        "engine": "phrasebook",
        "kind": "phrasebook",
    }

    (workdir / "broken.phrasebook").write_text("政策 policy\n", encoding="utf-8")
    refused = run_digest("models", "install", "broken.phrasebook")
    assert refused.exit_code == 2 and "broken.phrasebook, line 1: no tab" in refused.stderr

    missing = run_digest("models", "remove", "trade")
    assert missing.exit_code == 2
    assert f"no model 'trade' is installed in {workdir / 'lang_models'} (installed: policy)" in missing.stderr
    removed = run_digest("models", "remove", "policy")
    assert removed.exit_code == 0 and f"removed phrasebook policy from {book}" in removed.stderr
    assert not book.exists()
    assert "no models installed in" in run_digest("models", "list").stderr


def test_models_of_every_engine_are_listed_together_each_with_its_kind(
    phrasebook: None, workdir: Path, argos_models: Path
) -> None:
    models = shutil.copytree(argos_models, workdir / "lang_models")
    (workdir / "policy.phrasebook").write_text(PHRASES, encoding="utf-8")
    assert run_digest("models", "install", "policy.phrasebook").exit_code == 0
    rows = [line.split("\t") for line in run_digest("models", "list").stdout.splitlines()]
    assert [(row[0], row[3], row[4]) for row in rows] == [
        ("zh_en", str(models / "zh_en"), "argos"),
        ("policy", str(models / "phrasebooks" / "policy.tsv"), "phrasebook"),
    ]
    listed = [json.loads(line) for line in run_digest("models", "list", "--json").stdout.splitlines()]
    assert [(model["name"], model["engine"], model["kind"]) for model in listed] == [
        ("zh_en", "argos", "argos"),
        ("policy", "phrasebook", "phrasebook"),
    ]
    missing = run_digest("models", "remove", "en_zh")
    assert "(installed: zh_en, policy)" in missing.stderr


def test_a_run_prepares_every_engine_before_choosing_one(phrasebook: None, sample_batch: Path) -> None:
    # A phrasebook dropped into the models folder is installed by the run, so `--engine phrasebook`,
    # which needs one installed, can translate with it.
    models = sample_batch.parent.parent / "lang_models"
    models.mkdir()
    (models / "policy.phrasebook").write_text(PHRASES, encoding="utf-8")
    result = run_digest("run", "-q", "--engine", "phrasebook", "--no-cache")
    assert result.exit_code == 0, result.stderr
    assert "digest: warning: installed phrasebook policy from policy.phrasebook" in result.stderr
    assert not (models / "policy.phrasebook").exists()
    from .conftest import read_jsonl

    records = read_jsonl(sample_batch.parent.parent / "output" / "seed-cnki-export.jsonl")
    assert {record["engine"]["model"] for record in records if record["source_lang"] == "zh"} == {"phrasebook policy"}

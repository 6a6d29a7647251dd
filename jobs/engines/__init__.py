"""Translation engines behind a registry: look one up by name, or let `auto` choose; their models, all together."""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError
from ..messages import Warn
from .base import EngineOption, EngineSettings, ModelInfo, TranslationEngine

ENGINES: dict[str, type[TranslationEngine]] = {}

#: `auto` tries engines in this order and takes the first that supports the pair.
AUTO_PREFERENCE: list[str] = []

#: The engine that `digest models install` hands a file that no engine `claims` (Argos: it checks
#: the file as a package, which a download renamed `.zip` may well be, and says what is wrong with it).
FALLBACK_INSTALLER: list[str] = []

#: What `digest models add` takes, for the message that refuses a folder no engine claims.
MODEL_FOLDERS = (
    "a folder written by a CTranslate2 converter, model.bin and config.json with the model's tokenizer files "
    "beside them; see the docs, Translation engines"
)


def register(
    engine: type[TranslationEngine], *, auto_rank: int | None = None, fallback_installer: bool = False
) -> type[TranslationEngine]:
    """Add an engine class to the registry; `auto_rank` places it in `auto`'s preference (0 = best)."""
    ENGINES[engine.name] = engine
    if auto_rank is not None:
        AUTO_PREFERENCE.insert(min(auto_rank, len(AUTO_PREFERENCE)), engine.name)
    if fallback_installer:
        FALLBACK_INSTALLER[:] = [engine.name]
    return engine


def engine_choices() -> list[str]:
    """Names accepted by `--engine`."""
    return ["auto", *ENGINES]


def engine_options() -> list[EngineOption]:
    """Every registered engine's own options, once each (engines may share one by defining it alike)."""
    found: dict[str, EngineOption] = {}
    for engine in ENGINES.values():
        for option in engine.options:
            if found.setdefault(option.name, option) != option:
                raise ValueError(f"engines define the option {option.name!r} differently")
    return list(found.values())


def engine_class(name: str) -> type[TranslationEngine]:
    """The registered engine called `name`; ConfigError for an unknown name."""
    if name not in ENGINES:
        raise ConfigError(f"unknown engine {name!r}; choose one of: {', '.join(engine_choices())}")
    return ENGINES[name]


def resolve_engine(
    name: str,
    source_lang: str,
    target_lang: str,
    settings: EngineSettings,
    warn: Warn = lambda message: None,
) -> type[TranslationEngine] | None:
    """The engine class for one language pair, or None when nothing installed can translate it.

    Chooses without loading anything, so that a run can decide here and load the engine
    elsewhere (in a worker). A named engine that cannot do the pair gives None, like `auto` with
    nothing installed; the caller decides whether that is an error. `auto` takes the best engine
    that supports the pair and warns when that is a stand-in (the gloss) rather than a translation
    model.
    """
    if name != "auto":
        engine = engine_class(name)
        return engine if engine.supports(source_lang, target_lang, settings) else None

    candidates = [ENGINES[n] for n in AUTO_PREFERENCE if ENGINES[n].supports(source_lang, target_lang, settings)]
    if not candidates:
        return None
    chosen = candidates[0]
    if chosen.is_fallback:
        warn(
            f"no translation model for {source_lang}->{target_lang} is installed in {settings.models_dir}; "
            f"falling back to the '{chosen.name}' engine (a rough dictionary gloss, flagged "
            f"'{chosen.name}' in every record). See README, 'Translation models', to install one."
        )
    return chosen


def select_engine(
    name: str,
    source_lang: str,
    target_lang: str,
    settings: EngineSettings,
    warn: Warn = lambda message: None,
) -> TranslationEngine | None:
    """The loaded engine for one language pair (see `resolve_engine`), or None."""
    engine = resolve_engine(name, source_lang, target_lang, settings, warn)
    return None if engine is None else engine.load(source_lang, target_lang, settings)


def prepare_engines(settings: EngineSettings, warn: Warn) -> None:
    """Every engine's `prepare`: what a run does before it chooses engines (installing dropped models)."""
    for engine in ENGINES.values():
        engine.prepare(settings, warn)


def install_model(source: Path, settings: EngineSettings, name: str | None = None) -> ModelInfo:
    """Install the model at `source` with the engine that `claims` it, else the fallback (`digest models install`, `add`).

    A folder no engine claims is refused here (the fallback takes files); `name` goes to the engine only when given.
    """
    claimed = [engine.name for engine in ENGINES.values() if engine.claims(source)]
    if not claimed and source.is_dir():
        raise ConfigError(f"{source}: not a model folder any engine takes ({MODEL_FOLDERS})")
    if claimed:
        _check_name_free(name if name is not None else source.name, claimed[0], settings)
    for engine in claimed[:1] or FALLBACK_INSTALLER:
        return (
            ENGINES[engine].install(source, settings)
            if name is None
            else ENGINES[engine].install(source, settings, name)
        )
    raise ConfigError(f"{source}: not a model that any engine installs")


def _check_name_free(name: str, engine: str, settings: EngineSettings) -> None:
    """ConfigError when another engine's model is called `name`: `models remove` and `--model` take a name alone."""
    taken = next((m for m in installed_models(settings) if m.name == name and m.engine != engine), None)
    if taken is not None:
        raise ConfigError(
            f"{name!r}: the {taken.engine} model {taken.model} in {taken.path} is called so; give --name another "
            f"name, or remove that one first (digest models remove {name})"
        )


def download_model(source_lang: str, target_lang: str, settings: EngineSettings) -> ModelInfo:
    """Download and install a model for the pair from the first engine that has an index (`--from-index`)."""
    for engine in ENGINES.values():
        model = engine.download(source_lang, target_lang, settings)
        if model is not None:
            return model
    raise ConfigError("no engine downloads models")


def installed_models(settings: EngineSettings) -> list[ModelInfo]:
    """The models of every engine that has any, engine by engine (`digest models list`)."""
    return [model for engine in ENGINES.values() for model in engine.installed_models(settings)]


def remove_model(name: str, settings: EngineSettings) -> ModelInfo:
    """Uninstall the model called `name`, whichever engine's it is; ConfigError naming those installed if none is."""
    for engine in ENGINES.values():
        model = engine.remove(name, settings)
        if model is not None:
            return model
    installed = ", ".join(model.name for model in installed_models(settings)) or "none"
    raise ConfigError(f"no model {name!r} is installed in {settings.models_dir} (installed: {installed})")


def _register_builtin_engines() -> None:
    from .argos import ArgosEngine
    from .ct2 import Ct2Engine
    from .gloss import GlossEngine
    from .llm.engine import LlmEngine
    from .openai_server.engine import OpenAIServerEngine

    register(ArgosEngine, auto_rank=0, fallback_installer=True)
    register(Ct2Engine, auto_rank=0)  # a CTranslate2 translator of today's families before Argos's older ones
    # An instruction model, where one is installed, translates better than either.
    register(LlmEngine, auto_rank=0)
    register(GlossEngine, auto_rank=len(AUTO_PREFERENCE))
    register(OpenAIServerEngine)  # never `auto`'s: a server is used only when named (no network by default)


_register_builtin_engines()

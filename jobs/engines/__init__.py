"""Translation engines behind a registry: look one up by name, or let `auto` choose."""

from __future__ import annotations

from ..errors import ConfigError
from ..messages import Warn
from .base import EngineOption, EngineSettings, TranslationEngine

ENGINES: dict[str, type[TranslationEngine]] = {}

#: `auto` tries engines in this order and takes the first that supports the pair.
AUTO_PREFERENCE: list[str] = []


def register(engine: type[TranslationEngine], *, auto_rank: int | None = None) -> type[TranslationEngine]:
    """Add an engine class to the registry; `auto_rank` places it in `auto`'s preference (0 = best)."""
    ENGINES[engine.name] = engine
    if auto_rank is not None:
        AUTO_PREFERENCE.insert(min(auto_rank, len(AUTO_PREFERENCE)), engine.name)
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


def _register_builtin_engines() -> None:
    from .argos import ArgosEngine
    from .gloss import GlossEngine

    register(ArgosEngine, auto_rank=0)
    register(GlossEngine, auto_rank=len(AUTO_PREFERENCE))


_register_builtin_engines()

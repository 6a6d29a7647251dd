"""What a run is told: the options of `digest run` as one object, for the library and the CLI alike."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .engines.base import EngineSettings
from .keywords import DEFAULT_METHOD as DEFAULT_KEYWORD_METHOD
from .summarize import DEFAULT_ALGORITHM


@dataclass
class RunOptions:
    """Everything `digest run` can be told."""

    inputs: Sequence[Path] = (Path("input"),)
    output_dir: Path = Path("output")
    engine: str = "auto"
    #: Sentences per summary (int), or a share of the abstract's sentences (float, 0 < R <= 1).
    summary_size: int | float = 3
    summarizer: str = DEFAULT_ALGORITHM
    #: `aligned`: indices chosen on the source, both languages emitted by them; `independent`:
    #: each language summarised on its own sentences.
    summary_mode: str = "aligned"
    #: Keywords per language (0: none).
    keywords: int = 5
    keyword_method: str = DEFAULT_KEYWORD_METHOD
    force: bool = False
    engine_settings: EngineSettings = field(default_factory=EngineSettings)
    #: TSV of forced Chinese -> English terms.
    glossary: Path | None = None
    #: The translation cache file (None: the user's cache folder); `use_cache=False` turns it off.
    cache_path: Path | None = None
    use_cache: bool = True
    progress: bool = False
    #: Read symbolic links in input folders that lead outside them (skipped with a warning by default).
    follow_symlinks: bool = False
    #: Records whose sentences go to the engine in one `translate_batch` call.
    chunk_records: int = 256
    #: Where the per-chunk work runs: `local` (this process) or `ray` (Ray workers; see docs/cluster.md).
    executor: str = "local"
    #: The Ray cluster to join (None: `RAY_ADDRESS` as Ray reads it, else a local instance for the run).
    ray_address: str | None = None
    #: Ray workers (None: one per CPU of the cluster, or per GPU when models run on CUDA).
    workers: int | None = None

"""What a run is told: the options of `digest run` as one object, for the library and the CLI alike, and their checks.

The CLI parses flags into a `RunOptions` (click refusing what it can type: a number below its
range, a choice not offered); `RunOptions.check` refuses the rest, and everything a library
caller could give that the CLI would not take, before a run reads or writes anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from .config import MailConfig, TopicConfig
from .engines import engine_class, engine_options
from .engines.base import EngineSettings
from .errors import ConfigError, UsageError
from .keywords import DEFAULT_METHOD as DEFAULT_KEYWORD_METHOD
from .keywords import METHODS as KEYWORD_METHODS
from .summarize import ALGORITHMS, DEFAULT_ALGORITHM, summary_length
from .topics import check_topics

#: Where the per-chunk work can run (`RunOptions.executor`).
EXECUTORS = ("local", "ray")
SUMMARY_MODES = ("aligned", "independent")


def summary_size(sentences: int | None, ratio: float | None) -> int | float:
    """The summary size of `--sentences N` or `--ratio R` (3 sentences when neither is given); not both."""
    if sentences is not None and ratio is not None:
        raise UsageError("give --sentences or --ratio, not both")
    return ratio if ratio is not None else sentences or 3


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
    #: Where the run's new records are mailed (`[mail]` of digest.toml; None: not mailed).
    mail: MailConfig | None = None
    #: The topics records are matched against (`[topics.NAME]` of digest.toml).
    topics: dict[str, TopicConfig] = field(default_factory=dict)
    #: Where the pages are published (an http(s) URL): the feed's links are absolute under it.
    base_url: str | None = None

    def check(self) -> None:
        """Refuse options that cannot be run: UsageError for ones that do not go together, else ConfigError."""
        if self.executor != "ray" and (self.ray_address or self.workers):
            raise UsageError("--ray-address and --workers go with --executor ray")
        if self.engine != "auto":
            engine_class(self.engine)  # ConfigError naming the engines there are
        try:
            summary_length(1, self.summary_size)
        except (TypeError, ValueError) as problem:
            raise ConfigError(str(problem)) from None
        if self.summary_mode not in SUMMARY_MODES:
            raise ConfigError(f"unknown summary mode {self.summary_mode!r}; choose aligned or independent")
        _check_choice("summary algorithm", self.summarizer, ALGORITHMS)
        if self.keywords < 0:
            raise ConfigError(f"keywords must be 0 or more, not {self.keywords}")
        _check_choice("keyword method", self.keyword_method, KEYWORD_METHODS)
        _check_choice("executor", self.executor, EXECUTORS)
        if self.workers is not None and self.workers < 1:
            raise ConfigError(f"workers must be 1 or more, not {self.workers}")
        if self.base_url is not None:
            self.base_url = check_base_url(self.base_url)
        check_topics(self.topics)
        for option in engine_options():
            if option.name in self.engine_settings.options:
                option.check(self.engine_settings.options[option.name])
        if self.engine != "auto":
            engine_class(self.engine).check_settings(self.engine_settings)


def check_base_url(url: str) -> str:
    """The pages' base URL as the feed joins links to it (ending in "/", its path percent-encoded);
    ConfigError for one that is no http(s) URL, or that holds a user name or password (every
    feed entry would publish them)."""
    try:
        parts = urlsplit(url.strip())
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        parts, port_ok = urlsplit(""), False
    if (
        parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or not port_ok
        or parts.query
        or parts.fragment
        or "@" in parts.netloc
    ):
        raise ConfigError(
            f"--base-url {url!r} is not the http(s) URL of the folder the pages are published in "
            "(like https://example.org/digest/; no user name or password in it)"
        )
    # A space or a quote in the path is no part of a link: encoded ("my digest" is "my%20digest").
    path = quote(parts.path, safe="/%:@!$&'()*+,;=~")
    return urlunsplit((parts.scheme, parts.netloc, path if path.endswith("/") else path + "/", "", ""))


def _check_choice(what: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise ConfigError(f"unknown {what} {value!r}; choose one of: {', '.join(choices)}")

"""What installing digest brings: argostranslate from `argos-translate-lt`, and no PyTorch."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

DISTRIBUTION = "zh-abstract-digest"
#: What upstream `argostranslate` pulls in (PyTorch through stanza: 4.4 GB with its CUDA build);
#: digest imports none of them.
HEAVY = {"torch", "stanza", "spacy", "argostranslate", "triton"}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def install_closure(distribution: str) -> set[str]:
    """Every distribution that installing `distribution` (no extras) requires, transitively."""
    seen: set[str] = set()
    pending = [distribution]
    while pending:
        name = _normalise(pending.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            requirements = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue  # a requirement for another platform or Python, not installed here
        for line in requirements:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    return seen


def test_the_install_requires_no_pytorch_stanza_or_spacy() -> None:
    closure = install_closure(DISTRIBUTION)
    assert {"argos-translate-lt", "ctranslate2", "sentencepiece", "jieba", "sumy"} <= closure
    assert not closure & HEAVY, f"installing {DISTRIBUTION} pulls in {sorted(closure & HEAVY)}"


def test_argostranslate_is_the_module_argos_translate_lt_installed() -> None:
    from jobs.engines.argos.models import argos_package_module

    module_file = Path(argos_package_module().__file__ or "").resolve()
    files = metadata.files("argos-translate-lt") or []
    owned = {Path(str(file.locate())).resolve() for file in files if str(file).startswith("argostranslate/")}
    assert module_file in owned


def test_both_commands_run_the_same_cli() -> None:
    scripts = {
        ep.name: ep.value
        for ep in metadata.entry_points(group="console_scripts")
        if ep.dist and _normalise(ep.dist.name) == DISTRIBUTION
    }
    assert scripts == {"digest": "jobs.cli:cli", "zh-abstract-digest": "jobs.cli:cli"}

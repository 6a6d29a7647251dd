"""Loading a model in a child process before it is installed: a model that crashes its loader is refused, and the run lives on.

A crafted or damaged model file can crash a native loader outright (CTranslate2 dies of a
segmentation fault, not an exception), and a model dropped into the models folder must not take
the run down. So an engine checks a model it installs with `check_loads`, which runs the
engine's own child function in a new Python process; the child says each step with `loading`
and what went wrong with `failed`, and the parent names the step that failed and why (the
loader's error, or the signal that killed it).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from ..errors import ModelPackageError

#: Loading a real model takes a few seconds; a load that hangs is a broken package. Each dropped
#: package is checked before any batch, so this bounds how long it can delay a run.
LOAD_CHECK_TIMEOUT_SECONDS = 120


def check_loads(path: Path, folder: Path, child: Callable[[str], None]) -> None:
    """Run `child(folder)` (a module-level function) in a child process; ModelPackageError naming `path` if it fails."""
    source_root = str(Path(__file__).resolve().parents[2])  # the folder that holds `jobs`
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [source_root, os.environ.get("PYTHONPATH")])),
        "PYTHONIOENCODING": "utf-8",
    }
    call = f"import sys; from {child.__module__} import {child.__qualname__} as c; c(sys.argv[1])"
    try:
        result = subprocess.run(
            [sys.executable, "-c", call, str(folder)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            encoding="utf-8",
            errors="replace",
            env=env,
            timeout=LOAD_CHECK_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        raise ModelPackageError(
            f"{path}: loading the model took more than {LOAD_CHECK_TIMEOUT_SECONDS} s; the package is broken"
        ) from None
    if result.returncode == 0:
        return
    lines = result.stdout.splitlines()
    steps = [line.removeprefix("loading ") for line in lines if line.startswith("loading ")]
    step = steps[-1] if steps else "the package"
    errors = [line.removeprefix("failed: ") for line in lines if line.startswith("failed: ")]
    if errors:
        reason = errors[-1].replace(f"{folder}{os.sep}", "")  # the unpacked copy is gone once this is read
    elif result.returncode < 0:
        reason = f"the loader crashed with {_signal_name(-result.returncode)}"
    else:
        reason = f"exit code {result.returncode}: {result.stderr.strip()[-300:]}"
    raise ModelPackageError(f"{path}: {step} cannot be loaded ({reason}); the file is damaged or not a model")


def loading(step: str) -> None:
    """In the child: say what is loaded next (`metadata.json (argostranslate)`), for the parent to name if it fails."""
    print(f"loading {step}", flush=True)


def failed(error: Exception) -> NoReturn:
    """In the child: say on one line what the loader raised, and exit 3."""
    print(f"failed: {type(error).__name__}: {' '.join(str(error).split())}", flush=True)
    sys.exit(3)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"

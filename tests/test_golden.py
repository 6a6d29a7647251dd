"""Golden file: the sample batch through `digest run`, byte for byte.

`tests/golden/seed-cnki-export.jsonl` is what `digest run` writes for the sample export
(`input/seed-cnki-export.txt`) with the default options and no translation model (the `gloss`
engine). Any change to reading, segmenting, translating, summarising or writing that changes a
byte of it fails here; when the change is meant, regenerate the file and review its diff:

    python tests/test_golden.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE_EXPORT = REPO / "input" / "seed-cnki-export.txt"
GOLDEN = REPO / "tests" / "golden" / "seed-cnki-export.jsonl"


def sample_output() -> bytes:
    """The records file `digest run` writes for the sample, in a fresh process and folder."""
    with tempfile.TemporaryDirectory(prefix="digest-golden-") as folder:
        work = Path(folder)
        (work / "input").mkdir()
        shutil.copy(SAMPLE_EXPORT, work / "input")
        environment = {**os.environ, "DIGEST_MODELS_DIR": str(work / "no-models")}
        environment.setdefault("DIGEST_CACHE_DIR", str(work / "cache"))
        subprocess.run(
            [sys.executable, "-m", "jobs", "run", "-q", "--no-cache"],
            cwd=work,
            env=environment,
            check=True,
            timeout=300,
        )
        return (work / "output" / "seed-cnki-export.jsonl").read_bytes()


def test_the_sample_batch_gives_the_golden_records() -> None:
    assert sample_output() == GOLDEN.read_bytes(), "output changed: if meant, run `python tests/test_golden.py`"


if __name__ == "__main__":
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN.write_bytes(sample_output())
    print(f"wrote {GOLDEN.relative_to(REPO)}")

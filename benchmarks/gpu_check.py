"""Translation throughput of digest's Argos engine on the CPU and, where there is one, on a CUDA GPU.

    python benchmarks/gpu_check.py [--abstracts 100] [--compute-type int8]

Builds the base-shaped benchmark package of `argos_speed.py` (random weights, 6+6 layers,
d_model 512) and translates the sentences of the first CSL abstracts with `ArgosEngine` at the
`device` option `cpu`, then `cuda` where CTranslate2 sees a CUDA device; without one it says so
in one line and measures the CPU only. Each device gets a short warm-up first, so that loading
CUDA's kernels is not counted. A minute or two on the CPU at the default size.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.argos_speed import build_model, load_abstracts  # noqa: E402

#: Sentences translated before timing, so that a device's start-up is not counted.
WARM_UP = 16


def measure(device: str, models_dir: Path, sentences: list[str], compute_type: str, beam: int) -> dict[str, float]:
    """Sentences and output tokens per second of `translate_batch` over `sentences` on `device`."""
    from jobs.engines.argos import ArgosEngine
    from jobs.engines.base import EngineSettings

    options = {"device": device, "compute_type": compute_type, "beam_size": beam}
    engine = ArgosEngine.load("zh", "en", EngineSettings(models_dir=models_dir, options=options))
    engine.translate_batch(sentences[:WARM_UP])
    start = time.perf_counter()
    outputs = engine.translate_batch(sentences)
    seconds = time.perf_counter() - start
    output_tokens = sum(len(engine.package.tokenizer.encode(text)) for text in outputs)
    return {
        "seconds": seconds,
        "sentences_per_second": len(sentences) / seconds,
        "output_tokens_per_second": output_tokens / seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--abstracts", type=int, default=100)
    parser.add_argument("--compute-type", default="int8", help="CTranslate2 compute type on both devices")
    parser.add_argument("--beam", type=int, default=2)
    args = parser.parse_args()

    import ctranslate2

    from jobs.segment import split_sentences

    devices = ["cpu"]
    gpus = ctranslate2.get_cuda_device_count()
    if gpus:
        devices.append("cuda")
    else:
        print("no CUDA device: CTranslate2 sees no GPU here (get_cuda_device_count() is 0); measuring the CPU only")
    sentences = [s for text in load_abstracts(args.abstracts) for s in split_sentences(text, "zh")]
    with tempfile.TemporaryDirectory() as scratch:
        os.environ.setdefault("DIGEST_CACHE_DIR", str(Path(scratch) / "cache"))
        models_dir = Path(scratch) / "models"
        models_dir.mkdir()
        build_model(models_dir)
        results = {device: measure(device, models_dir, sentences, args.compute_type, args.beam) for device in devices}

    print(
        f"\n{args.abstracts} CSL abstracts, {len(sentences)} sentences, beam {args.beam}, {args.compute_type}; "
        f"{os.cpu_count()} CPU cores, {gpus} CUDA device(s)\n"
    )
    print("| device | sentences/s | output tokens/s | seconds |")
    print("|---|---|---|---|")
    for device, figures in results.items():
        print(
            f"| {device} | {figures['sentences_per_second']:.1f} | {figures['output_tokens_per_second']:.0f} "
            f"| {figures['seconds']:.1f} |"
        )
    if "cuda" in results:
        ratio = results["cuda"]["sentences_per_second"] / results["cpu"]["sentences_per_second"]
        print(f"\nCUDA translates {ratio:.1f}x as many sentences per second as the CPU")


if __name__ == "__main__":
    main()

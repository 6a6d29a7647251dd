"""How fast digest's Argos path is against argostranslate's own per-abstract translation.

    python benchmarks/argos_speed.py [--abstracts 200] [--only digest|argostranslate]

On real CSL abstracts, with a package shaped like a real Argos model (random weights: 6+6
layers, d_model 512, feed-forward 2048, 8 heads, int8; SentencePiece trained on the sample export
and the CSL abstracts; the end-of-sentence logit raised so that, like a real zh->en model, it
stops after about 1.3 times as many tokens as its source), it runs in the same invocation, each in
a fresh process so that peak memory is its own:

- digest's path: `ArgosEngine.translate_batch` over every sentence of the batch at once (sorted by
  length, packed by tokens, length bands), at digest's defaults (beam 2) and at beam 4;
- argostranslate's path: one `apply_packaged_translation` call per abstract, as its `translate()`
  makes it (one hypothesis, its settings' beam size, 4 by default; batches of 32 tokens; decoding
  up to CTranslate2's default 256 tokens), with digest's sentence splitting supplied as its
  sentencizer since its own downloads models; at its default beam and at beam 2.

It prints sentences per second, output tokens per second, peak memory and the ratios. Peak memory
is each variant's own `VmHWM`, read by the variant's process at its end: not `ru_maxrss`, which a
process started from this one (that built the model) inherits across fork and exec.
Output lengths differ a little between paths (beam size, and where a random model stops), so
output tokens per second is printed beside sentences per second.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: Raises the random model's end-of-sentence logit so that its translations stop after about
#: 1.3 times the source length in tokens, as a real zh->en model's do (measured on CSL).
EOS_LOGIT_BIAS = 4.0

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.data_files import CSL_ABSTRACTS, require  # noqa: E402
from benchmarks.proc_memory import own_peak_mb  # noqa: E402


def load_abstracts(count: int) -> list[str]:
    """The first `count` CSL abstracts, whitespace normalised."""
    from jobs.language import normalise_whitespace

    lines = require(CSL_ABSTRACTS).read_text(encoding="utf-8").split("\n")
    return [normalise_whitespace(json.loads(line)["abstract"]) for line in lines if line.strip()][:count]


def build_model(models_dir: Path) -> None:
    """Build and install the benchmark-shaped zh->en package into `models_dir`."""
    from jobs.models import install_package
    from tests.argos_package import build_argos_package

    training_text = (REPO / "input" / "seed-cnki-export.txt").read_text(encoding="utf-8") + "\n".join(
        load_abstracts(1000)
    )
    package = build_argos_package(
        models_dir / "translate-zh_en-bench.argosmodel",
        training_text=training_text,
        encoder_layers=6,
        decoder_layers=6,
        d_model=512,
        ffn_dim=2048,
        heads=8,
        vocab_size=8000,
        quantization="int8",
        eos_logit_bias=EOS_LOGIT_BIAS,
    )
    install_package(package, models_dir)
    package.unlink()


def run_variant(variant: str, beam: int, models_dir: Path, count: int) -> dict[str, float]:
    """Run one variant in this process and return its figures."""
    from jobs.segment import split_sentences

    abstracts = load_abstracts(count)
    sentences = [s for text in abstracts for s in split_sentences(text, "zh")]
    if variant == "digest":
        from jobs.engines.argos import ArgosEngine
        from jobs.engines.base import EngineSettings

        engine = ArgosEngine.load("zh", "en", EngineSettings(models_dir=models_dir, options={"beam_size": beam}))
        tokenizer = engine.package.tokenizer
        start = time.perf_counter()
        outputs = engine.translate_batch(sentences)
        seconds = time.perf_counter() - start
    else:
        os.environ["ARGOS_BEAM_SIZE"] = str(beam)  # read by argostranslate.settings on import
        from jobs.models import argos_package_module

        argos = argos_package_module()
        import ctranslate2
        from argostranslate.translate import apply_packaged_translation

        package = argos.Package(models_dir / "zh_en")
        settings = argos.settings
        translator = ctranslate2.Translator(
            str(package.package_path / "model"),
            device=settings.device,
            inter_threads=settings.inter_threads,
            intra_threads=settings.intra_threads,
            compute_type=settings.compute_type,
        )
        tokenizer = package.tokenizer

        class DigestSentences:
            """digest's splitter in the shape argostranslate's sentencizers have."""

            def split_sentences(self, text: str) -> list[str]:
                return split_sentences(text, "zh")

        sentencizer = DigestSentences()
        start = time.perf_counter()
        outputs = [apply_packaged_translation(package, text, translator, sentencizer, 1)[0].value for text in abstracts]
        seconds = time.perf_counter() - start
    output_tokens = sum(len(tokenizer.encode(text)) for text in outputs)
    source_tokens = sum(len(tokenizer.encode(text)) for text in sentences)
    return {
        "sentences": len(sentences),
        "seconds": seconds,
        "sentences_per_second": len(sentences) / seconds,
        "output_tokens_per_second": output_tokens / seconds,
        "output_tokens_per_sentence": output_tokens / len(sentences),
        "length_ratio": output_tokens / source_tokens,
        "peak_rss_mb": own_peak_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--abstracts", type=int, default=200)
    parser.add_argument(
        "--only",
        choices=["digest", "argostranslate"],
        help="run one path's two variants only (at 200 abstracts digest's take a few minutes, argostranslate's the rest)",
    )
    parser.add_argument("--variant", choices=["digest", "argostranslate"], help=argparse.SUPPRESS)
    parser.add_argument("--beam", type=int, default=2, help=argparse.SUPPRESS)
    parser.add_argument("--models-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(run_variant(args.variant, args.beam, args.models_dir, args.abstracts)))
        return

    with tempfile.TemporaryDirectory() as scratch:
        os.environ.setdefault("DIGEST_CACHE_DIR", str(Path(scratch) / "cache"))
        models_dir = Path(scratch) / "models"
        models_dir.mkdir()
        start = time.perf_counter()
        build_model(models_dir)
        print(f"benchmark model (6+6 layers, d512, ff2048, 8 heads, int8) built in {time.perf_counter() - start:.1f} s")
        runs = [
            ("digest, defaults (beam 2)", "digest", 2),
            ("argostranslate per abstract, defaults (beam 4)", "argostranslate", 4),
            ("digest, beam 4", "digest", 4),
            ("argostranslate per abstract, beam 2", "argostranslate", 2),
        ]
        results = {}
        for label, variant, beam in runs:
            if args.only and variant != args.only:
                continue
            command = [sys.executable, __file__, "--variant", variant, "--beam", str(beam)]
            command += ["--models-dir", str(models_dir), "--abstracts", str(args.abstracts)]
            completed = subprocess.run(command, capture_output=True, text=True, check=True)
            results[label] = json.loads(completed.stdout.strip().splitlines()[-1])

    sentences = next(iter(results.values()))["sentences"]
    print(f"{args.abstracts} CSL abstracts, {sentences} sentences, {os.cpu_count()} CPU cores\n")
    print("| path | sentences/s | output tokens/s | seconds | output/source tokens | peak memory (MB) |")
    print("|---|---|---|---|---|---|")
    for label, figures in results.items():
        print(
            f"| {label} | {figures['sentences_per_second']:.1f} | {figures['output_tokens_per_second']:.0f} "
            f"| {figures['seconds']:.1f} | {figures['length_ratio']:.2f} | {figures['peak_rss_mb']:.0f} |"
        )
    labels = list(results)
    if len(labels) < len(runs):
        return
    for unit in ("sentences_per_second", "output_tokens_per_second"):
        speed = {label: figures[unit] for label, figures in results.items()}
        name = unit.replace("_per_second", "/s").replace("_", " ")
        print(
            f"\nin {name}: digest is {speed[labels[0]] / speed[labels[1]]:.1f}x as fast at each side's defaults, "
            f"{speed[labels[2]] / speed[labels[1]]:.1f}x at beam 4, {speed[labels[0]] / speed[labels[3]]:.1f}x at beam 2"
        )


if __name__ == "__main__":
    main()

"""How fast digest's Argos path is, against raw CTranslate2 and argostranslate's own translation.

    python benchmarks/argos_speed.py [--abstracts 20,200] [--only digest|ctranslate2|argostranslate]

On real CSL abstracts, with a package shaped like a real Argos model (random weights: 6+6
layers, d_model 512, feed-forward 2048, 8 heads, int8; SentencePiece trained on the sample export
and the CSL abstracts; the end-of-sentence logit raised so that, like a real zh->en model, it
stops after about 1.3 times as many tokens as its source), it runs, in one invocation, the same
abstracts through each path, each in a fresh process so that peak memory is its own:

- digest's path: `ArgosEngine.translate_batch` over every sentence of the batch at once (sorted by
  length, packed by tokens, length bands);
- raw CTranslate2: one `Translator.translate_batch` call over the same tokenized sentences with
  the same settings (sorted, 2,048 tokens a batch, the same decoding limit): the ceiling for
  digest's path, which adds only tokenizing and banding;
- argostranslate's path: one `apply_packaged_translation` call per abstract, as its `translate()`
  makes it (one hypothesis, batches of 32 tokens, length penalty 0.2), with digest's sentence
  splitting supplied as its sentencizer since its own downloads models.

Every path decodes under the same limit, 2 x the longest source in the call (digest: in the
length band) + 10 tokens: argostranslate would otherwise decode up to CTranslate2's default of
256 tokens, which on a random model that fails to stop is most of its time (`--uncapped` adds
that run too, for reference). Each path runs at beam 2 (digest's default) and beam 4
(argostranslate's), at each batch size given (`--abstracts`). The lead figure is output tokens
per second, since output lengths differ a little between paths; sentences per second, CPU
seconds and peak memory (each variant's own `VmHWM`, read by its process at its end) are beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from itertools import groupby
from pathlib import Path
from typing import Any

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


#: The benchmark model's shape beyond its layers, shared with ct2_speed.py so the engines are
#: measured on models of one size: OPUS-MT's base Transformer, int8.
BASE_SHAPE: dict[str, Any] = {
    "d_model": 512,
    "ffn_dim": 2048,
    "heads": 8,
    "vocab_size": 8000,
    "quantization": "int8",
    "eos_logit_bias": EOS_LOGIT_BIAS,
}


def build_model(models_dir: Path) -> None:
    """Build and install the benchmark-shaped zh->en package into `models_dir`."""
    from jobs.engines.argos.models import install_package
    from tests.argos_package import build_argos_package

    training_text = (REPO / "input" / "seed-cnki-export.txt").read_text(encoding="utf-8") + "\n".join(
        load_abstracts(1000)
    )
    package = build_argos_package(
        models_dir / "translate-zh_en-bench.argosmodel",
        training_text=training_text,
        encoder_layers=6,
        decoder_layers=6,
        **BASE_SHAPE,
    )
    install_package(package, models_dir)
    package.unlink()


class CappedTranslator:
    """A CTranslate2 translator that decodes under digest's limit: 2 x the longest source of a length band + 10 tokens.

    It stands in for argostranslate's translator so that its path decodes under the same limit
    as digest's: each call is split into digest's length bands (argostranslate's own batches of
    32 tokens are far smaller than a band, so its batching hardly changes) and put back in order.
    """

    def __init__(self, translator: object) -> None:
        self.translator = translator

    def translate_batch(self, source: list[list[str]], **options: object) -> list[object]:
        results: list[object] = [None] * len(source)
        for band in banded(list(enumerate(source))):
            outputs = self.translator.translate_batch(  # type: ignore[attr-defined]
                [tokens for _, tokens in band],
                **{**options, "max_decoding_length": decoding_limit(band)},
            )
            if options.get("target_prefix"):
                raise SystemExit("argostranslate's zh->en call was not expected to pass a target prefix")
            for (index, _), output in zip(band, outputs):
                results[index] = output
        return results


def banded(items: list[tuple[int, list[str]]]) -> list[list[tuple[int, list[str]]]]:
    """(index, tokens) pairs sorted by length and grouped into digest's length bands."""
    from jobs.engines.neural import length_band

    ordered = sorted(items, key=lambda item: len(item[1]))
    return [list(group) for _, group in groupby(ordered, key=lambda item: length_band(len(item[1])))]


def decoding_limit(band: list[tuple[int, list[str]]]) -> int:
    from jobs.engines.neural import decoding_limit as limit

    return limit(max(len(tokens) for _, tokens in band))


def whole_run(models_dir: Path, abstracts: list[str], beam: int) -> list[str]:
    """`digest run --engine argos` over the abstracts as one JSONL batch; the English of every sentence."""
    from jobs.cli import cli

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        (folder / "input").mkdir()
        lines = (json.dumps({"id": str(n), "abstract": text}, ensure_ascii=False) for n, text in enumerate(abstracts))
        (folder / "input" / "csl.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        arguments = ["run", str(folder / "input"), "--output-dir", str(folder / "output"), "--engine", "argos"]
        arguments += ["--models-dir", str(models_dir), "--beam-size", str(beam), "--no-cache"]
        try:
            cli.main(arguments, standalone_mode=False)
        except SystemExit as end:  # the command ends with the run's exit code
            if end.code:
                raise
        records = [
            json.loads(line) for line in (folder / "output" / "csl.jsonl").read_text(encoding="utf-8").splitlines()
        ]
    return [sentence["en"] for record in records for sentence in record["sentences"]]


def run_variant(variant: str, beam: int, models_dir: Path, count: int, capped: bool) -> dict[str, float]:
    """Run one variant in this process and return its figures."""
    from jobs.segment import split_sentences

    abstracts = load_abstracts(count)
    sentences = [s for text in abstracts for s in split_sentences(text, "zh")]
    from jobs.engines.argos.engine import ArgosEngine
    from jobs.engines.base import EngineSettings
    from jobs.engines.neural import MAX_BATCH_TOKENS

    if variant == "run":
        start, cpu = time.perf_counter(), time.process_time()
        outputs = whole_run(models_dir, abstracts, beam)
        tokenizer = ArgosEngine.load("zh", "en", EngineSettings(models_dir=models_dir)).package.tokenizer
    elif variant == "digest":
        engine = ArgosEngine.load("zh", "en", EngineSettings(models_dir=models_dir, options={"beam_size": beam}))
        tokenizer = engine.package.tokenizer
        start, cpu = time.perf_counter(), time.process_time()
        outputs = engine.translate_batch(sentences)
    elif variant == "ctranslate2":
        engine = ArgosEngine.load("zh", "en", EngineSettings(models_dir=models_dir, options={"beam_size": beam}))
        tokenizer = engine.package.tokenizer
        prefix = engine.target_prefix
        encoded = [(i, tokenizer.encode(s)) for i, s in enumerate(sentences) if s.strip()]
        results: list[object] = [None] * len(sentences)
        start, cpu = time.perf_counter(), time.process_time()  # the model calls alone
        for band in banded(encoded):
            band_results = engine.translator.translate_batch(
                [tokens for _, tokens in band],
                target_prefix=[[prefix]] * len(band) if prefix else None,
                beam_size=beam,
                batch_type="tokens",
                max_batch_size=MAX_BATCH_TOKENS,
                max_decoding_length=decoding_limit(band),
                replace_unknowns=True,
            )
            for (index, _), result in zip(band, band_results):
                results[index] = result
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
        outputs = [engine._decode(result.hypotheses[0]) if result else "" for result in results]  # type: ignore[attr-defined]
    else:
        os.environ["ARGOS_BEAM_SIZE"] = str(beam)  # read by argostranslate.settings on import
        from jobs.engines.argos.models import argos_package_module

        argos = argos_package_module()
        import ctranslate2
        from argostranslate.translate import apply_packaged_translation

        package = argos.Package(models_dir / "zh_en")
        settings = argos.settings
        translator: object = ctranslate2.Translator(
            str(package.package_path / "model"),
            device=settings.device,
            inter_threads=settings.inter_threads,
            intra_threads=settings.intra_threads,
            compute_type=settings.compute_type,
        )
        if capped:
            translator = CappedTranslator(translator)
        tokenizer = package.tokenizer

        class DigestSentences:
            """digest's splitter in the shape argostranslate's sentencizers have."""

            def split_sentences(self, text: str) -> list[str]:
                return split_sentences(text, "zh")

        sentencizer = DigestSentences()
        start, cpu = time.perf_counter(), time.process_time()
        outputs = [apply_packaged_translation(package, text, translator, sentencizer, 1)[0].value for text in abstracts]
    if variant != "ctranslate2":
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    output_tokens = sum(len(tokenizer.encode(text)) for text in outputs)
    source_tokens = sum(len(tokenizer.encode(text)) for text in sentences)
    return {
        "sentences": len(sentences),
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "sentences_per_second": len(sentences) / seconds,
        "output_tokens_per_second": output_tokens / seconds,
        "length_ratio": output_tokens / source_tokens,
        "peak_rss_mb": own_peak_mb(),
    }


VARIANTS = {
    "run": "digest run --engine argos (the whole job)",
    "digest": "digest (ArgosEngine.translate_batch)",
    "ctranslate2": "raw CTranslate2 translate_batch",
    "argostranslate": "argostranslate per abstract",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--abstracts", default="20,200", help="batch sizes to compare at, comma-separated")
    parser.add_argument("--only", choices=list(VARIANTS), help="run one path only")
    parser.add_argument(
        "--uncapped", action="store_true", help="also run argostranslate at its own decoding limit (256 tokens)"
    )
    parser.add_argument("--variant", choices=list(VARIANTS), help=argparse.SUPPRESS)
    parser.add_argument("--beam", type=int, default=2, help=argparse.SUPPRESS)
    parser.add_argument("--models-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--no-cap", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        figures = run_variant(args.variant, args.beam, args.models_dir, int(args.abstracts), not args.no_cap)
        print(json.dumps(figures))
        return

    sizes = [int(size) for size in args.abstracts.split(",")]
    runs = [(variant, beam, True) for beam in (2, 4) for variant in VARIANTS]
    if args.uncapped:
        runs += [("argostranslate", beam, False) for beam in (2, 4)]
    runs = [run for run in runs if not args.only or run[0] == args.only]
    with tempfile.TemporaryDirectory() as scratch:
        os.environ.setdefault("DIGEST_CACHE_DIR", str(Path(scratch) / "cache"))
        models_dir = Path(scratch) / "models"
        models_dir.mkdir()
        start = time.perf_counter()
        build_model(models_dir)
        print(f"benchmark model (6+6 layers, d512, ff2048, 8 heads, int8) built in {time.perf_counter() - start:.1f} s")
        print(
            f"{os.cpu_count()} CPU cores; every path decodes at most 2 x its longest source + 10 tokens unless marked\n"
        )
        for size in sizes:
            results: dict[tuple[str, int, bool], dict[str, float]] = {}
            for variant, beam, capped in runs:
                command = [sys.executable, __file__, "--variant", variant, "--beam", str(beam)]
                command += ["--models-dir", str(models_dir), "--abstracts", str(size)]
                command += [] if capped else ["--no-cap"]
                completed = subprocess.run(command, capture_output=True, text=True)
                if completed.returncode != 0 or not completed.stdout.strip():
                    raise SystemExit(f"{variant} at beam {beam} failed:\n{completed.stderr[-3000:]}")
                results[(variant, beam, capped)] = json.loads(completed.stdout.strip().splitlines()[-1])
            sentences = int(next(iter(results.values()))["sentences"])
            print(f"### {size} CSL abstracts ({sentences} sentences)\n")
            print(
                "| path | beam | output tokens/s | sentences/s | seconds | CPU seconds | output/source tokens | peak memory (MB) |"
            )
            print("|---|---|---|---|---|---|---|---|")
            for (variant, beam, capped), figures in results.items():
                label = VARIANTS[variant] + ("" if capped else ", its own limit (256 tokens)")
                print(
                    f"| {label} | {beam} | {figures['output_tokens_per_second']:.0f} "
                    f"| {figures['sentences_per_second']:.1f} | {figures['seconds']:.1f} | {figures['cpu_seconds']:.1f} "
                    f"| {figures['length_ratio']:.2f} | {figures['peak_rss_mb']:.0f} |"
                )
            for beam in (2, 4):
                speed = {v: f["output_tokens_per_second"] for (v, b, c), f in results.items() if b == beam and c}
                ratios = [
                    f"{name} at {speed[variant] / speed['ctranslate2']:.2f}x raw CTranslate2's output tokens/s"
                    for variant, name in (("digest", "digest's path"), ("run", "the whole run"))
                    if variant in speed and "ctranslate2" in speed
                ]
                if "digest" in speed and "argostranslate" in speed:
                    ratios.append(f"digest's path at {speed['digest'] / speed['argostranslate']:.1f}x argostranslate's")
                if ratios:
                    print(f"beam {beam}: " + "; ".join(ratios))
            print()


if __name__ == "__main__":
    main()

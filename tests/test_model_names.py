"""One name, one model: `digest models add` refuses a name another engine's model has.

`digest models remove NAME` and `--model NAME` take a name alone, so a ct2 translator and an LLM
both called `translator` would leave `remove` to take whichever engine comes first (the ct2 one,
gigabytes to convert again, when the user meant the other).
"""

from __future__ import annotations

from pathlib import Path

from .conftest import run_digest


def test_a_name_another_engine_s_model_has_is_refused(
    workdir: Path, ct2_folders: dict[str, Path], llm_folder: Path
) -> None:
    assert run_digest("models", "add", str(ct2_folders["opus-mt-zh-en"]), "--name", "translator").exit_code == 0
    refused = run_digest("models", "add", str(llm_folder), "--name", "translator")
    assert refused.exit_code == 2
    assert "'translator': the ct2 model " in refused.stderr and "give --name another name" in refused.stderr
    assert not (workdir / "lang_models" / "llm" / "translator").exists()
    # The folder's own name, the default, is checked as --name is, either way round.
    added = run_digest("models", "add", str(llm_folder))
    assert added.exit_code == 0, added.stderr
    again = run_digest("models", "add", str(ct2_folders["opus-mt-zh-en"]), "--name", llm_folder.name)
    assert again.exit_code == 2 and f"'{llm_folder.name}': the llm model " in again.stderr
    # The same engine's model of the same name is replaced, as before.
    assert run_digest("models", "add", str(ct2_folders["nllb-test"]), "--name", "translator").exit_code == 0
    names = sorted(line.split("\t")[0] for line in run_digest("models", "list").stdout.splitlines())
    assert names == sorted(["translator", llm_folder.name])

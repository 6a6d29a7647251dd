"""Topics in the output folder: their pages, feeds and citations across batches, badges, and cron's guarantees."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import bibtexparser
import feedparser
import pytest
import rispy

from jobs.config import TopicConfig
from jobs.engines.base import EngineSettings
from jobs.errors import ConfigError
from jobs.pipeline import RunOptions, run
from jobs.render import render_all
from jobs.report import RunReport
from jobs.topics import build_topics

from .conftest import SAMPLE_EXPORT, read_jsonl, repo_data, run_digest
from .test_render import all_nodes, markdown_to_html, parse_html

TOPICS = {
    "nuclear": TopicConfig(("核武器",)),  # in some of the sample's 19 abstracts
    "deterrence": TopicConfig(("威慑", "deterrence")),
    "polysaccharide": TopicConfig(("黄芪多糖",)),  # only in the EndNote export
    "quantum": TopicConfig(("量子计算",)),  # in none
}


def quiet(message: str) -> None:
    pass


def digest_run(root: Path, topics: dict[str, TopicConfig] = TOPICS, **changes: object) -> RunReport:
    options = RunOptions(
        inputs=[root / "input"],
        output_dir=root / "output",
        engine="gloss",
        engine_settings=EngineSettings(models_dir=root / "lang_models"),
        topics=topics,
    )
    for name, value in changes.items():
        setattr(options, name, value)
    report = run(options, warn=quiet)
    assert report.exit_code == 0
    return report


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under `folder` with its inode and modification time: a file written again changes both."""
    return {
        str(path.relative_to(folder)): (path.stat().st_ino, path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != "runs.jsonl"
    }


@pytest.fixture(scope="module")
def two_batches(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample export and CNKI's EndNote export, run with four topics."""
    root = tmp_path_factory.mktemp("topics")
    (root / "input").mkdir()
    shutil.copy(SAMPLE_EXPORT, root / "input" / SAMPLE_EXPORT.name)
    shutil.copy(repo_data("exports/cnki-endnote.txt"), root / "input" / "cnki-endnote.txt")
    digest_run(root)
    return root


def chinese_texts(record: dict) -> str:
    """A record's title, abstract and keywords in Chinese, as the JSONL has them."""
    citation_keywords = ((record.get("citation") or {}).get("keywords") or {}).get("zh") or []
    keywords = (record["keywords"] or {}).get("zh") or []
    return " ".join(
        [(record["title"] or {}).get("zh") or "", record["text"]["zh"] or "", *keywords, *citation_keywords]
    )


def test_each_topic_gets_a_page_a_feed_and_citations_of_its_records_across_batches(two_batches: Path) -> None:
    output = two_batches / "output"
    records = read_jsonl(output / "seed-cnki-export.jsonl") + read_jsonl(output / "cnki-endnote.jsonl")
    nuclear = [record for record in records if "核武器" in chinese_texts(record)]
    assert 0 < len(nuclear) < len(records)
    topics = output / "topics"
    assert sorted(path.name for path in topics.iterdir()) == sorted(
        f"{name}{suffix}" for name in TOPICS for suffix in (".html", ".md", ".atom", ".ris", ".bib", ".csl.json")
    )
    page = parse_html((topics / "nuclear.html").read_text(encoding="utf-8"))
    articles = [node for node in all_nodes(page) if node.tag == "article"]
    assert len(articles) == len(nuclear)
    links = [node.attrs["href"] for node in all_nodes(page) if node.tag == "a"]
    assert "../index.html" in links and "nuclear.atom" in links and "nuclear.ris" in links
    assert any(link.startswith("../seed-cnki-export.digest.html#") for link in links)
    feed = feedparser.parse((topics / "nuclear.atom").read_bytes())
    assert not feed.bozo and len(feed.entries) == len(nuclear)
    assert feed.feed.title == "digest topic: nuclear"
    assert all(entry.link.startswith("../seed-cnki-export.digest.html#") for entry in feed.entries)
    ris = rispy.loads((topics / "nuclear.ris").read_text(encoding="utf-8"))
    assert sorted(entry["abstract"] for entry in ris) == sorted(
        " ".join(record["text"]["en"].split()) for record in nuclear
    )
    both = bibtexparser.parse_string((topics / "polysaccharide.bib").read_text(encoding="utf-8")).entries
    assert len(both) == 1 and both[0]["origtitle"] == "黄芪多糖复合酶提取工艺优化及其α-葡萄糖苷酶抑制活性"
    assert json.loads((topics / "quantum.csl.json").read_text(encoding="utf-8")) == []
    assert "No abstract mentions this topic yet." in (topics / "quantum.html").read_text(encoding="utf-8")
    markdown = parse_html(markdown_to_html((topics / "nuclear.md").read_text(encoding="utf-8")))
    assert any(node.attrs.get("href", "").startswith("../seed-cnki-export.digest.md") for node in all_nodes(markdown))


def test_batch_pages_show_a_badge_for_each_topic_of_a_record(two_batches: Path) -> None:
    output = two_batches / "output"
    page = parse_html((output / "seed-cnki-export.digest.html").read_text(encoding="utf-8"))
    badges = [
        node.attrs["href"] for node in all_nodes(page) if node.tag == "a" and "topics/" in node.attrs.get("href", "")
    ]
    nuclear = [record for record in read_jsonl(output / "seed-cnki-export.jsonl") if "核武器" in chinese_texts(record)]
    assert badges.count("topics/nuclear.html") == len(nuclear) > 0 and "topics/quantum.html" not in badges
    assert (output / "topics" / "nuclear.html").is_file()
    markdown = (output / "seed-cnki-export.digest.md").read_text(encoding="utf-8")
    assert markdown.count("](topics/nuclear.md)") == len(nuclear)


def test_batches_have_their_citation_exports(two_batches: Path) -> None:
    output = two_batches / "output"
    for batch in ("seed-cnki-export", "cnki-endnote"):
        records = read_jsonl(output / f"{batch}.jsonl")
        assert len(rispy.loads((output / f"{batch}.ris").read_text(encoding="utf-8"))) == len(records)
        assert len(json.loads((output / f"{batch}.csl.json").read_text(encoding="utf-8"))) == len(records)
        assert len(bibtexparser.parse_string((output / f"{batch}.bib").read_text(encoding="utf-8")).entries) == len(
            records
        )


def test_an_unreadable_batch_is_left_out_of_the_topics_and_the_rest_is_written(
    two_batches: Path, tmp_path: Path
) -> None:
    shutil.copy(two_batches / "output" / "cnki-endnote.jsonl", tmp_path / "cnki-endnote.jsonl")
    (tmp_path / "bad.jsonl").write_text('{"id": "x", "sentences": []}\nnot json\n', encoding="utf-8")
    warnings: list[str] = []
    errors: list[str] = []
    result = render_all(tmp_path, warn=warnings.append, error=errors.append, topics=build_topics(TOPICS))
    assert list(result.failed) == [tmp_path / "bad.jsonl"]
    assert any("bad.jsonl, line 2: not JSON" in warning and "left out of the topics" in warning for warning in warnings)
    assert len(rispy.loads((tmp_path / "topics" / "polysaccharide.ris").read_text(encoding="utf-8"))) == 1
    assert (tmp_path / "topics" / "quantum.html").is_file()


@pytest.mark.slow
def test_a_second_run_with_nothing_new_writes_no_file_and_only_what_changed_is_rewritten(tmp_path: Path) -> None:
    (tmp_path / "input").mkdir()
    shutil.copy(SAMPLE_EXPORT, tmp_path / "input" / SAMPLE_EXPORT.name)
    output = tmp_path / "output"
    digest_run(tmp_path)
    before = snapshot(output)
    report = digest_run(tmp_path)
    assert snapshot(output) == before and report.pages_written == []
    # A topic's keywords change: its files and the batch pages' badges are rewritten, nothing else.
    changed = {**TOPICS, "quantum": TopicConfig(("量子计算", "美国"))}
    digest_run(tmp_path, changed)
    after = snapshot(output)
    rewritten = {name for name in after if after[name] != before.get(name)}
    assert {name for name in rewritten if name.startswith("topics/")} == {
        f"topics/quantum{suffix}" for suffix in (".html", ".md", ".atom", ".ris", ".bib", ".csl.json")
    }
    assert "seed-cnki-export.digest.html" in rewritten and "index.html" not in rewritten and "feed.xml" not in rewritten
    assert "seed-cnki-export.jsonl" not in rewritten
    # A file of a topic removed: that topic's files alone are made again.
    (output / "topics" / "nuclear.bib").unlink()
    before = snapshot(output)
    digest_run(tmp_path, changed)
    after = snapshot(output)
    assert {name for name in after if after[name] != before.get(name)} == {
        f"topics/nuclear{suffix}" for suffix in (".html", ".md", ".atom", ".ris", ".bib", ".csl.json")
    }
    digest_run(tmp_path, changed)
    assert snapshot(output) == after


def test_a_topic_name_that_is_no_safe_file_name_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    (tmp_path / "input").mkdir()
    shutil.copy(SAMPLE_EXPORT, tmp_path / "input" / SAMPLE_EXPORT.name)
    with pytest.raises(ConfigError, match=r"topic name '\.\./escape'"):
        digest_run(tmp_path, {"../escape": TopicConfig(("核武器",))})
    assert not (tmp_path / "output").exists() or not any((tmp_path / "output").iterdir())


def test_topics_come_from_digest_toml_and_a_second_cron_run_writes_nothing(workdir: Path, sample_batch: Path) -> None:
    (workdir / "digest.toml").write_text(
        '[run]\nengine = "gloss"\n\n[topics.nuclear]\nkeywords = ["核武器", "nuclear weapons"]\n', encoding="utf-8"
    )
    first = run_digest("run")
    assert first.exit_code == 0, first.stderr
    assert first.stdout == ""  # data to files, the summary to stderr: nothing for cron to mail
    assert (workdir / "output" / "topics" / "nuclear.html").is_file()
    assert "topics/nuclear.html" in (workdir / "output" / f"{sample_batch.stem}.digest.html").read_text(
        encoding="utf-8"
    )
    before = snapshot(workdir / "output")
    second = run_digest("run")
    assert second.exit_code == 0 and second.stdout == ""
    assert snapshot(workdir / "output") == before


def test_a_topic_name_in_digest_toml_that_is_no_safe_file_name_stops_the_run(workdir: Path, sample_batch: Path) -> None:
    (workdir / "digest.toml").write_text('[topics."../up"]\nkeywords = ["核武器"]\n', encoding="utf-8")
    result = run_digest("run", "--engine", "gloss")
    assert result.exit_code == 2
    assert "topic name '../up'" in result.stderr
    assert not list((workdir / "output").iterdir())


def test_a_topic_taken_out_of_the_config_has_its_files_removed_and_no_other_file(tmp_path: Path) -> None:
    (tmp_path / "input").mkdir()
    shutil.copy(SAMPLE_EXPORT, tmp_path / "input" / SAMPLE_EXPORT.name)
    digest_run(tmp_path)
    topics = tmp_path / "output" / "topics"
    # Files of the operator's own beside them, named as a topic's would be: never digest's to remove.
    (topics / "mine.html").write_text("<p>my notes</p>\n", encoding="utf-8")
    (topics / "mine.ris").write_text("TY  - JOUR\nTI  - kept\nER  - \n", encoding="utf-8")
    (topics / "README.txt").write_text("notes\n", encoding="utf-8")
    kept = {name: config for name, config in TOPICS.items() if name not in ("nuclear", "quantum")}
    digest_run(tmp_path, kept)
    assert sorted(path.name for path in topics.iterdir()) == sorted(
        [f"{name}{suffix}" for name in kept for suffix in (".html", ".md", ".atom", ".ris", ".bib", ".csl.json")]
        + ["mine.html", "mine.ris", "README.txt"]
    )
    index = (tmp_path / "output" / "index.html").read_text(encoding="utf-8")
    assert "topics/nuclear.html" not in index and "topics/deterrence.html" in index
    digest_run(tmp_path, {})  # no topic left: every file of digest's goes, the operator's stay
    assert sorted(path.name for path in topics.iterdir()) == ["README.txt", "mine.html", "mine.ris"]


def test_the_index_links_to_each_topic_page_and_feed(two_batches: Path) -> None:
    index = parse_html((two_batches / "output" / "index.html").read_text(encoding="utf-8"))
    links = [node.attrs["href"] for node in all_nodes(index) if node.tag == "a"]
    for name in TOPICS:
        assert f"topics/{name}.html" in links and f"topics/{name}.atom" in links
        assert (two_batches / "output" / "topics" / f"{name}.html").is_file()


def test_digest_render_keeps_the_badges_and_topics_of_digest_toml(workdir: Path, sample_batch: Path) -> None:
    (workdir / "digest.toml").write_text(
        '[run]\nengine = "gloss"\n\n[topics.nuclear]\nkeywords = ["核武器", "nuclear weapons"]\n', encoding="utf-8"
    )
    assert run_digest("run").exit_code == 0
    page = workdir / "output" / f"{sample_batch.stem}.digest.html"
    badges = page.read_text(encoding="utf-8").count('href="topics/nuclear.html"')
    assert badges > 0
    page.unlink()
    result = run_digest("render", str(workdir / "output" / f"{sample_batch.stem}.jsonl"))
    assert result.exit_code == 0, result.stderr
    assert page.read_text(encoding="utf-8").count('href="topics/nuclear.html"') == badges
    assert (workdir / "output" / "topics" / "nuclear.html").is_file()
    before = snapshot(workdir / "output")
    assert run_digest("run").exit_code == 0
    assert snapshot(workdir / "output") == before  # what render wrote is what run would have
    # With no config file, render leaves the topics' files alone (and the pages show no badges).
    (workdir / "digest.toml").unlink()
    assert run_digest("render", str(workdir / "output" / f"{sample_batch.stem}.jsonl")).exit_code == 0
    assert (workdir / "output" / "topics" / "nuclear.html").is_file()
    assert 'href="topics/nuclear.html"' not in page.read_text(encoding="utf-8")


def test_a_topic_feed_has_absolute_links_under_the_base_url(tmp_path: Path) -> None:
    (tmp_path / "input").mkdir()
    shutil.copy(SAMPLE_EXPORT, tmp_path / "input" / SAMPLE_EXPORT.name)
    digest_run(tmp_path, base_url="https://example.org/digest")
    feed = feedparser.parse((tmp_path / "output" / "topics" / "nuclear.atom").read_bytes())
    assert not feed.bozo and feed.entries
    links = {link.rel: link.href for link in feed.feed.links}
    assert links == {
        "self": "https://example.org/digest/topics/nuclear.atom",
        "alternate": "https://example.org/digest/topics/nuclear.html",
    }
    assert all(
        entry.link.startswith("https://example.org/digest/seed-cnki-export.digest.html#") for entry in feed.entries
    )
    before = snapshot(tmp_path / "output")
    digest_run(tmp_path, base_url="https://example.org/digest")
    assert snapshot(tmp_path / "output") == before
    digest_run(tmp_path, base_url="https://example.net/")  # moved: the feeds follow
    assert "https://example.net/topics/nuclear.atom" in (tmp_path / "output" / "topics" / "nuclear.atom").read_text(
        encoding="utf-8"
    )


def test_a_paper_in_several_batches_is_one_entry_of_a_topic(tmp_path: Path) -> None:
    """The same EndNote export in two batches (a weekly search that overlaps): each paper once, by its DOI."""
    (tmp_path / "input").mkdir()
    for name in ("week-1.txt", "week-2.txt"):
        shutil.copy(repo_data("exports/cnki-endnote.txt"), tmp_path / "input" / name)
    digest_run(tmp_path)
    topics = tmp_path / "output" / "topics"
    feed = feedparser.parse((topics / "polysaccharide.atom").read_bytes())
    assert len(feed.entries) == 1
    folder_feed = feedparser.parse((tmp_path / "output" / "feed.xml").read_bytes())
    assert feed.entries[0].id in {entry.id for entry in folder_feed.entries}  # one id for the paper everywhere
    page = parse_html((topics / "polysaccharide.html").read_text(encoding="utf-8"))
    assert len([node for node in all_nodes(page) if node.tag == "article"]) == 1
    assert len(rispy.loads((topics / "polysaccharide.ris").read_text(encoding="utf-8"))) == 1

"""Installing model packages: a bad package is refused with a clear message and changes nothing.

Every bad package here is a real package built by `tests/argos_package.py` and then spoiled the
way a download, a tool or an attacker spoils one: garbage or crafted weights, a password, a
compression method zipfile cannot read, a zip bomb, a crafted member list. Installed with
`digest models install`, each exits 2 and leaves the models folder as it was; dropped into the
models folder, each gets one warning from the next `digest run`, is renamed `*.rejected`, and the
run goes on with the model already installed.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from jobs.engines.argos import models, package_file

from .argos_package import build_argos_package
from .conftest import SAMPLE_EXPORT, read_jsonl, run_digest
from .test_argos import rewrite_zip, snapshot

SAMPLE_TEXT = SAMPLE_EXPORT.read_text(encoding="utf-8")
TOP = "translate-zh_en-1_0/"


@pytest.fixture(scope="session")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real zh->en package, version 1.0 (SentencePiece)."""
    folder = tmp_path_factory.mktemp("good-packages")
    return build_argos_package(folder / "translate-zh_en-1_0.argosmodel", training_text=SAMPLE_TEXT)


@pytest.fixture(scope="session")
def good_bpe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real zh->en package with a BPE tokenizer, version 2.0."""
    folder = tmp_path_factory.mktemp("good-packages-bpe")
    return build_argos_package(
        folder / "translate-zh_en-2_0.argosmodel", training_text=SAMPLE_TEXT, tokenizer="bpe", package_version="2.0"
    )


def install(package: Path) -> None:
    result = run_digest("models", "install", str(package))
    assert result.exit_code == 0, result.stderr


def assert_refused(package: Path, message: str) -> str:
    """`digest models install` exits 2 naming the file and the problem, and installs nothing; its stderr."""
    models_dir = Path("lang_models")
    before = snapshot(models_dir)
    result = run_digest("models", "install", str(package))
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr and package.name in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(models_dir) == before  # no staging folder left behind either
    return result.stderr


# --- spoiled packages, built from a real one ------------------------------------------------


def replace_member(good: Path, bad: Path, suffix: str, change: Callable[[bytes], bytes]) -> Path:
    """A copy of the package with the member ending in `suffix` changed."""
    return rewrite_zip(good, bad, lambda name, data: (name, change(data) if name.endswith(suffix) else data))


def change_metadata(good: Path, bad: Path, **fields: str) -> Path:
    def change(data: bytes) -> bytes:
        return json.dumps({**json.loads(data), **fields}).encode()

    return replace_member(good, bad, "metadata.json", change)


def random_bytes(size: int) -> bytes:
    return np.random.default_rng(0).bytes(size)


def crashing_model_bin(data: bytes) -> bytes:
    """model.bin with its `decoder/alignment_layer` set to 1, past the one decoder layer.

    CTranslate2 4.x does not check the index and dies of a segmentation fault while loading.
    """
    name = b"decoder/alignment_layer\x00"
    start = data.index(name) + len(name)
    rank, dtype, size, value = struct.unpack_from("<BBIh", data, start)
    assert (rank, size, value) == (0, 2, -1), "model.bin's layout changed: update this test"
    crafted = bytearray(data)
    struct.pack_into("<h", crafted, start + 6, 1)
    return bytes(crafted)


@dataclass
class RawMember:
    """One zip member exactly as written: the bytes stored and the header fields."""

    name: bytes
    stored: bytes
    crc: int
    file_size: int
    method: int = zipfile.ZIP_DEFLATED
    flags: int = 0
    extra: bytes = b""
    external_attr: int = 0o100644 << 16


def write_raw_zip(path: Path, members: list[RawMember]) -> Path:
    """Write a zip byte by byte, for headers that zipfile will not write (encryption, other methods)."""
    out, central = bytearray(), bytearray()
    for m in members:
        offset = len(out)
        fields = (m.flags, m.method, 0, 0x21, m.crc, len(m.stored), m.file_size, len(m.name), len(m.extra))
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, *fields) + m.name + m.extra + m.stored
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 0x031E, 20, *fields, 0, 0, 0, m.external_attr, offset)
        central += m.name + m.extra
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), len(out), 0)
    path.write_bytes(bytes(out + central + end))
    return path


def deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def raw_members(good: Path) -> list[RawMember]:
    """The members of a real package, deflated anew."""
    with zipfile.ZipFile(good) as archive:
        return [
            RawMember(
                info.filename.encode(), deflate(data), zlib.crc32(data), len(data), external_attr=info.external_attr
            )
            for info in archive.infolist()
            for data in [archive.read(info)]
        ]


def _crc_table() -> list[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        table.append(c)
    return table


CRC_TABLE = _crc_table()


def zipcrypto_encrypt(data: bytes, password: bytes, crc: int) -> bytes:
    """Traditional PKWARE encryption (APPNOTE 6.1), as `zip -e` writes it."""
    keys = [0x12345678, 0x23456789, 0x34567890]

    def update(byte: int) -> None:
        keys[0] = (keys[0] >> 8) ^ CRC_TABLE[(keys[0] ^ byte) & 0xFF]
        keys[1] = ((keys[1] + (keys[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        keys[2] = (keys[2] >> 8) ^ CRC_TABLE[(keys[2] ^ (keys[1] >> 24)) & 0xFF]

    for byte in password:
        update(byte)
    header = random_bytes(11) + bytes([crc >> 24])  # the last byte lets unzip check the password
    encrypted = bytearray()
    for byte in header + data:
        temp = keys[2] | 2
        encrypted.append(byte ^ (((temp * (temp ^ 1)) >> 8) & 0xFF))
        update(byte)
    return bytes(encrypted)


def zipcrypto_package(good: Path, bad: Path, password: bytes = b"secret") -> Path:
    members = raw_members(good)
    for m in members:
        if m.file_size:
            m.stored, m.flags = zipcrypto_encrypt(m.stored, password, m.crc), 0x1
    write_raw_zip(bad, members)
    with zipfile.ZipFile(bad) as archive:  # a genuine encrypted zip: it opens with the password
        assert archive.read(TOP + "metadata.json", pwd=password) == zipfile.ZipFile(good).read(TOP + "metadata.json")
    return bad


def aes_package(good: Path, bad: Path) -> Path:
    """WinZip AES-256 (AE-2) headers, as 7-Zip writes them; the cipher text is random bytes of the right length."""
    members = raw_members(good)
    for m in members:
        if m.file_size:
            aes_extra = struct.pack("<HHH2sBH", 0x9901, 7, 2, b"AE", 3, zipfile.ZIP_DEFLATED)
            salt_check_data_mac = random_bytes(16 + 2 + len(m.stored) + 10)
            m.stored, m.flags, m.method, m.crc, m.extra = salt_check_data_mac, 0x1, 99, 0, aes_extra
    return write_raw_zip(bad, members)


def relabelled_package(good: Path, bad: Path, method: int) -> Path:
    """The real deflated members with another compression method in their headers."""
    members = raw_members(good)
    for m in members:
        m.method = method
    return write_raw_zip(bad, members)


def lzma_package(good: Path, bad: Path) -> Path:
    with zipfile.ZipFile(good) as original, zipfile.ZipFile(bad, "w", compression=zipfile.ZIP_LZMA) as copy:
        for info in original.infolist():
            copy.writestr(info.filename, original.read(info))
    return bad


def with_extra_members(good: Path, bad: Path, extra: dict[str, bytes], level: int = 9) -> Path:
    rewrite_zip(good, bad, lambda name, data: (name, data))
    with zipfile.ZipFile(bad, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, data in extra.items():
            archive.writestr(name, data)
    return bad


def zip_bomb(good: Path, bad: Path) -> Path:
    """The real package and 64 MiB of zeros as `model/padding.bin`: a 65 KB member that unpacks 1000-fold."""
    return with_extra_members(good, bad, {TOP + "model/padding.bin": bytes(64 * 2**20)})


def raw_package_with(good: Path, bad: Path, name: bytes, flags: int = 0, external_attr: int = 0o100644 << 16) -> Path:
    data = b"extra file\n"
    extra = RawMember(name, deflate(data), zlib.crc32(data), len(data), flags=flags, external_attr=external_attr)
    return write_raw_zip(bad, [*raw_members(good), extra])


def age(path: Path, seconds: float = 3600) -> Path:
    """Make a dropped file look settled: copied in a while ago, not still being written."""
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


# --- issue 9, defect 1: a package whose model or tokenizer does not load ---------------------


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("garbage-model", "model/model.bin (CTranslate2) cannot be loaded (RuntimeError: Unsupported model binary"),
        ("zeroed-model", "model/model.bin (CTranslate2) cannot be loaded"),
        ("truncated-model", "model/model.bin (CTranslate2) cannot be loaded"),
        ("crashing-model", "model/model.bin (CTranslate2) cannot be loaded"),
        ("garbage-sentencepiece", "sentencepiece.model (tokenizer) cannot be loaded"),
        ("garbage-bpe", "bpe.model (tokenizer) cannot be loaded"),
    ],
)
def test_a_package_that_does_not_load_is_refused_and_the_installed_model_kept(
    workdir: Path, good: Path, good_bpe: Path, kind: str, message: str
) -> None:
    install(good)
    bad = workdir / f"{kind}.argosmodel"
    if kind == "garbage-model":
        replace_member(good, bad, "model.bin", lambda data: random_bytes(len(data)))
    elif kind == "zeroed-model":
        replace_member(good, bad, "model.bin", lambda data: bytes(len(data)))
    elif kind == "truncated-model":
        replace_member(good, bad, "model.bin", lambda data: data[: len(data) // 2])
    elif kind == "crashing-model":
        replace_member(good, bad, "model.bin", crashing_model_bin)
    elif kind == "garbage-sentencepiece":
        replace_member(good, bad, "sentencepiece.model", lambda data: random_bytes(len(data)))
    elif kind == "garbage-bpe":
        replace_member(good_bpe, bad, "bpe.model", lambda data: random_bytes(len(data)))
    assert_refused(bad, message)
    [model] = models.installed_models(Path("lang_models"))
    assert (model.version, model.path.name) == ("1.0", "zh_en")


# --- defect 2: encryption and compression methods zipfile cannot read ------------------------


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("zipcrypto", "is encrypted; digest installs only packages without a password"),
        ("aes", "is encrypted; digest installs only packages without a password"),
        ("lzma", "is compressed with method 14 (LZMA)"),
        ("ppmd", "is compressed with method 98 (PPMd)"),
        ("made-up-method", "is compressed with method 1234 (unknown)"),
    ],
)
def test_encrypted_or_unreadable_compression_exits_2(workdir: Path, good: Path, kind: str, message: str) -> None:
    install(good)
    bad = workdir / f"{kind}.argosmodel"
    if kind == "zipcrypto":
        zipcrypto_package(good, bad)
    elif kind == "aes":
        aes_package(good, bad)
    elif kind == "lzma":
        lzma_package(good, bad)
    elif kind == "ppmd":
        relabelled_package(good, bad, 98)
    elif kind == "made-up-method":
        relabelled_package(good, bad, 1234)
    assert_refused(bad, message)


# --- defect 3: zip bombs ---------------------------------------------------------------------


def test_a_zip_bomb_member_is_refused_before_anything_is_unpacked(workdir: Path, good: Path) -> None:
    bad = zip_bomb(good, workdir / "bomb.argosmodel")
    assert zipfile.ZipFile(bad).getinfo(TOP + "model/padding.bin").compress_size < 100_000
    stderr = assert_refused(bad, "would unpack from ")
    assert f"to {64 * 2**20:,} bytes, a ratio of " in stderr and "more than the 200:1 a model file can have" in stderr


def test_a_package_over_the_unpacked_size_limit_is_refused(
    workdir: Path, good: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Members that do not compress (so no ratio check stops them), more of them in all than the
    # limit, lowered from 4 GiB to 8 MiB so that the test does not write gigabytes.
    monkeypatch.setattr(package_file, "MAX_UNPACKED_BYTES", 8 * 2**20)
    filler = {f"{TOP}model/part{i:02d}.bin": random_bytes(2**20) for i in range(10)}
    bad = with_extra_members(good, workdir / "too-big.argosmodel", filler)
    total = sum(info.file_size for info in zipfile.ZipFile(bad).infolist())
    assert total > 10 * 2**20
    assert_refused(bad, f"would unpack to {total:,} bytes, more than the limit of {8 * 2**20:,}")


def test_many_members_just_under_the_ratio_threshold_are_refused(workdir: Path, good: Path) -> None:
    # 990 members of 4 MiB of zeros once passed: each was "small", and 4 GiB in all was allowed.
    filler = {f"{TOP}model/pad{i:03d}.bin": bytes(4 * 2**20) for i in range(20)}
    bad = with_extra_members(good, workdir / "padding.argosmodel", filler)
    assert_refused(bad, "a zip bomb?")


def test_unpacking_counts_the_bytes_it_writes(tmp_path: Path, good: Path) -> None:
    # The limit is enforced on the bytes written too, not only on the sizes the headers claim.
    with zipfile.ZipFile(good) as archive, pytest.raises(models.ModelPackageError) as refused:
        package_file.extract(good, archive, TOP, tmp_path, limit=300_000)
    assert "unpacking wrote more than the limit of 300,000 bytes" in str(refused.value)


# --- defect 4: a language code that ends with a newline ---------------------------------------


@pytest.mark.parametrize(("key", "value"), [("from_code", "zh\n"), ("to_code", "en\n")])
def test_a_language_code_with_a_trailing_newline_is_refused(workdir: Path, good: Path, key: str, value: str) -> None:
    bad = change_metadata(good, workdir / "newline.argosmodel", **{key: value})
    assert_refused(bad, f"metadata.json has an invalid {key} {value!r}")
    assert not Path("lang_models").exists() or not any(Path("lang_models").iterdir())


# --- defect 5: permissions of an installed model ---------------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o027], ids=oct)
def test_installed_model_has_ordinary_permissions(workdir: Path, good: Path, umask: int) -> None:
    previous = os.umask(umask)
    try:
        install(good)
    finally:
        os.umask(previous)
    folder = workdir / "lang_models" / "zh_en"
    modes = {str(p.relative_to(folder)): stat.S_IMODE(p.stat().st_mode) for p in [folder, *folder.rglob("*")]}
    assert modes == {
        ".": 0o777 & ~umask,
        "model": 0o777 & ~umask,
        "README.md": 0o666 & ~umask,
        "metadata.json": 0o666 & ~umask,
        "sentencepiece.model": 0o666 & ~umask,
        "model/config.json": 0o666 & ~umask,
        "model/model.bin": 0o666 & ~umask,
        "model/shared_vocabulary.json": 0o666 & ~umask,
    }


# --- the same class: crafted member lists and metadata ---------------------------------------


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("duplicate-metadata", "unpack to the same file"),
        ("duplicate-spelling", "would be written outside the models folder"),
        ("file-and-folder", "is both a file and a folder"),
        ("folder-named-model-bin", "no CTranslate2 model"),
        ("nul-in-name", "holds a NUL character"),
        ("newline-in-name", "holds control characters"),
        ("long-name", "is too long to be a file name"),
        ("fifo", "is a special file"),
        ("invalid-utf8-name", "the archive is damaged"),
        ("too-many-members", "members, more than the 1,000 a package may hold"),
        ("huge-metadata", f"metadata.json is larger than {2**20:,} bytes"),
        ("nested-metadata", "metadata.json is not valid JSON"),
        ("version-with-newline", "metadata.json has an invalid package_version '1.0\\n'"),
    ],
)
def test_crafted_packages_exit_2(workdir: Path, good: Path, kind: str, message: str) -> None:
    install(good)
    bad = workdir / f"{kind}.argosmodel"
    if kind == "duplicate-metadata":  # unzip takes the first, Python's zipfile the last
        metadata = json.loads(zipfile.ZipFile(good).read(TOP + "metadata.json"))
        other = json.dumps({**metadata, "from_code": "en", "to_code": "zh"}).encode()
        second = RawMember((TOP + "metadata.json").encode(), deflate(other), zlib.crc32(other), len(other))
        write_raw_zip(bad, [*raw_members(good), second])
    elif kind == "duplicate-spelling":
        with_extra_members(good, bad, {TOP + "model//model.bin": b"not the model"})
    elif kind == "file-and-folder":
        with_extra_members(good, bad, {TOP + "model/model.bin/extra.txt": b"under a file"})
    elif kind == "folder-named-model-bin":
        rewrite_zip(good, bad, lambda name, data: (name + "/", b"") if name.endswith("model.bin") else (name, data))
    elif kind == "nul-in-name":  # zipfile would show it as README.md
        raw_package_with(good, bad, (TOP + "README.md\x00.exe").encode())
    elif kind == "newline-in-name":
        raw_package_with(good, bad, (TOP + "model/notes\n.txt").encode())
    elif kind == "long-name":
        raw_package_with(good, bad, (TOP + "a" * 300).encode())
    elif kind == "fifo":
        raw_package_with(good, bad, (TOP + "model/pipe").encode(), external_attr=(stat.S_IFIFO | 0o644) << 16)
    elif kind == "invalid-utf8-name":
        raw_package_with(good, bad, TOP.encode() + b"\xff\xfe.txt", flags=0x800)
    elif kind == "too-many-members":
        with_extra_members(good, bad, {f"{TOP}docs/{i}.txt": b"" for i in range(1000)})
    elif kind == "huge-metadata":
        replace_member(good, bad, "metadata.json", lambda data: data[:-1] + b" " * 2**21 + data[-1:])
    elif kind == "nested-metadata":  # json.loads raises RecursionError, not ValueError
        replace_member(good, bad, "metadata.json", lambda data: b"[" * 100_000 + b"]" * 100_000)
    elif kind == "version-with-newline":
        change_metadata(good, bad, package_version="1.0\n")
    assert_refused(bad, message)


def test_a_package_with_stored_members_installs(workdir: Path, good: Path) -> None:
    # The compression check refuses what zipfile cannot read, not the other method zip writes.
    stored = rewrite_zip(good, workdir / "stored.argosmodel", lambda name, data: (name, data))
    assert {i.compress_type for i in zipfile.ZipFile(stored).infolist()} == {zipfile.ZIP_STORED}
    install(stored)
    assert [m.version for m in models.installed_models(workdir / "lang_models")] == ["1.0"]


def test_a_package_saved_under_another_name_is_still_checked_and_installed_as_one(workdir: Path, good: Path) -> None:
    # No engine claims a `.zip` or a `.txt`: the fallback installer (Argos) checks it as a package.
    renamed = Path(shutil.copy(good, workdir / "translate-zh_en-1_0.argosmodel.zip"))
    install(renamed)
    assert [m.pair for m in models.installed_models(workdir / "lang_models")] == ["zh_en"]
    notes = workdir / "notes.txt"
    notes.write_text("摘要\n", encoding="utf-8")
    assert_refused(notes, "not a zip archive (an .argosmodel file is a zip of the package folder)")


def test_models_list_names_the_engine_and_kind_of_each_model(workdir: Path, good: Path) -> None:
    install(good)
    folder = workdir / "lang_models" / "zh_en"
    [row] = run_digest("models", "list").stdout.splitlines()
    assert row.startswith("zh_en\t1.0\t") and row.endswith(f"\t{folder}\targos")
    [listed] = [json.loads(line) for line in run_digest("models", "list", "--json").stdout.splitlines()]
    assert listed["pair"] == listed["name"] == "zh_en" and listed["engine"] == listed["kind"] == "argos"
    assert (listed["from"], listed["to"], listed["version"], listed["path"]) == ("zh", "en", "1.0", str(folder))


# --- defect 6: a bad dropped package never stops a run ---------------------------------------


def truncated_copy(good: Path, bad: Path) -> Path:
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    return bad


DROPPED_KINDS: dict[str, Callable[[Path, Path], Path]] = {
    "garbage-model": lambda good, bad: replace_member(good, bad, "model.bin", lambda d: random_bytes(len(d))),
    "crashing-model": lambda good, bad: replace_member(good, bad, "model.bin", crashing_model_bin),
    "zipcrypto": zipcrypto_package,
    "aes": aes_package,
    "ppmd": lambda good, bad: relabelled_package(good, bad, 98),
    "lzma": lzma_package,
    "bomb": zip_bomb,
    "not-a-zip": lambda good, bad: truncated_copy(good, bad),
    "newline-code": lambda good, bad: change_metadata(good, bad, from_code="zh\n"),
    "invalid-utf8-name": lambda good, bad: raw_package_with(good, bad, TOP.encode() + b"\xff.txt", flags=0x800),
    "file-and-folder": lambda good, bad: with_extra_members(good, bad, {TOP + "model/model.bin/x": b"x"}),
    "nested-metadata": lambda good, bad: replace_member(good, bad, "metadata.json", lambda d: b"[" * 100_000),
}


@pytest.mark.slow
def test_bad_dropped_packages_are_set_aside_and_the_run_goes_on(sample_batch: Path, good: Path) -> None:
    install(good)
    models_dir = Path("lang_models")
    dropped = [age(make(good, models_dir / f"{kind}.argosmodel")) for kind, make in DROPPED_KINDS.items()]

    first = run_digest("run", "--engine", "argos", "--no-cache")
    assert first.exit_code == 0, first.stderr
    warnings = [line for line in first.stderr.splitlines() if line.startswith("digest: warning:")]
    for package in dropped:
        about = [line for line in warnings if package.name + ":" in line]
        assert len(about) == 1, (package.name, warnings)
        assert f"renamed {package.name}.rejected so that later runs skip it" in about[0]
        assert not package.exists() and package.with_name(package.name + ".rejected").is_file()
    assert "Traceback" not in first.stderr
    chinese = [r for r in read_jsonl(Path("output/seed-cnki-export.jsonl")) if r["source_lang"] == "zh"]
    assert chinese and all(r["engine"]["model"] == "translate-zh_en 1.0" for r in chinese)

    second = run_digest("run", "--engine", "argos", "--no-cache", "--force")
    assert second.exit_code == 0, second.stderr
    assert ".argosmodel" not in second.stderr
    listed = run_digest("models", "list", "--json")
    assert listed.exit_code == 0
    assert [(m["pair"], m["version"]) for m in map(json.loads, listed.stdout.splitlines())] == [("zh_en", "1.0")]
    assert sorted(p.name for p in models_dir.iterdir() if p.is_dir()) == ["zh_en"]  # no work folders left


def test_a_dropped_package_still_being_copied_is_left_for_the_next_run(tmp_path: Path, good: Path) -> None:
    dropped = tmp_path / good.name
    dropped.write_bytes(good.read_bytes()[:100_000])  # the copy has just begun
    warnings: list[str] = []
    assert models.install_dropped_packages(tmp_path, warnings.append) == []
    [warning] = warnings
    assert warning.startswith(f"{dropped}: not a zip archive")
    assert "may still be being copied, so it was left in place for the next run" in warning
    assert dropped.exists() and not list(tmp_path.glob("*.rejected"))

    dropped.write_bytes(good.read_bytes())  # the copy is complete
    [model] = models.install_dropped_packages(tmp_path, warnings.append)
    assert warnings[1:] == [f"installed translate-zh_en 1.0 from {good.name}"]
    assert model.path == tmp_path / "zh_en" and not dropped.exists()


@pytest.mark.parametrize(
    "error",
    [
        zipfile.BadZipFile("Bad magic number for file header"),
        zlib.error("Error -3 while decompressing data: invalid block type"),
        NotImplementedError("That compression method is not supported"),
        RuntimeError("File is encrypted, password required for extraction"),
        EOFError("Compressed file ended before the end-of-stream marker was reached"),
        ValueError("'utf-8' codec can't decode byte 0xff"),
        KeyError("There is no item named 'metadata.json' in the archive"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_no_zip_error_escapes_from_dropped_packages(
    tmp_path: Path, good: Path, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    # install_package words every error above itself; should a new way of failing get through,
    # the run must still go on and the file be set aside.
    def failing_install(path: Path, models_dir: Path) -> models.InstalledModel:
        raise error

    monkeypatch.setattr(models, "install_package", failing_install)
    dropped = age(Path(shutil.copy(good, tmp_path)))
    warnings: list[str] = []
    assert models.install_dropped_packages(tmp_path, warnings.append) == []
    [warning] = warnings
    assert dropped.name in warning and type(error).__name__ in warning
    assert not dropped.exists() and dropped.with_name(dropped.name + ".rejected").exists()


def test_a_disk_error_leaves_the_dropped_package_for_the_next_run(
    tmp_path: Path, good: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(path: Path, models_dir: Path) -> models.InstalledModel:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(models, "install_package", disk_full)
    dropped = age(Path(shutil.copy(good, tmp_path)))
    warnings: list[str] = []
    models.install_dropped_packages(tmp_path, warnings.append)
    [warning] = warnings
    assert "No space left on device" in warning and "left in place for the next run" in warning
    assert dropped.exists()


def test_an_install_spares_the_work_folder_of_another_live_install(workdir: Path, good: Path) -> None:
    models = workdir / "lang_models"
    models.mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = models / f".install-zh_en-{sleeper.pid}-0a1b2c3d"  # another install, still unpacking
        live.mkdir()
        (live / "metadata.json").write_text("{}", encoding="utf-8")
        killed = models / ".install-zh_en-999999999-0a1b2c3d"  # one whose process is gone
        killed.mkdir()
        install(good)
        assert live.is_dir() and (live / "metadata.json").exists()
        assert not killed.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_model_damaged_after_install_exits_2_naming_it(sample_batch: Path, good: Path) -> None:
    install(good)
    model_bin = Path("lang_models/zh_en/model/model.bin")
    model_bin.write_bytes(b"\0" * model_bin.stat().st_size)  # zeroed by a bad disk or a careless copy
    result = run_digest("run", "--engine", "argos")
    assert result.exit_code == 2, result.stderr
    assert "lang_models/zh_en: cannot load the model" in result.stderr and "reinstall the package" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("trick", ["//", "/./", "/sub//"])
def test_a_member_that_turns_absolute_once_the_top_folder_is_cut_is_refused(
    workdir: Path, good: Path, tmp_path: Path, trick: str
) -> None:
    # `translate-zh_en-1_0//tmp/x`: no leading slash and no `..`, but with the top folder cut
    # off it is `/tmp/x`, and joining an absolute path drops the staging folder.
    victim = tmp_path / "outside" / "victim.txt"
    with zipfile.ZipFile(good) as archive:
        top = archive.namelist()[0].split("/", 1)[0]
    bad = with_extra_members(good, tmp_path / "bad.argosmodel", {f"{top}{trick}{str(victim).lstrip('/')}": b"owned"})
    assert_refused(bad, "would be written outside the models folder")
    assert not victim.exists() and not victim.parent.exists()

    (workdir / "lang_models").mkdir(exist_ok=True)
    dropped = workdir / "lang_models" / "bad.argosmodel"  # dropped: set aside, nothing written either
    age(Path(shutil.copy(bad, dropped)))  # not one still being copied in
    shutil.copy(SAMPLE_EXPORT, workdir / "input")
    result = run_digest("run", "-q")
    assert result.exit_code == 0 and not victim.exists()
    assert (workdir / "lang_models" / "bad.argosmodel.rejected").exists()


def test_an_install_into_a_folder_that_cannot_be_written_is_one_line_and_exit_74(workdir: Path, good: Path) -> None:
    models_dir = workdir / "lang_models"
    models_dir.mkdir()
    if subprocess.run(["chattr", "+i", str(models_dir)], capture_output=True).returncode:
        pytest.skip("chattr +i needs root (CI runs as root)")
    try:
        result = run_digest("models", "install", str(good))
    finally:
        subprocess.run(["chattr", "-i", str(models_dir)], check=True)
    assert result.exit_code == 74, result.stderr
    assert "cannot be written: Operation not permitted" in result.stderr and "Traceback" not in result.stderr
    assert list(models_dir.iterdir()) == []


def test_dropped_things_that_are_not_package_files_are_set_aside_once(sample_batch: Path, tmp_path: Path) -> None:
    models_dir = Path("lang_models")
    models_dir.mkdir()
    os.mkfifo(models_dir / "pipe.argosmodel")  # opening it to read would wait for a writer forever
    (models_dir / "folder.argosmodel").mkdir()
    (models_dir / "gone.argosmodel").symlink_to(tmp_path / "deleted-download.argosmodel")
    (models_dir / "twice.argosmodel").mkdir()
    (models_dir / "twice.argosmodel.rejected").mkdir()  # set aside by an earlier run
    for name in ("pipe", "folder", "gone", "twice"):
        os.utime(models_dir / f"{name}.argosmodel", (time.time() - 3600,) * 2, follow_symlinks=False)
    first = run_digest("run")
    assert first.exit_code == 0, first.stderr
    assert first.stderr.count("not a package file") == 4
    assert (models_dir / "twice.argosmodel.rejected-1").is_dir()
    assert not list(models_dir.glob("*.argosmodel"))
    second = run_digest("run", "--force")
    assert "not a package file" not in second.stderr

"""Formula neutralisation, safe file names and atomic bundle writes."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appraisal.files import FileBatch, inside, write_atomically
from appraisal.report.safety import MAX_STEM_BYTES, UniqueNames, neutralise_cell, safe_stem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Erin = East", "Erin = East"),
        ("王芳", "王芳"),
        ("", ""),
    ],
)
def test_formula_characters_are_neutralised(text: str, expected: str) -> None:
    assert neutralise_cell(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("E1", "E1"),
        ("S00042", "S00042"),
        ("王芳", "王芳"),
        ("../../etc/passwd", "etc_passwd-3754d6cb"),
        ("CON", "_CON-a3dbc4b6"),
        ("nul.txt", "_nul.txt-7f3cbdd5"),
        ("a/b", "a_b-c14cddc0"),
        ("a_b", "a_b"),
        ("..", "item-5ec1f7e7"),
        ("", "item-e3b0c442"),
        ("\u202eevil\u202c", "evil-1af1e29c"),
        ("Ёe\u0301", "Ёé"),
    ],
)
def test_safe_stems(text: str, expected: str) -> None:
    assert safe_stem(text) == expected


@given(st.text(max_size=300))
def test_any_text_gives_a_stem_that_stays_in_its_folder(text: str) -> None:
    stem = safe_stem(text)
    assert stem and stem not in (".", "..")
    assert "/" not in stem and "\\" not in stem and "\x00" not in stem
    assert not stem.startswith(".")
    assert len(stem.encode("utf-8")) <= MAX_STEM_BYTES
    assert unicodedata.normalize("NFC", stem) == stem
    assert stem.split(".")[0].upper() not in ("CON", "PRN", "AUX", "NUL", "COM1", "LPT1")
    assert all(unicodedata.category(c) not in ("Cc", "Cf", "Mn", "Zs") for c in stem)


@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_different_texts_never_share_a_stem(a: str, b: str) -> None:
    if unicodedata.normalize("NFC", a) != unicodedata.normalize("NFC", b):
        names = UniqueNames()
        assert names.claim(a).casefold() != names.claim(b).casefold()


def test_unique_names_differ_ignoring_case() -> None:
    names = UniqueNames()
    assert [names.claim(x) for x in ("Ann", "ann", "ANN", "summary")] == [
        "Ann",
        "ann-2",
        "ANN-3",
        "summary",
    ]


def test_long_stems_are_cut_on_a_character_boundary() -> None:
    stem = safe_stem("客户" * 100)
    assert len(stem.encode("utf-8")) <= MAX_STEM_BYTES
    assert stem.startswith("客户客户") and stem.endswith("-" + stem.rsplit("-", 1)[1])
    stem.encode("utf-8").decode("utf-8")


def test_paths_outside_the_folder_are_refused(tmp_path: Path) -> None:
    assert inside(tmp_path, "a/b.html") == (tmp_path / "a" / "b.html").resolve()
    for bad in ("../x", "a/../../x", "/etc/passwd", "."):
        with pytest.raises(ValueError, match="outside the output folder"):
            inside(tmp_path, bad)


def test_a_batch_appears_whole_on_commit(tmp_path: Path) -> None:
    batch = FileBatch(tmp_path / "out")
    batch.write_text("index.html", "<p>hi</p>")
    batch.write_bytes("rep/E1.html", b"E1")
    with batch.open("t.csv") as out:
        out.write(b"a,b\r\n")
    staged = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert len(staged) == 3 and all(p.name.endswith(".tmp") for p in staged)
    assert not (tmp_path / "out" / "index.html").exists()
    written = batch.commit()
    assert [(w.path, w.size) for w in written] == [
        ("index.html", 9),
        ("rep/E1.html", 2),
        ("t.csv", 5),
    ]
    assert (tmp_path / "out" / "rep" / "E1.html").read_bytes() == b"E1"
    assert not list((tmp_path / "out").rglob("*.tmp"))


def test_a_failed_batch_leaves_nothing_behind(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), FileBatch(tmp_path) as batch:
        batch.write_text("a.html", "a")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_a_batch_refuses_names_that_escape(tmp_path: Path) -> None:
    batch = FileBatch(tmp_path / "out")
    for bad in ("../evil.html", "a/../../evil.html", "x/..", "a\\b"):
        with pytest.raises(ValueError, match="outside the output folder"):
            batch.write_text(bad, "x")
    batch.abort()
    assert not (tmp_path / "evil.html").exists()


def test_write_atomically_replaces_a_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "manifest.json"
    target.write_text("old", encoding="utf-8")
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]

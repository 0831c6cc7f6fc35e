"""Bad files are one clear error naming the file, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ArticleError
from bot.parse import parse_file


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        (b"caf\xe9 au lait", "not UTF-8 text"),
        (b"   \n\t\r\n  \xc2\xa0 \n", "no text"),
        (b"#only #hashtags #here", "no article text found"),
    ],
)
def test_bad_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(ArticleError) as info:
        parse_file(path)
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="no such file"):
        parse_file(tmp_path / "nope.txt")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="is a directory"):
        parse_file(tmp_path)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffA lede with a byte order mark.".encode())
    assert parse_file(path).lede == "A lede with a byte order mark."

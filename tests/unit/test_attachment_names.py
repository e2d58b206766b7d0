from __future__ import annotations

import pytest

from helpdesk_app.config import get_settings
from helpdesk_app.domain.attachments import (
    MAX_FILES_PER_MESSAGE,
    IncomingFile,
    safe_filename,
    validate_files,
)
from helpdesk_app.domain.errors import Invalid


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
        ("/abs/path/report.pdf", "report.pdf"),
        ("C:\\Users\\jan\\faktura 03.pdf", "faktura 03.pdf"),
        ("zażółć gęślą jaźń.txt", "zażółć gęślą jaźń.txt"),
        ("evil\x00name\n.txt", "evil_name_.txt"),
        ("a<b>c|d?.txt", "a_b_c_d_.txt"),
        ("..", "file"),
        ("", "file"),
        ("   ...   ", "file"),
        ("dir/", "file"),
    ],
)
def test_safe_filename_strips_paths_and_unsafe_chars(raw: str, expected: str) -> None:
    assert safe_filename(raw) == expected


def test_safe_filename_never_contains_separators_and_is_bounded() -> None:
    name = safe_filename("x/" * 50 + "y" * 500 + ".txt")
    assert "/" not in name and "\\" not in name
    assert len(name) <= 200


def test_validate_files_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POMOCNIK_MAX_ATTACHMENT_MB", "1")
    get_settings.cache_clear()
    limit = 1024 * 1024
    validate_files([IncomingFile("ok.bin", b"x" * limit)])  # exactly the limit is fine
    with pytest.raises(Invalid) as exc:
        validate_files([IncomingFile("../big.bin", b"x" * (limit + 1))])
    assert exc.value.key == "attachment.too_large"
    assert exc.value.params == {"name": "big.bin", "max_mb": 1}


def test_validate_files_count_limit() -> None:
    files = [IncomingFile(f"{i}.txt", b"x") for i in range(MAX_FILES_PER_MESSAGE + 1)]
    with pytest.raises(Invalid) as exc:
        validate_files(files)
    assert exc.value.key == "attachment.too_many"
    validate_files(files[:MAX_FILES_PER_MESSAGE])

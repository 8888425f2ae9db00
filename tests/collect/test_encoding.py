"""segkit.collect.encoding (and files, charsets): the line-by-line decoder of issue 14."""

from __future__ import annotations

from pathlib import Path

import pytest

from segkit.collect import encoding
from segkit.collect.charsets import plausibility
from segkit.collect.encoding import plan_decoding
from segkit.collect.files import check_unchanged, scan_file
from segkit.errors import InputError

HEADER = "订单号,客户编号,日期,金额\n"


def test_valid_utf8_is_proved_in_the_hashing_pass_and_never_copied(tmp_path: Path) -> None:
    path = tmp_path / "tx.csv"
    path.write_text(HEADER + "A1,001,2023-09-28,5\n" * 1000 + "A2,刘䶮,2023-09-28,6\n", "utf-8")
    scan = scan_file(path)
    assert scan.utf8 and scan.size == path.stat().st_size
    decoding = plan_decoding(path, scan=scan)
    assert (decoding.encoding, decoding.bad, decoding.needs_copy) == ("utf-8", {}, False)
    # a character cut by a chunk boundary is judged whole
    big = tmp_path / "big.csv"
    big.write_bytes(b"a" * ((1 << 20) - 1) + "刘\n".encode())
    assert scan_file(big).utf8


def test_plausibility_tells_gbk_from_big5() -> None:
    assert plausibility("服装门店", "gb18030") == 1.0
    assert plausibility("服裝".encode("big5").decode("gb18030"), "gb18030") == 0.5  # 狝杆
    assert plausibility("服裝", "big5") == 1.0
    assert plausibility("abc", "big5") == 1.0  # nothing to judge


def test_mixed_lines_are_named_with_their_encoding(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_bytes(
        (HEADER + "A1,001,2023-09-28,5\n").encode() + "A2,门店,2023-09-28,6\n".encode("gbk")
    )
    dec = plan_decoding(path)
    assert dec.encoding == "utf-8" and list(dec.bad) == [3]
    assert (dec.bad[3].code, dec.bad[3].text) == ("MIXED_ENCODING", "A2,门店,2023-09-28,6")


def test_file_changed_after_hashing_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tx.csv"
    path.write_text(HEADER + "A1,001,2023-09-28,5\n", "utf-8")
    scan = scan_file(path)
    check_unchanged(path, scan)  # unchanged: fine
    with open(path, "ab") as fh:
        fh.write(b"A2,002,2023-09-28,6\n")
    with pytest.raises(InputError, match="FILE_CHANGED"):
        check_unchanged(path, scan)


def test_legacy_choice_on_a_sample_still_checks_every_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the sample the encoding is not chosen again, but every line is still checked."""
    monkeypatch.setattr(encoding, "_SAMPLE", 1_000)  # a small sample: most lines lie past it
    lines = "".join(f"门{i},{i:03d},2023-09-28,{i}\n" for i in range(1, 3000))
    path = tmp_path / "g.csv"
    path.write_bytes((HEADER + lines).encode("gbk") + b"X1,\xff\xfe,2023-09-28,1\n")
    dec = plan_decoding(path)
    assert dec.encoding == "gb18030" and list(dec.bad) == [3001]
    assert dec.bad[3001].code == "INVALID_ENCODING"

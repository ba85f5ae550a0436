"""CSV for spreadsheets: formula-safe cells unless raw, a byte-order mark for Excel."""

from __future__ import annotations

import csv
import io

from conftest import EXAMPLES

from aligner.annotation.export import write
from aligner.annotation.tasks import ExportOptions
from aligner.api import align


def test_csv_cells_are_formula_safe_unless_raw(tmp_path):
    pair = align([EXAMPLES]).records()[0]
    evil = dict(pair, english=dict(pair["english"], text='=HYPERLINK("http://x")', handle="@x"))

    def rows(name: str, raw_csv: bool = False) -> list[dict[str, str]]:
        write([evil], str(tmp_path / name), "csv", ExportOptions(raw_csv=raw_csv))
        return list(csv.DictReader(io.StringIO((tmp_path / name).read_text(encoding="utf-8"))))

    safe, raw = rows("safe.csv"), rows("raw.csv", raw_csv=True)
    assert safe[0]["english_text"] == "'=HYPERLINK(\"http://x\")" and safe[0]["english_handle"] == "'@x"
    assert raw[0]["english_text"] == '=HYPERLINK("http://x")'


def test_excel_csv_starts_with_a_byte_order_mark(tmp_path):
    pair = align([EXAMPLES]).records()[0]
    write([pair], str(tmp_path / "plain.csv"), "csv")
    write([pair], str(tmp_path / "excel.csv"), "csv", ExportOptions(excel=True))
    assert (tmp_path / "excel.csv").read_bytes() == b"\xef\xbb\xbf" + (tmp_path / "plain.csv").read_bytes()
    rows = list(csv.DictReader(io.StringIO((tmp_path / "excel.csv").read_text(encoding="utf-8-sig"))))
    assert rows[0]["greek_text"] == pair["greek"]["text"]

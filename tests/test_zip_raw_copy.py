"""The unchanged parts of a workbook are copied compressed, as they are (workbook.xlsxpatch.copy_raw).

copy_raw writes a member's compressed bytes straight into the new zip, which is why a refresh of
a 56 MB workbook does not inflate and deflate every sheet it leaves alone. It relies on parts of
CPython's zipfile that are not documented API — the file object ``fp``, ``filelist``,
``NameToInfo``, ``start_dir``, ``_didModify`` and ``ZipInfo.FileHeader(zip64)``. These tests pin
them: if a Python upgrade changes one, this file fails with the name of what changed, instead of
refresh writing a workbook Excel must repair.
"""

from __future__ import annotations

import inspect
import io
import zipfile

import pytest

from workbook.xlsxpatch import copy_raw

PARTS = {"xl/worksheets/sheet1.xml": b"<sheetData>" + b"<row/>" * 5000 + b"</sheetData>",
         "docProps/app.xml": "<Application>售后服务</Application>".encode()}


@pytest.mark.parametrize("attribute", ["fp", "filelist", "NameToInfo", "start_dir", "_didModify"])
def test_the_zipfile_internals_copy_raw_uses_still_exist(attribute):
    with zipfile.ZipFile(io.BytesIO(), "w") as archive:
        assert hasattr(archive, attribute), f"zipfile.ZipFile no longer has {attribute!r}: rewrite copy_raw"


def test_zipinfo_still_writes_its_local_header_with_a_zip64_switch():
    parameters = inspect.signature(zipfile.ZipInfo.FileHeader).parameters
    assert "zip64" in parameters, "zipfile.ZipInfo.FileHeader(zip64) changed: rewrite copy_raw"


def test_a_raw_copy_is_byte_identical_and_reads_back():
    source = io.BytesIO()
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in PARTS.items():
            archive.writestr(name, data)
    target = io.BytesIO()
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            copy_raw(src, info, dst)
        dst.writestr("xl/new.xml", b"<new/>")  # an ordinary write after raw copies still lands
    with zipfile.ZipFile(target) as out:
        assert out.testzip() is None  # every CRC checks out
        assert {i.filename: out.read(i) for i in out.infolist()} == {**PARTS, "xl/new.xml": b"<new/>"}
        copied = {i.filename: i for i in out.infolist()}
    with zipfile.ZipFile(source) as src:
        for info in src.infolist():  # the compressed bytes were not recompressed
            assert copied[info.filename].compress_size == info.compress_size
            assert copied[info.filename].compress_type == zipfile.ZIP_DEFLATED


def _zip_of(parts: dict[str, bytes]) -> bytes:
    source = io.BytesIO()
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return source.getvalue()


def test_a_streamed_sheet_is_rewritten_with_its_new_content_and_a_true_crc(tmp_path):
    from workbook.xlsx_zip import rewrite_zip

    src = tmp_path / "in.xlsx"
    src.write_bytes(_zip_of(PARTS))
    dst = tmp_path / "out.xlsx"
    sheet = "xl/worksheets/sheet1.xml"

    def upper_rows(reader, writer):  # a transform that changes every row, read and written in pieces
        while chunk := reader.read(1 << 10):
            writer.write(chunk.replace(b"<row/>", b"<row></row>"))

    rewrite_zip(src, dst, {}, {}, set(), {sheet: upper_rows})
    with zipfile.ZipFile(dst) as out:
        assert out.testzip() is None  # zipfile's own CRC check of every member
        assert out.read(sheet) == b"<sheetData>" + b"<row></row>" * 5000 + b"</sheetData>"
        assert out.read("docProps/app.xml") == PARTS["docProps/app.xml"]
        assert out.getinfo(sheet).compress_type == zipfile.ZIP_DEFLATED


def test_a_sheet_whose_compressed_bytes_are_damaged_is_refused_not_passed_on(tmp_path):
    from workbook.xlsx_zip import rewrite_zip

    sheet = "xl/worksheets/sheet1.xml"
    parts = {sheet: bytes(range(256)) * 400}  # incompressible enough that a flipped byte is in data
    data = bytearray(_zip_of(parts))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo(sheet)
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0x01
    src = tmp_path / "in.xlsx"
    src.write_bytes(bytes(data))

    def copy(reader, writer):
        while chunk := reader.read(1 << 12):
            writer.write(chunk)

    with pytest.raises(zipfile.BadZipFile):
        rewrite_zip(src, tmp_path / "out.xlsx", {}, {}, set(), {sheet: copy})

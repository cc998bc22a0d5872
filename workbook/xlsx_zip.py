"""The zip around the parts: unchanged members copied compressed as they are, changed ones streamed.

Part of the file patcher (see ``workbook.xlsxpatch`` for how the pieces fit).
"""

from __future__ import annotations

import queue
import struct
import threading
import zipfile
from typing import Callable

from workbook.xlsx_rows import STREAM_CHUNK

try:  # ISA-L's deflate/inflate: the same formats as zlib, ≈ 4× faster deflate and 2× faster inflate
    from isal import isal_zlib as deflate_lib
except ImportError:  # a platform without its wheel: zlib, slower, same bytes on disk in kind
    import zlib as deflate_lib

SHEET_LEVEL = 1  # big sheets: fast deflate; with ISA-L, level 1 is as small as zlib's level 1

def data_offset(src: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    """Where ``info``'s compressed bytes start in ``src`` (after its local header)."""
    fp = src.fp
    fp.seek(info.header_offset)
    header = fp.read(30)
    if header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    return info.header_offset + 30 + name_len + extra_len


def copy_raw(src: zipfile.ZipFile, info: zipfile.ZipInfo, dst: zipfile.ZipFile) -> None:
    """Copy one member's compressed bytes as they are (no inflate/deflate round trip)."""
    fp = src.fp
    fp.seek(data_offset(src, info))
    raw = fp.read(info.compress_size)
    clone = zipfile.ZipInfo(info.filename, info.date_time)
    clone.compress_type = info.compress_type
    clone.external_attr = info.external_attr
    clone.create_system = info.create_system
    clone.flag_bits = info.flag_bits & ~0x08  # sizes go in the local header, no data descriptor
    clone.CRC = info.CRC
    clone.compress_size = info.compress_size
    clone.file_size = info.file_size
    clone.header_offset = dst.fp.tell()
    zip64 = clone.file_size > zipfile.ZIP64_LIMIT or clone.compress_size > zipfile.ZIP64_LIMIT
    dst.fp.write(clone.FileHeader(zip64))
    dst.fp.write(raw)
    dst.filelist.append(clone)
    dst.NameToInfo[clone.filename] = clone
    dst.start_dir = dst.fp.tell()
    dst._didModify = True


def rewrite_zip(src_path, dst_path, replaced: dict[str, bytes], added: dict[str, bytes],
                removed: set[str] = frozenset(),
                streamed: dict[str, Callable] | None = None) -> None:
    """Write ``dst_path``: every member of ``src_path``, with ``replaced`` and ``added`` parts.

    ``streamed`` maps a part to ``transform(src_file, dst_file)``: the part is rewritten from its
    old content as a stream, never held whole in memory. A ``replaced`` value may be a callable
    returning the bytes: it is called after everything else is written (styles that streaming
    added cell formats to).
    """
    streamed = streamed or {}
    late = {k: v for k, v in replaced.items() if callable(v)}
    with zipfile.ZipFile(src_path) as src, zipfile.ZipFile(dst_path, "w") as dst:
        for info in src.infolist():
            name = info.filename
            if name in removed or name in late:
                continue
            if name in streamed:
                with _inflating(src, info) as reader, DeflatedMember(dst, _fresh_info(info)) as writer:
                    # Inflate and deflate run in their own threads (ISA-L and zlib release the
                    # GIL), beside the patching in this one.
                    with Prefetch(reader) as ahead, Sink(writer) as behind:
                        streamed[name](ahead, behind)
            elif name in replaced:
                data = replaced[name]
                level = 1 if len(data) > 4_000_000 else 6
                dst.writestr(_fresh_info(info), data, compress_type=zipfile.ZIP_DEFLATED,
                             compresslevel=level)
            else:
                try:
                    copy_raw(src, info, dst)
                except (AttributeError, zipfile.BadZipFile):
                    dst.writestr(_fresh_info(info), src.read(name),
                                 compress_type=zipfile.ZIP_DEFLATED)
        for name, data in added.items():
            dst.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data,
                         compress_type=zipfile.ZIP_DEFLATED)
        for name, produce in late.items():
            dst.writestr(_fresh_info(src.getinfo(name)), produce(), compress_type=zipfile.ZIP_DEFLATED)


def _inflating(src: zipfile.ZipFile, info: zipfile.ZipInfo):
    """A reader of one member's content: ISA-L inflate for a deflated member, else zipfile's."""
    if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1:  # stored, or encrypted
        return src.open(info)
    return InflatedMember(src, info)


class InflatedMember:
    """One deflated member of ``src`` read as its content, checked against its CRC-32 at the end
    (as zipfile does: a damaged file is refused, never patched and passed on)."""

    def __init__(self, src: zipfile.ZipFile, info: zipfile.ZipInfo):
        self._fp = src.fp
        self._pos = data_offset(src, info)
        self._left = info.compress_size
        self._info = info
        self._inflate = deflate_lib.decompressobj(-15)
        self._crc = 0
        self._size = 0
        self._done = False

    def read(self, size: int = STREAM_CHUNK) -> bytes:
        out = b""
        while not out and not self._done:
            if self._left:
                self._fp.seek(self._pos)
                raw = self._fp.read(min(self._left, max(size // 4, 1 << 16)))
                if not raw:
                    raise zipfile.BadZipFile(f"{self._info.filename}: file ends inside the member")
                self._pos += len(raw)
                self._left -= len(raw)
                try:
                    out = self._inflate.decompress(raw)
                except deflate_lib.error as exc:
                    raise zipfile.BadZipFile(f"{self._info.filename}: {exc}") from exc
            else:
                out = self._inflate.flush()
                self._done = True
            self._crc = deflate_lib.crc32(out, self._crc)
            self._size += len(out)
        if self._done and not out and (self._crc != self._info.CRC or self._size != self._info.file_size):
            raise zipfile.BadZipFile(f"Bad CRC-32 for file {self._info.filename!r}")
        return out

    def __enter__(self) -> "InflatedMember":
        return self

    def __exit__(self, *exc) -> None:
        pass


class DeflatedMember:
    """A member of ``dst`` written as a stream with ISA-L's deflate (zipfile's own writer uses
    zlib): the local header is written first with room for ZIP64 sizes, then filled in at the end,
    as zipfile does for a streamed member."""

    def __init__(self, dst: zipfile.ZipFile, info: zipfile.ZipInfo, level: int = SHEET_LEVEL):
        info.compress_type = zipfile.ZIP_DEFLATED
        info.file_size = info.compress_size = info.CRC = 0
        self._dst = dst
        self._info = info
        self._deflate = deflate_lib.compressobj(level, deflate_lib.DEFLATED, -15)
        self._crc = 0
        self._size = 0
        self._compressed = 0

    def __enter__(self) -> "DeflatedMember":
        fp = self._dst.fp
        self._info.header_offset = fp.tell()
        fp.write(self._info.FileHeader(True))
        return self

    def write(self, data: bytes) -> None:
        self._crc = deflate_lib.crc32(data, self._crc)
        self._size += len(data)
        out = self._deflate.compress(data)
        if out:
            self._dst.fp.write(out)
            self._compressed += len(out)

    def __exit__(self, exc_type, *_exc) -> None:
        if exc_type is not None:
            return  # the temporary file is thrown away by the caller
        out = self._deflate.flush()
        fp = self._dst.fp
        fp.write(out)
        info = self._info
        info.CRC, info.file_size, info.compress_size = self._crc, self._size, self._compressed + len(out)
        end = fp.tell()
        fp.seek(info.header_offset)
        fp.write(info.FileHeader(True))
        fp.seek(end)
        self._dst.filelist.append(info)
        self._dst.NameToInfo[info.filename] = info
        self._dst.start_dir = end
        self._dst._didModify = True


class Prefetch:
    """Reads a stream ahead in a thread: ``read(n)`` returns the next chunk already inflated."""

    def __init__(self, stream, chunk: int = STREAM_CHUNK, depth: int = 3):
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._chunk = chunk
        self._stream = stream
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            while True:
                data = self._stream.read(self._chunk)
                self._queue.put(data)
                if not data:
                    return
        except BaseException as exc:  # handed to the reader
            self._queue.put(exc)

    def read(self, _size: int = -1) -> bytes:
        data = self._queue.get()
        if isinstance(data, BaseException):
            raise data
        if not data:
            self._queue.put(b"")  # stay at end of stream for later reads
        return data

    def __enter__(self) -> "Prefetch":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        while self._thread.is_alive():  # drain so the thread can finish
            try:
                self._queue.get(timeout=0.1)
            except queue.Empty:
                pass
        self._thread.join()


class Sink:
    """Collects small writes into ~1 MB pieces and writes them from a thread (deflate there)."""

    def __init__(self, stream, piece: int = 1 << 20, depth: int = 4):
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stream = stream
        self._parts: list[bytes] = []
        self._size = 0
        self._piece = piece
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            data = self._queue.get()
            if data is None:
                return
            if self._error is None:
                try:
                    self._stream.write(data)
                except BaseException as exc:  # reported to the writer
                    self._error = exc

    def write(self, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._parts.append(data)
        self._size += len(data)
        if self._size >= self._piece:
            self._queue.put(b"".join(self._parts))
            self._parts, self._size = [], 0

    def __enter__(self) -> "Sink":
        self._thread.start()
        return self

    def __exit__(self, exc_type, *_exc) -> None:
        if self._parts:
            self._queue.put(b"".join(self._parts))
        self._queue.put(None)
        self._thread.join()
        if self._error is not None and exc_type is None:
            raise self._error


def _fresh_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    fresh = zipfile.ZipInfo(info.filename, info.date_time)
    fresh.external_attr = info.external_attr
    return fresh

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

def copy_raw(src: zipfile.ZipFile, info: zipfile.ZipInfo, dst: zipfile.ZipFile) -> None:
    """Copy one member's compressed bytes as they are (no inflate/deflate round trip)."""
    fp = src.fp
    fp.seek(info.header_offset)
    header = fp.read(30)
    if header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    fp.seek(info.header_offset + 30 + name_len + extra_len)
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
                fresh = _fresh_info(info)
                fresh.compress_type = zipfile.ZIP_DEFLATED
                fresh._compresslevel = 1  # big sheets: fast deflate; size is secondary
                with src.open(info) as reader, dst.open(fresh, "w", force_zip64=True) as writer:
                    # Inflate and deflate run in their own threads (zlib releases the GIL), beside
                    # the patching in this one.
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

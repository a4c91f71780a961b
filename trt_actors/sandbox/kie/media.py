"""Tiny, structurally valid media files for the emulator's task results.

* PNG: an 8×8 RGB image with correct chunk CRCs (opens in any viewer).
* MP4: ``ftyp`` + ``moov``/``mvhd`` (one second, no tracks) + empty ``mdat``:
  a well-formed ISO BMFF container that probes as MP4.
* MP3: ten silent MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz, mono).

They are small so the Telegram emulator can fetch them by URL cheaply, and
deterministic so tests can compare bytes.
"""

from __future__ import annotations

import enum
import struct
import zlib

__all__ = ["MediaKind", "media_bytes"]


class MediaKind(enum.Enum):
    """The kind of result file a model produces, with its extension and MIME type."""

    IMAGE = ("png", "image/png")
    VIDEO = ("mp4", "video/mp4")
    AUDIO = ("mp3", "audio/mpeg")

    @property
    def extension(self) -> str:
        return self.value[0]

    @property
    def mime_type(self) -> str:
        return self.value[1]


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _png(seed: int) -> bytes:
    width = height = 8
    red, green, blue = (seed * 53) % 256, (seed * 97 + 80) % 256, (seed * 31 + 160) % 256
    rows = b"".join(b"\x00" + bytes((red, green, blue)) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(rows))
        + _png_chunk(b"IEND", b"")
    )


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _mp4() -> bytes:
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 0x200) + b"isomiso2mp41")
    matrix = struct.pack(">9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)
    mvhd = _box(
        b"mvhd",
        struct.pack(">IIIII", 0, 0, 0, 1000, 1000)  # version+flags, created, modified, timescale, duration
        + struct.pack(">IH", 0x00010000, 0x0100)  # rate 1.0, volume 1.0
        + b"\x00" * 10
        + matrix
        + b"\x00" * 24
        + struct.pack(">I", 1),  # next track id
    )
    return ftyp + _box(b"moov", mvhd) + _box(b"mdat", b"")


def _mp3() -> bytes:
    header = b"\xff\xfb\x90\xc4"  # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, mono
    frame = header + b"\x00" * (417 - len(header))  # zero side info: a silent frame
    return frame * 10


def media_bytes(kind: MediaKind, seed: int = 0) -> bytes:
    """The bytes of a small valid file of ``kind``; ``seed`` varies the PNG colour."""
    if kind is MediaKind.IMAGE:
        return _png(seed)
    if kind is MediaKind.VIDEO:
        return _mp4()
    return _mp3()

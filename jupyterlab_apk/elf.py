"""The dynamic-linking facts of an ELF file that apk dependencies come from (pure).

abuild reads them with `scanelf`: each shared object a file needs (`DT_NEEDED`) becomes a
`so:<name>` dependency unless the package carries it, and a library's own name (`DT_SONAME`)
is how the package carries it. This reads the same two entries from the bytes, through the
program headers as the dynamic loader does, for 32- and 64-bit files of either byte order.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

MAGIC = b"\x7fELF"
_PT_LOAD, _PT_DYNAMIC = 1, 2
_DT_NULL, _DT_NEEDED, _DT_STRTAB, _DT_SONAME = 0, 1, 5, 14


class DynamicInfo(NamedTuple):
    needed: tuple[str, ...]  # DT_NEEDED, in file order
    soname: str | None  # DT_SONAME


class ElfError(ValueError):
    """The file starts like an ELF file but its headers do not hold together."""


def is_elf(data: bytes) -> bool:
    return data.startswith(MAGIC)


def dynamic_info(data: bytes) -> DynamicInfo:
    """NEEDED and SONAME of an ELF file; empty for a static one. Raises ElfError if broken."""
    if not is_elf(data) or len(data) < 52:
        raise ElfError("not an ELF file")
    wide = {1: False, 2: True}.get(data[4])
    order = {1: "<", 2: ">"}.get(data[5])
    if wide is None or order is None:
        raise ElfError(f"unknown ELF class {data[4]} or byte order {data[5]}")
    try:
        segments = _segments(data, order, wide)
        dynamic = next((s for s in segments if s[0] == _PT_DYNAMIC), None)
        if dynamic is None:
            return DynamicInfo((), None)
        entries = _dynamic_entries(data, order, wide, dynamic[1], dynamic[3])
        strtab = _file_offset(segments, next(v for t, v in entries if t == _DT_STRTAB))
        names = {
            tag: [_string(data, strtab + value) for t, value in entries if t == tag]
            for tag in (_DT_NEEDED, _DT_SONAME)
        }
    except (struct.error, StopIteration, IndexError) as exc:
        raise ElfError(f"broken ELF dynamic section ({exc or 'no string table'})") from None
    return DynamicInfo(tuple(names[_DT_NEEDED]), next(iter(names[_DT_SONAME]), None))


def _segments(data: bytes, order: str, wide: bool) -> list[tuple[int, int, int, int]]:
    """(type, file offset, virtual address, file size) of each program header."""
    if wide:
        phoff, = struct.unpack_from(order + "Q", data, 32)
        phentsize, phnum = struct.unpack_from(order + "HH", data, 54)
        layout, fields = order + "IIQQQQ", (0, 2, 3, 5)  # type, flags, offset, vaddr, paddr, filesz
    else:
        phoff, = struct.unpack_from(order + "I", data, 28)
        phentsize, phnum = struct.unpack_from(order + "HH", data, 42)
        layout, fields = order + "IIIII", (0, 1, 2, 4)  # type, offset, vaddr, paddr, filesz
    headers = (struct.unpack_from(layout, data, phoff + i * phentsize) for i in range(phnum))
    return [tuple(header[f] for f in fields) for header in headers]  # type: ignore[misc]


def _dynamic_entries(
    data: bytes, order: str, wide: bool, offset: int, size: int
) -> list[tuple[int, int]]:
    layout = order + ("qQ" if wide else "iI")
    step = struct.calcsize(layout)
    entries = []
    for position in range(offset, offset + size - step + 1, step):
        tag, value = struct.unpack_from(layout, data, position)
        if tag == _DT_NULL:
            break
        entries.append((tag, value))
    return entries


def _file_offset(segments: list[tuple[int, int, int, int]], address: int) -> int:
    """Where the loaded *address* lies in the file (DT_STRTAB is an address, not an offset)."""
    for kind, offset, vaddr, size in segments:
        if kind == _PT_LOAD and vaddr <= address < vaddr + size:
            return offset + address - vaddr
    raise ElfError(f"address {address:#x} is in no loaded segment")


def _string(data: bytes, start: int) -> str:
    end = data.index(b"\0", start)
    return data[start:end].decode("utf-8", "surrogateescape")

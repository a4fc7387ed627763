"""Bytes out: XML serialisation and reproducible zips (files are written by quizgen.output.write_files)."""
from __future__ import annotations

import struct
import zlib

from lxml import etree

from ..errors import ExportError

ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: same input, same bytes


def xml_bytes(root: etree._Element) -> bytes:
    """UTF-8 XML with declaration, indented (libxml2's pretty printer), deterministic."""
    body = etree.tostring(root, xml_declaration=False, encoding="UTF-8", pretty_print=True)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def zip_bytes(files: dict[str, bytes], level: int = 1) -> bytes:
    """A zip (deflate) of ``files``: entries sorted, fixed dates and permissions.

    Written directly (PKWARE APPNOTE 4.3: local headers, central directory, end record)
    because ``zipfile`` costs more per entry than compressing a small QTI item does.
    """
    if len(files) > 0xFFFF:
        raise ExportError(f"{len(files)} files are too many for a plain zip package.")
    out = bytearray()
    central = bytearray()
    dos_time, dos_date = 0, (ZIP_DATE[0] - 1980) << 9 | ZIP_DATE[1] << 5 | ZIP_DATE[2]
    for name in sorted(files):
        data = files[name]
        raw = name.encode("utf-8")
        flags = 0 if raw.isascii() else 0x800  # bit 11: the name is UTF-8
        packed = zlib.compress(data, level, wbits=-15)  # raw deflate, as zip stores it
        crc = zlib.crc32(data)
        fields = (20, flags, 8, dos_time, dos_date, crc, len(packed), len(data), len(raw))
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0) + raw + packed
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 3 << 8 | 20, *fields,
                               0, 0, 0, 0, 0o100644 << 16, offset) + raw
    if len(out) + len(central) > 0xFFFFFFFF:
        raise ExportError("the package is larger than 4 GiB, too large for a plain zip file.")
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(files), len(files), len(central),
                      len(out), 0)
    return bytes(out + central + end)


MARK = "\ue002"  # private-use character: marks a slot in a Stamp prototype


class Stamp:
    """A prototype subtree copied per use with its marked slots filled in.

    Building the same element structure thousands of times is the slow part of a big
    export; ``copy.deepcopy`` of a prototype happens in C. Slots are texts or attribute
    values equal to ``MARK + key`` in the prototype.
    """

    def __init__(self, proto: etree._Element):
        self.proto = proto
        self.slots: list[tuple[int, str | None, str]] = []
        for i, el in enumerate(proto.iter()):
            if el.text and el.text.startswith(MARK):
                self.slots.append((i, None, el.text[len(MARK):]))
            for name, value in el.attrib.items():
                if value.startswith(MARK):
                    self.slots.append((i, name, value[len(MARK):]))

    def make(self, values: dict[str, str]) -> etree._Element:
        el = self.proto.__deepcopy__(None)  # lxml copies the subtree in C
        nodes = list(el.iter())
        for i, attr, key in self.slots:
            if attr is None:
                nodes[i].text = values[key]
            else:
                nodes[i].set(attr, values[key])
        return el


def marks(*keys: str) -> dict[str, str]:
    """Slot markers for building a Stamp prototype: ``{key: MARK + key}``."""
    return {k: MARK + k for k in keys}

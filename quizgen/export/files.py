"""Bytes out: XML serialisation, reproducible zips, atomic file writes."""
from __future__ import annotations

import copy
import io
import os
import tempfile
import zipfile
from pathlib import Path

from lxml import etree

from ..errors import ExportError

ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: same input, same bytes


def xml_bytes(root: etree._Element, doctype: str | None = None) -> bytes:
    """UTF-8 XML with declaration, indented (libxml2's pretty printer), deterministic."""
    body = etree.tostring(root, xml_declaration=False, encoding="UTF-8", pretty_print=True,
                          doctype=doctype)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """A zip of ``files`` with sorted entries, fixed dates and permissions."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            z.writestr(info, files[name], compresslevel=1)
    return buf.getvalue()


def write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise ExportError(f"cannot write in this folder: {e.strerror}.",
                          path=str(path.parent)) from e
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise ExportError(f"cannot write the file: {e.strerror}.", path=str(path)) from e
    return path


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
        el = copy.deepcopy(self.proto)
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

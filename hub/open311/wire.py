"""Open311's two wire formats: the same answer as JSON or as XML, and errors in the standard form.

XML is only written here, never read: reports come form-encoded, so no XML parser ever sees
a client's bytes (nothing to expand, no external entity to fetch). What is written is built
with ElementTree, which escapes every value, so a description containing markup or an entity
declaration reaches XML readers as the literal text it was.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import orjson

# The element name of a list's items, by the list's own name (the spec's XML shapes).
_ITEM_NAMES = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


def render_json(body: Any) -> bytes:
    """The answer as JSON (UTF-8, Bengali as it is)."""
    return orjson.dumps(body)


def render_xml(body: Any, root: str, item: str = "") -> bytes:
    """The answer as XML: a list under `root` as `item` elements, a dict as `root` itself."""
    element = ET.Element(root)
    if isinstance(body, list):
        for entry in body:
            _fill(ET.SubElement(element, item), entry)
    else:
        _fill(element, body)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8")


def error_body(status: int, description: str) -> list[dict[str, Any]]:
    """The standard error list."""
    return [{"code": status, "description": description}]


def render_error(status: int, description: str, fmt: str) -> tuple[bytes, str]:
    """An error in the asked format, with its media type."""
    body = error_body(status, description)
    if fmt == "xml":
        return render_xml(body, "errors", "error"), XML_TYPE
    return render_json(body), JSON_TYPE


JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(inner, list):
                holder = ET.SubElement(element, key)
                for entry in inner:
                    _fill(ET.SubElement(holder, _ITEM_NAMES.get(key, "item")), entry)
            else:
                _fill(ET.SubElement(element, key), inner)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is None:
        element.text = ""
    else:
        element.text = str(value)


__all__ = ["JSON_TYPE", "XML_TYPE", "error_body", "render_error", "render_json", "render_xml"]

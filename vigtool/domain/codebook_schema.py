"""What a codebook file must hold, checked before anything of it is used, with messages that say where.

A codebook comes from a file someone else may have edited by hand. Every way it can be wrong (not JSON,
a missing field, a number where a name should be, a colour that is not one, a code under a principle that
is not there, two codes with one key) gets a message naming the place: "codes[3].principle_id: 'p9' is
not one of the principles (p1, p2, …)".
"""

from __future__ import annotations

import re
from typing import Any

_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
MAX_ID = 64  # the database keeps code ids in 64 characters


class CodebookSchemaError(ValueError):
    """The codebook document is not as the format says; the message names the place and the problem."""


def _text(value: Any, where: str, *, required: bool = True, longest: int | None = None) -> str:
    if not isinstance(value, str):
        raise CodebookSchemaError(f"{where}: must be text, not {_shown(value)}")
    if required and not value.strip():
        raise CodebookSchemaError(f"{where}: must not be empty")
    if longest is not None and len(value) > longest:
        raise CodebookSchemaError(f"{where}: is {len(value)} characters long; at most {longest} fit")
    return value


def _shown(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    kind = {bool: "true/false", int: "a number", float: "a number", list: "a list", dict: "an object"}
    return f"{kind.get(type(value), type(value).__name__)} ({str(value)[:40]})"


def _field(item: dict[str, Any], name: str, where: str) -> Any:
    if name not in item:
        raise CodebookSchemaError(f"{where}: has no '{name}'")
    return item[name]


def _list_of_objects(doc: dict[str, Any], name: str) -> list[dict[str, Any]]:
    value = _field(doc, name, "the codebook")
    if not isinstance(value, list):
        raise CodebookSchemaError(f"{name}: must be a list, not {_shown(value)}")
    for number, item in enumerate(value):
        if not isinstance(item, dict):
            raise CodebookSchemaError(f"{name}[{number}]: must be an object with named fields, not {_shown(item)}")
    return value


def validate(doc: Any, fmt: str, newest: int, reserved_keys: frozenset[str]) -> None:
    """Raise CodebookSchemaError unless `doc` (parsed JSON) is a codebook this vigtool can read."""
    if not isinstance(doc, dict) or doc.get("format") != fmt:
        raise CodebookSchemaError(f"not a vigtool codebook file (it has no \"format\": \"{fmt}\")")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise CodebookSchemaError(f"version: must be a whole number from 1, not {_shown(version)}")
    if version > newest:
        raise CodebookSchemaError(f"version: {version} is newer than this vigtool reads (up to {newest})")
    _text(_field(doc, "name", "the codebook"), "name")
    principles = _list_of_objects(doc, "principles")
    _check_principles(principles)
    _check_codes(_list_of_objects(doc, "codes"), [p["id"] for p in principles], reserved_keys)


def _check_principles(principles: list[dict[str, Any]]) -> None:
    seen: dict[str, str] = {}
    for number, p in enumerate(principles):
        where = f"principles[{number}]"
        pid = _text(_field(p, "id", where), f"{where}.id", longest=MAX_ID)
        if pid in seen:
            raise CodebookSchemaError(f"{where}.id: '{pid}' is used twice (also {seen[pid]})")
        seen[pid] = where
        _text(_field(p, "name", where), f"{where}.name")
        colour = _field(p, "colour", where)
        if not isinstance(colour, str) or not _COLOUR.fullmatch(colour):
            raise CodebookSchemaError(f"{where}.colour: must be a colour like \"#4e79a7\", not {_shown(colour)}")
        position = p.get("number")
        if position is not None and (not isinstance(position, int) or isinstance(position, bool)):
            raise CodebookSchemaError(f"{where}.number: must be a whole number or null, not {_shown(position)}")


def _check_codes(codes: list[dict[str, Any]], principles: list[str], reserved_keys: frozenset[str]) -> None:
    # Code ids apart from principle ids: a code for a principle as a whole may share its id.
    seen, keys = dict[str, str](), dict[str, str]()
    for number, c in enumerate(codes):
        where = f"codes[{number}]"
        cid = _text(_field(c, "id", where), f"{where}.id", longest=MAX_ID)
        if cid in seen:
            raise CodebookSchemaError(f"{where}.id: '{cid}' is used twice (also {seen[cid]})")
        seen[cid] = where
        _text(_field(c, "label", where), f"{where}.label")
        parent = _text(_field(c, "principle_id", where), f"{where}.principle_id")
        if parent not in principles:
            raise CodebookSchemaError(f"{where}.principle_id: '{parent}' is not one of the principles "
                                      f"({', '.join(principles) or 'there are none'})")
        key = c.get("key")
        if key is not None:
            _text(key, f"{where}.key", longest=16)
            if key in reserved_keys:
                raise CodebookSchemaError(f"{where}.key: '{key}' is kept for playback and marking")
            if key in keys:
                raise CodebookSchemaError(f"{where}.key: '{key}' is bound twice (also {keys[key]})")
            keys[key] = where
        _text(c.get("description", ""), f"{where}.description", required=False)

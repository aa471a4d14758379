"""The VIG codebook: the principles of attuned interaction and guidance, with their sub-items.

The wording is the profession's (Kennedy, Landor & Todd, *Video Interaction Guidance*, 2011) and services
adapt it, so everything here is editable: rename, add, remove, rebind keys. Codes have stable ids so that
annotations keep their meaning when a label is reworded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from vigtool.domain.codebook_schema import CodebookSchemaError, validate
from vigtool.domain.events import EventEmitter

CODEBOOK_FORMAT = "vigtool.codebook"
CODEBOOK_VERSION = 1

# Keys the workspace keeps for itself (playback, stepping, marks); a code may not take them.
RESERVED_KEYS = frozenset({"Space", "J", "K", "L", "I", "O", "Left", "Right", "Home", "End", "Delete",
                           "Return", "Enter", "Escape", "F1"})


@dataclass(frozen=True)
class Code:
    """One codable item: a principle as a whole or one of its observable sub-items."""

    id: str
    label: str
    principle_id: str
    key: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Principle:
    """A group of codes with a colour, e.g. "Receiving initiatives"."""

    id: str
    name: str
    colour: str
    number: int | None = None


_BUILT_IN: list[tuple[str, str, str, list[str]]] = [
    ("p1", "Being attentive", "#4e79a7", [
        "Looking interested with a friendly posture",
        "Giving time and space for the other",
        "Turning towards",
        "Wondering about what the other is doing, thinking or feeling",
        "Enjoying watching the other",
    ]),
    ("p2", "Encouraging initiatives", "#59a14f", [
        "Waiting",
        "Listening actively",
        "Showing emotional warmth through intonation",
        "Naming positively what you see, think or feel",
        "Looking for initiatives",
    ]),
    ("p3", "Receiving initiatives", "#f28e2b", [
        "Showing you have noticed the initiative",
        "Receiving with body language",
        "Returning eye contact, smiling, nodding in response",
        "Receiving what the other is saying or doing with words",
        "Repeating or using the other's words or sounds",
    ]),
    ("p4", "Developing attuned interactions", "#e15759", [
        "Receiving and then responding",
        "Checking the other has understood you",
        "Waiting attentively for your turn",
        "Having fun",
        "Giving and taking short turns",
        "Co-operating, helping each other",
    ]),
    ("p5", "Guiding", "#b07aa1", [
        "Scaffolding",
        "Extending, building on the other's response",
        "Judging the amount of support needed and adjusting",
        "Giving information when needed",
        "Offering choices that the other understands",
    ]),
    ("p6", "Deepening discussion", "#9c755f", [
        "Supporting goal-setting",
        "Sharing viewpoints",
        "Collaborative discussion and problem-solving",
        "Naming difference of opinion",
        "Reaching new shared understandings",
        "Managing conflict by returning to attunement",
    ]),
]

# The child's initiatives: what is received in principle 3 and starts a turn-taking chain.
_INITIATIVES: list[tuple[str, str, str]] = [
    ("init.look", "Looks towards the other", "Q"),
    ("init.sound", "Makes a sound", "W"),
    ("init.reach", "Reaches, points or gestures", "E"),
    ("init.smile", "Smiles", "R"),
]


class CodebookError(ValueError):
    """An edit that would make the codebook ambiguous (duplicate id or key, unknown principle)."""


@dataclass
class Codebook:
    """Principles and codes, observable: edits emit events ("code_changed", "code_added", ...)."""

    name: str
    principles: list[Principle] = field(default_factory=list)
    codes: list[Code] = field(default_factory=list)
    events: EventEmitter = field(default_factory=EventEmitter, repr=False, compare=False)

    @classmethod
    def built_in(cls) -> Codebook:
        """The VIG principles of attuned interaction, keys 1–6 for the principles, Q–R for initiatives."""
        book = cls(name="VIG principles of attuned interaction and guidance")
        for number, (pid, name, colour, items) in enumerate(_BUILT_IN, start=1):
            book.principles.append(Principle(pid, name, colour, number))
            book.codes.append(Code(pid, name, pid, key=str(number)))
            book.codes.extend(Code(f"{pid}.{i}", label, pid) for i, label in enumerate(items, start=1))
        book.principles.append(Principle("init", "Initiatives", "#b07d00"))
        book.codes.extend(Code(cid, label, "init", key=key) for cid, label, key in _INITIATIVES)
        return book

    def copy(self) -> Codebook:
        """An independent copy to edit (the workspace keeps the one in use until the edit is stored)."""
        return Codebook.from_json(self.to_json())

    # -- queries -------------------------------------------------------------------------------
    def code(self, code_id: str) -> Code:
        for code in self.codes:
            if code.id == code_id:
                return code
        raise KeyError(code_id)

    def principle(self, principle_id: str) -> Principle:
        for principle in self.principles:
            if principle.id == principle_id:
                return principle
        raise KeyError(principle_id)

    def codes_of(self, principle_id: str) -> list[Code]:
        return [c for c in self.codes if c.principle_id == principle_id]

    def code_for_key(self, key: str) -> Code | None:
        return next((c for c in self.codes if c.key == key), None)

    def colour_of(self, code_id: str) -> str:
        return self.principle(self.code(code_id).principle_id).colour

    # -- edits ---------------------------------------------------------------------------------
    def bind_key(self, code_id: str, key: str | None) -> None:
        """Bind `key` to a code (None unbinds). A key used by another code is taken from it."""
        if key is not None and key in RESERVED_KEYS:
            raise CodebookError(f"the key {key!r} is kept for playback and marking")
        target = self.code(code_id)
        for i, code in enumerate(self.codes):
            if key is not None and code.key == key and code.id != code_id:
                self.codes[i] = replace(code, key=None)
                self.events.emit("code_changed", self, code_id=code.id)
        self._replace(replace(target, key=key))

    def rename_code(self, code_id: str, label: str) -> None:
        if not label.strip():
            raise CodebookError("a code needs a label")
        self._replace(replace(self.code(code_id), label=label.strip()))

    def add_code(self, code: Code) -> None:
        if any(c.id == code.id for c in self.codes):
            raise CodebookError(f"there is already a code {code.id!r}")
        self.principle(code.principle_id)
        if code.key is not None and self.code_for_key(code.key) is not None:
            raise CodebookError(f"the key {code.key!r} is already bound")
        self.codes.append(code)
        self.events.emit("code_added", self, code_id=code.id)

    def remove_code(self, code_id: str) -> None:
        self.codes.remove(self.code(code_id))
        self.events.emit("code_removed", self, code_id=code_id)

    def _replace(self, new: Code) -> None:
        for i, code in enumerate(self.codes):
            if code.id == new.id:
                self.codes[i] = new
                self.events.emit("code_changed", self, code_id=new.id)
                return
        raise KeyError(new.id)

    # -- JSON ------------------------------------------------------------------------------------
    def to_json(self) -> str:
        doc: dict[str, Any] = {
            "format": CODEBOOK_FORMAT,
            "version": CODEBOOK_VERSION,
            "name": self.name,
            "principles": [vars(p) for p in self.principles],
            "codes": [vars(c) for c in self.codes],
        }
        return json.dumps(doc, indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Codebook:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CodebookError(f"not a codebook file: {exc}") from exc
        try:
            validate(doc, CODEBOOK_FORMAT, CODEBOOK_VERSION, RESERVED_KEYS)
        except CodebookSchemaError as exc:
            raise CodebookError(str(exc)) from exc
        book = cls(name=str(doc["name"]))
        for p in doc["principles"]:
            book.principles.append(Principle(p["id"], p["name"], p["colour"], p.get("number")))
        for c in doc["codes"]:
            book.add_code(Code(c["id"], c["label"], c["principle_id"], c.get("key"), c.get("description", "")))
        return book

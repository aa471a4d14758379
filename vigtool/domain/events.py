"""A tiny observable: domain objects emit named events that front ends adapt (as napari's EventedModel).

The core never knows who listens. A Qt adapter connects a callback and turns it into a widget update; a
test connects a list.append. Emission is synchronous and in connection order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Listener = Callable[["Event"], None]
_log = logging.getLogger("vigtool.events")


@dataclass(frozen=True)
class Event:
    """What changed: `kind` names it ("annotation_added", "renamed", ...), `source` is the emitter."""

    kind: str
    source: object
    payload: dict[str, Any] = field(default_factory=dict)


class EventEmitter:
    """Holds listeners and emits events to them; listeners can be blocked while an adapter writes back."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._blocked = 0

    def connect(self, listener: Listener) -> Callable[[], None]:
        """Add a listener; returns a function that removes it again."""
        self._listeners.append(listener)

        def disconnect() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return disconnect

    def emit(self, kind: str, source: object, **payload: Any) -> None:
        if self._blocked:
            return
        event = Event(kind, source, payload)
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # noqa: BLE001 - any view's failure, logged below
                # A broken listener (a view) must not stop the others or leave the model half-changed:
                # the change has happened. It is logged, and the tests fail on such a log (conftest).
                _log.exception("a listener of %r failed", kind)

    def blocked(self) -> _Blocker:
        """`with emitter.blocked(): ...` suppresses events, so a widget writing back does not loop."""
        return _Blocker(self)

    @property
    def listener_count(self) -> int:
        return len(self._listeners)


class _Blocker:
    def __init__(self, emitter: EventEmitter) -> None:
        self._emitter = emitter

    def __enter__(self) -> None:
        self._emitter._blocked += 1

    def __exit__(self, *exc: object) -> None:
        self._emitter._blocked -= 1

"""The value a practitioner chose in a drop-down, as the type the core expects.

Qt keeps an item's data as a QVariant: a `StrEnum` member goes in as the member and comes back as a plain
`str` ('burn', not CaptionMode.BURN), so `currentData() is CaptionMode.BURN` is never true and the choice
is silently lost. Every drop-down holding enum members reads them back through here.
"""

from __future__ import annotations

import enum
from typing import TypeVar

from PySide6.QtWidgets import QComboBox

E = TypeVar("E", bound=enum.Enum)


def chosen(box: QComboBox, kind: type[E]) -> E:
    """The member of `kind` chosen in `box` (an item's data must be one of its members)."""
    return kind(box.currentData())


def chosen_or_none(box: QComboBox, kind: type[E]) -> E | None:
    """As `chosen`, for drop-downs with a "none" item whose data is None."""
    data = box.currentData()
    return None if data is None else kind(data)

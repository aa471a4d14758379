"""What an export is asked to do: the options of a clip, and how it is written (plain data, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction


class ExportMode(StrEnum):
    AUTO = "auto"  # smart cut when the options allow it, checked, else a full re-encode
    SMART = "smart"  # smart cut or fail (never silently re-encoded)
    REENCODE = "reencode"


class SlowSound(StrEnum):
    KEEP_PITCH = "keep-pitch"  # voices sound as they did, only slower
    MUTE = "mute"


class CaptionMode(StrEnum):
    BURN = "burn"  # drawn into the picture: every player shows it
    SOFT = "soft"  # a subtitle track the viewer can switch off


SPEEDS = (Fraction(1), Fraction(1, 2), Fraction(1, 4))
HEIGHTS = (None, 1080, 720, 480, 360)


@dataclass(frozen=True)
class ClipOptions:
    """Everything but the frames. The defaults are a plain, exact copy of the moment with its sound."""

    speed: Fraction = Fraction(1)
    slow_sound: SlowSound = SlowSound.KEEP_PITCH
    hold_frame: int | None = None  # a source frame inside the clip to hold still (freeze-frame)
    hold_seconds: Fraction = Fraction(3)
    caption: str = ""
    caption_mode: CaptionMode = CaptionMode.BURN
    fade_seconds: Fraction = Fraction(0)  # fade in at the start and out at the end
    mute: bool = False
    height: int | None = None  # picture height; None keeps the film's own size

    def __post_init__(self) -> None:
        if self.speed not in SPEEDS:
            raise ValueError(f"speed {self.speed} is not offered; choose 1, 1/2 or 1/4")
        if self.hold_seconds <= 0 or self.hold_seconds > 30:
            raise ValueError("a freeze-frame holds for more than 0 and at most 30 seconds")
        if self.fade_seconds < 0 or self.fade_seconds > 5:
            raise ValueError("a fade lasts 0 to 5 seconds")
        if self.height is not None and not 144 <= self.height <= 4320:
            raise ValueError(f"a picture height of {self.height} is not offered")

    @property
    def needs_reencode(self) -> bool:
        """Whether any option changes the pictures or their timing, so nothing can be copied."""
        return bool(self.speed != 1 or self.hold_frame is not None or self.caption or self.fade_seconds
                    or self.mute or self.height is not None)

    def describe(self) -> str:
        parts = []
        if self.speed != 1:
            parts.append(f"{float(self.speed):g}× speed" + (" (muted)" if self.slow_sound is SlowSound.MUTE else ""))
        if self.hold_frame is not None:
            parts.append(f"held {float(self.hold_seconds):g} s at frame {self.hold_frame}")
        if self.caption:
            parts.append("caption " + ("burned in" if self.caption_mode is CaptionMode.BURN else "as subtitles"))
        if self.fade_seconds:
            parts.append(f"{float(self.fade_seconds):g} s fades")
        if self.mute:
            parts.append("no sound")
        if self.height is not None:
            parts.append(f"{self.height}p")
        return ", ".join(parts) or "exact copy"

"""Shared review: a session's ordered clips and stills with the prompts for the parent, and its handout.

A session belongs to a case and is reused across review meetings. The handout is what the family keeps:
the pictures of the moments the practitioner ticked, their captions and prompts, in the language of what
went well; nothing else from the case (no codes, notes or file names).
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path

import cv2

from storage.atomic import publish
from vigtool.domain.model import (
    DEFAULT_PROMPT,
    Clip,
    Recording,
    ReviewItem,
    ReviewItemKind,
    ReviewSession,
    Still,
)
from vigtool.domain.time import timecode
from vigtool.services import consent
from vigtool.services.consent import Purpose
from vigtool.services.frames import read_frame
from vigtool.services.vault import Vault

__all__ = ["DEFAULT_PROMPT", "Area", "Handout", "Playback", "Presentation", "ResolvedItem", "ScreenPlan",
           "add_item", "bar_area", "build_handout", "check_consent", "move_item", "picture_area", "plan_screens",
           "resolve", "save_handout"]

HANDOUT_TITLE = "Moments that went well"


@dataclass(frozen=True)
class ResolvedItem:
    """A session item with what it points at."""

    position: int
    item: ReviewItem
    recording: Recording
    clip: Clip | None
    still: Still | None

    @property
    def key_frame(self) -> int:
        if self.clip is not None:
            return self.clip.pause_frame
        assert self.still is not None
        return self.still.frame

    @property
    def caption(self) -> str:
        return self.clip.caption if self.clip is not None else self.still.caption if self.still else ""

    @property
    def label(self) -> str:
        """"Clip at 00:02.0 (3.0 s)", "Still at 00:04.0": where in the film, as the practitioner's own window
        lists them (a clip's own title when she gave one). Never the vault's numbers, which count every
        family's clips."""
        rate = self.recording.rate
        if self.clip is not None:
            seconds = float(self.clip.range.length / rate)
            return f"{self.clip.title or 'Clip at ' + timecode(self.clip.range.start, rate)[3:-2]} ({seconds:.1f} s)"
        return f"Still at {timecode(self.key_frame, rate)[3:-2]}"


def check_consent(vault: Vault, session: ReviewSession) -> None:
    """Refuse (ConsentRefusedError) unless every film in the session may be shown in the shared review."""
    for entry in resolve(vault, session):
        consent.check(vault, entry.recording, Purpose.REVIEW)


def resolve(vault: Vault, session: ReviewSession) -> list[ResolvedItem]:
    """The session's items with their clips and stills. An item whose clip or still was deleted is left out
    (and comes back if the deletion is undone: the item still points at the same id)."""
    resolved = []
    for position, item in enumerate(session.items):
        try:
            if item.kind is ReviewItemKind.CLIP:
                clip = vault.repo.clips.get(item.ref_id)
                recording = vault.repo.recordings.get(clip.recording_id)
                resolved.append(ResolvedItem(position, item, recording, clip, None))
            else:
                still = vault.repo.stills.get(item.ref_id)
                recording = vault.repo.recordings.get(still.recording_id)
                resolved.append(ResolvedItem(position, item, recording, None, still))
        except LookupError:
            continue
    return resolved


def add_item(vault: Vault, session: ReviewSession, kind: ReviewItemKind, ref_id: int,
             prompt: str = DEFAULT_PROMPT) -> ReviewSession:
    """Without undo (scripts, tests); the window edits through Workspace, one undo step each."""
    updated = session.with_item(ReviewItem(kind, ref_id, prompt))
    vault.repo.reviews.save(updated)
    return updated


def move_item(vault: Vault, session: ReviewSession, old: int, new: int) -> ReviewSession:
    updated = session.moved(old, new)
    vault.repo.reviews.save(updated)
    return updated


@dataclass(frozen=True)
class Handout:
    """The handout as HTML whose pictures are named resources (PNG bytes), for a file or for Qt to print."""

    body: str  # <img src="moment-N.png">
    images: dict[str, bytes]

    def standalone_html(self) -> str:
        """One self-contained file: the pictures inlined, so it opens anywhere and travels as one file."""
        page = self.body
        for name, data in self.images.items():
            page = page.replace(f'src="{name}"', f'src="data:image/png;base64,{base64.b64encode(data).decode()}"')
        return page


HANDOUT_PICTURE = (900, 760)  # the largest picture on the handout (pixels; A4 at 150 dpi is 1063 × 1577 inside)

_STYLE = """
body { font-family: 'DejaVu Sans', sans-serif; color: #303030; margin: 24px; }
h1 { font-size: 22pt; font-weight: normal; color: #2f6f5e; }
p.intro { font-size: 12pt; }
p.date { font-size: 12pt; color: #505050; }
div.moment { margin: 18px 0 28px 0; }
img { max-width: 100%; }
p.caption { font-size: 13pt; margin: 6px 0; }
p.prompt { font-size: 12pt; color: #2f6f5e; font-style: italic; }
"""


def build_handout(vault: Vault, session: ReviewSession, chosen: set[int] | None = None,
                  family_name: str = "", review_date: date | None = None) -> Handout:
    """The handout of the items at positions `chosen` (default: those ticked for it), each with the picture
    at its key frame, the prompt the practitioner wrote for it, and the date of the review if given. The
    family's (pseudonymous) name is on it only when `family_name` is given: the practitioner ticks it."""
    parts = [f"<html><head><meta charset='utf-8'><title>{html.escape(HANDOUT_TITLE)}</title>"
             f"<style>{_STYLE}</style></head><body>",
             f"<h1>{html.escape(HANDOUT_TITLE)}{' — ' + html.escape(family_name) if family_name else ''}</h1>",
             "<p class='intro'>These are moments from your film when things went well between you and your "
             "baby. They are yours to keep and to look at again.</p>"]
    if review_date is not None:
        parts.append(f"<p class='date'>From our review on {review_date.day} {review_date:%B %Y}</p>")
    images: dict[str, bytes] = {}
    for entry in resolve(vault, session):
        if (entry.position not in chosen) if chosen is not None else not entry.item.in_handout:
            continue
        consent.check(vault, entry.recording, Purpose.REVIEW)  # the handout is the family's own copy
        picture = read_frame(vault, entry.recording, entry.key_frame)
        height, width = picture.shape[:2]
        # At most 900 wide and 760 tall: a portrait phone film's picture (720×1280) left at its own size
        # was taller than an A4 page's room under the heading, and the PDF cut it across two pages.
        scale = min(1.0, HANDOUT_PICTURE[0] / width, HANDOUT_PICTURE[1] / height)
        small = cv2.resize(picture, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
        ok, png = cv2.imencode(".png", cv2.cvtColor(small, cv2.COLOR_RGB2BGR))
        if not ok:
            continue
        name = f"moment-{len(images) + 1}.png"
        images[name] = png.tobytes()
        parts.append(f"<div class='moment'><img src=\"{name}\" width='{small.shape[1]}'>")
        if entry.caption:
            parts.append(f"<p class='caption'>{html.escape(entry.caption)}</p>")
        if entry.item.prompt:
            parts.append(f"<p class='prompt'>{html.escape(entry.item.prompt)}</p>")
        parts.append("</div>")
    parts.append("</body></html>")
    return Handout("\n".join(parts), images)


def save_handout(vault: Vault, session: ReviewSession, out: Path, chosen: set[int] | None = None, *,
                 render: Callable[[Handout], bytes] | None = None, family_name: str = "",
                 review_date: date | None = None, overwrite: bool = False) -> Path:
    """Write the handout to `out` and log it: HTML, or what `render` lays it out as (the desktop's PDF).

    The family's pictures are in it, so it appears whole or not at all: nothing of it is on the disk
    under any name until it is complete (`storage.atomic.publish`)."""
    handout = build_handout(vault, session, chosen, family_name, review_date)
    data = render(handout) if render is not None else handout.standalone_html().encode()
    publish(out, [data], replace=overwrite)  # an existing file is kept unless replacing it was asked for
    vault.exports.add("handout", None, {"file": str(out.resolve()), "session": session.id,
                                        "pictures": len(handout.images), "bytes": out.stat().st_size})
    return out


# -- presenting the shared review (the window is a thin view over these) ---------------------------
SLOW = 0.5  # "again, slowly"


@dataclass(frozen=True)
class Playback:
    """Play frames first..stop (inclusive) at `speed` and pause exactly on `stop`."""

    first: int
    stop: int
    speed: float = 1.0


class Presentation:
    """The shared review as it is being shown: which moment, and whether the practitioner asked to see its
    prompt. The prompt is read aloud in VIG, so it is hidden again whenever another moment comes up."""

    def __init__(self, items: list[ResolvedItem]) -> None:
        self.items = items
        self.position = 0 if items else -1
        self.prompt_shown = False

    @property
    def entry(self) -> ResolvedItem | None:
        return self.items[self.position] if 0 <= self.position < len(self.items) else None

    def go_to(self, position: int) -> bool:
        """Move to the moment at `position` (clamped); True if it is another moment."""
        if not self.items:
            return False
        position = min(max(position, 0), len(self.items) - 1)
        if position == self.position:
            return False
        self.position, self.prompt_shown = position, False
        return True

    def next(self) -> bool:
        return self.go_to(self.position + 1)

    def previous(self) -> bool:
        return self.go_to(self.position - 1)

    def labels(self) -> list[str]:
        """The moments as the practitioner's own window lists them: "2. Clip at 00:01.0 (1.3 s)  Turn-taking"."""
        rows = []
        for number, entry in enumerate(self.items, 1):
            rate, clip = entry.recording.rate, entry.clip
            if clip is not None:
                text = (f"Clip at {timecode(clip.range.start, rate)[3:-2]} "
                        f"({float(clip.range.length / rate):.1f} s)  {clip.title or clip.caption}")
            else:
                text = f"Still at {timecode(entry.key_frame, rate)[3:-2]}  {entry.caption}"
            rows.append(f"{number}. {text.strip()}")
        return rows

    def toggle_prompt(self) -> bool:
        self.prompt_shown = not self.prompt_shown and self.entry is not None
        return self.prompt_shown

    @property
    def opening_frame(self) -> int | None:
        """What the family sees when a moment comes up: a clip's first frame, waiting; a still's frame."""
        entry = self.entry
        if entry is None:
            return None
        return entry.clip.range.start if entry.clip is not None else entry.key_frame

    def play_from(self, frame: int) -> Playback | None:
        """Play (Space): on from `frame` to the clip's end, or from its start if `frame` is outside it or at
        its end. A still does not play."""
        clip = self.entry.clip if self.entry is not None else None
        if clip is None:
            return None
        last = clip.range.end - 1
        first = frame if clip.range.start <= frame < last else clip.range.start
        return Playback(first, last)

    def again_slowly(self) -> Playback | None:
        clip = self.entry.clip if self.entry is not None else None
        return Playback(clip.range.start, clip.range.end - 1, SLOW) if clip is not None else None

    def to_the_moment(self) -> Playback | None:
        """From the clip's start, pausing on its key instant (the look, the answering smile)."""
        entry = self.entry
        if entry is None or entry.clip is None:
            return None
        return Playback(entry.clip.range.start, entry.key_frame)


@dataclass(frozen=True)
class Area:
    """A rectangle in desktop pixels: a screen, a window, the picture in it."""

    x: int
    y: int
    width: int
    height: int

    @property
    def bottom(self) -> int:
        return self.y + self.height

    def overlaps(self, other: Area) -> bool:
        return (self.x < other.x + other.width and other.x < self.x + self.width
                and self.y < other.bottom and other.y < self.bottom)


@dataclass(frozen=True)
class ScreenPlan:
    """Where the views go: the family's footage on `family`; the practitioner's controls in their own
    window on `practitioner`, or (None) on the keyboard and a bar inside the one full-screen window."""

    family: str
    practitioner: str | None

    @property
    def one_window(self) -> bool:
        return self.practitioner is None


def plan_screens(screens: Sequence[tuple[str, Area]], home: str | None) -> ScreenPlan:
    """The layout for the screens there are now (name, area), `home` being the practitioner's (where her
    workspace is). With one screen, everything is one window on it. With more, the family gets the largest
    of the others (the TV, the projector) and the practitioner keeps her own screen."""
    if not screens:
        raise ValueError("no screen to present on")
    names = [name for name, _ in screens]
    mine = home if home in names else names[0]
    others = [(name, area) for name, area in screens if name != mine]
    if not others:
        return ScreenPlan(mine, None)
    family = max(others, key=lambda screen: screen[1].width * screen[1].height)[0]
    return ScreenPlan(family, mine)


def picture_area(window: Area, film_size: tuple[int, int]) -> Area:
    """Where the footage is drawn in a window: as large as fits, centred, its shape kept (window-relative)."""
    width, height = film_size
    if width <= 0 or height <= 0:
        return Area(0, 0, window.width, window.height)
    scale = min(Fraction(window.width, width), Fraction(window.height, height))
    shown_w, shown_h = round(width * scale), round(height * scale)
    return Area((window.width - shown_w) // 2, (window.height - shown_h) // 2, shown_w, shown_h)


def bar_area(window: Area, picture: Area, bar_height: int, *, playing: bool) -> Area | None:
    """Where the practitioner's control bar may appear (window-relative), or None for not now. Paused, at
    the foot of the window; playing, only in the black band under the picture, never over the moment."""
    foot = Area(0, window.height - bar_height, window.width, bar_height)
    if not playing or not foot.overlaps(picture):
        return foot
    return None

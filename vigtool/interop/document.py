"""What marks files carry, in and out, independent of any one format.

Going out, a `MarksDocument` is one film's lanes with their marks in frames at the film's exact rate, the
codebook that gives each code its words and colour, and the film's pseudonymous name (never the family's
file name or path). Coming in, each format gives `ForeignMark`s: a lane name, a time (frames when the file
has them, else exact seconds), a value that may be a code's words or id, a note and an actor. The services
map those onto the recording's frames and codes; nothing here touches the vault.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from pathlib import Path

from vigtool.domain.codebook import Codebook
from vigtool.domain.model import Actor, Annotation, TrackKind
from vigtool.domain.time import frame_to_seconds

MAX_FILE_BYTES = 64 * 1024 * 1024  # a marks file larger than this is not one (or not one we should parse)
NOTE_CODE = "(note)"  # the BORIS behaviour / OTIO marker name of a mark with no code


class MarksFormatError(ValueError):
    """A marks file that cannot be read: the message names the file and what is wrong, and where."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True)
class MarksTrack:
    name: str
    kind: TrackKind
    marks: tuple[Annotation, ...]


@dataclass(frozen=True)
class MarksDocument:
    film_name: str  # pseudonymous, e.g. "recording-3.mp4"
    rate: Fraction
    frame_count: int
    codebook: Codebook
    tracks: tuple[MarksTrack, ...]

    def seconds(self, frame: int) -> Fraction:
        return frame_to_seconds(frame, self.rate)

    def words(self, mark: Annotation) -> str:
        """The code's words, as a person reads them (or "" for a mark that is only a note)."""
        return "" if mark.code_id is None else self.words_of(mark.code_id)

    def words_of(self, code_id: str) -> str:
        try:
            return self.codebook.code(code_id).label
        except KeyError:
            return code_id  # a code since removed from the codebook: its id is all there is

    @property
    def duration(self) -> Fraction:
        return self.seconds(self.frame_count)


@dataclass(frozen=True)
class ForeignMark:
    """A mark as another tool wrote it, before it is placed on the film."""

    track: str
    start_s: Fraction
    end_s: Fraction
    value: str = ""  # a code's words or id, or free text (then it becomes the note)
    note: str = ""
    actor: str | None = None
    start_frame: int | None = None  # given by formats that carry frames (our CSV); preferred to seconds
    end_frame: int | None = None
    code_id: str | None = None  # given by formats that carry our code id (CSV, OTIO metadata)
    where: str = ""  # where in the file, for messages ("line 4", "tier 'Parent'")


@dataclass
class ForeignMarks:
    """Everything read from one file: its marks and lanes (empty lanes included, to report them)."""

    marks: list[ForeignMark] = field(default_factory=list)
    tracks: list[str] = field(default_factory=list)

    def lane(self, name: str) -> None:
        if name not in self.tracks:
            self.tracks.append(name)


def decimal_seconds(value: Fraction, places: int = 6) -> str:
    """Exact seconds rounded to `places` decimals, for files that hold seconds (no float on the way)."""
    quantum = Decimal(1).scaleb(-places)
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return str(exact.quantize(quantum, rounding=ROUND_HALF_EVEN))


def milliseconds(value: Fraction) -> int:
    return round(value * 1000)


def parse_seconds(text: str, path: Path, where: str) -> Fraction:
    try:
        value = Fraction(Decimal(text.strip()))
    except (ArithmeticError, ValueError) as exc:
        raise MarksFormatError(path, f"{where}: {text!r} is not a time in seconds") from exc
    if value < 0:
        raise MarksFormatError(path, f"{where}: the time {text} is before the film starts")
    return value


def actor_value(text: str | None) -> Actor | None:
    if not text:
        return None
    try:
        return Actor(text.strip().lower())
    except ValueError:
        return None


def check_size(path: Path) -> None:
    """Refuse what cannot be a marks file before reading it: not a file, empty or huge."""
    if not path.exists():
        raise MarksFormatError(path, "there is no such file")
    if not path.is_file():
        raise MarksFormatError(path, "this is not a file (a folder, a pipe or a device)")
    size = path.stat().st_size
    if size == 0:
        raise MarksFormatError(path, "the file is empty")
    if size > MAX_FILE_BYTES:
        raise MarksFormatError(path, f"the file is {size // (1024 * 1024)} MB; a marks file is far smaller "
                               f"(at most {MAX_FILE_BYTES // (1024 * 1024)} MB are read)")


def read_text(path: Path) -> str:
    check_size(path)
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MarksFormatError(path, f"not UTF-8 text (byte {exc.start})") from exc

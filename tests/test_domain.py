"""The domain model: codebook, observable annotations, turn-taking chains, review sessions."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigtool.domain.annotation_layer import AnnotationLayer
from vigtool.domain.codebook import Code, Codebook, CodebookError
from vigtool.domain.events import Event
from vigtool.domain.model import (
    Actor,
    Annotation,
    Recording,
    ReviewItem,
    ReviewItemKind,
    ReviewSession,
    Track,
    TrackKind,
    TurnChain,
    TurnLink,
    TurnRole,
)
from vigtool.domain.time import FrameRange


def test_built_in_codebook_has_the_six_vig_principles_with_keys() -> None:
    book = Codebook.built_in()
    numbered = [p for p in book.principles if p.number]
    assert [p.name for p in numbered] == [
        "Being attentive", "Encouraging initiatives", "Receiving initiatives",
        "Developing attuned interactions", "Guiding", "Deepening discussion"]
    for p in numbered:
        assert book.code_for_key(str(p.number)).id == p.id
        assert len(book.codes_of(p.id)) >= 5  # the principle plus its observable sub-items
    keys = [c.key for c in book.codes if c.key]
    assert len(keys) == len(set(keys))


def test_codebook_edits_emit_events_and_keys_stay_unique() -> None:
    book = Codebook.built_in()
    seen: list[Event] = []
    book.events.connect(seen.append)
    book.bind_key("p3.3", "3")  # taken from "Receiving initiatives" as a whole
    assert book.code_for_key("3").id == "p3.3"
    assert book.code("p3").key is None
    assert {e.payload["code_id"] for e in seen} == {"p3", "p3.3"}
    book.rename_code("p1.2", "Giving time and space")
    assert book.code("p1.2").label == "Giving time and space"
    with pytest.raises(CodebookError, match="kept for playback"):
        book.bind_key("p1", "Space")
    with pytest.raises(CodebookError, match="already"):
        book.add_code(Code("p1", "again", "p1"))


def test_codebook_json_round_trip_keeps_edits() -> None:
    book = Codebook.built_in()
    book.add_code(Code("p2.9", "Pausing to let the baby lead", "p2", key="T"))
    again = Codebook.from_json(book.to_json())
    assert again.codes == book.codes and again.principles == book.principles
    with pytest.raises(CodebookError, match="not a vigtool codebook"):
        Codebook.from_json('{"format": "something else"}')
    with pytest.raises(CodebookError, match="newer"):
        Codebook.from_json(book.to_json().replace('"version": 1', '"version": 99'))


def _layer() -> AnnotationLayer:
    return AnnotationLayer([Track(1, 1, "Parent", TrackKind.PARENT, 0), Track(2, 1, "Baby", TrackKind.INFANT, 1)])


@given(st.lists(st.tuples(st.integers(0, 5000), st.integers(1, 300)), max_size=60),
       st.integers(0, 5000), st.integers(1, 2000))
def test_visible_range_query_matches_a_full_scan(marks: list[tuple[int, int]], start: int, length: int) -> None:
    layer = _layer()
    for i, (s, n) in enumerate(marks, start=1):
        layer.put(Annotation(i, 1, FrameRange(s, s + n)))
    window = FrameRange(start, start + length)
    expected = sorted((a for a in layer.on_track(1) if a.range.overlaps(window)), key=lambda a: (a.start, a.id))
    assert layer.in_range(1, window) == expected


def test_annotation_layer_emits_one_event_per_change() -> None:
    layer = _layer()
    seen: list[str] = []
    layer.events.connect(lambda e: seen.append(e.kind))
    layer.put(Annotation(1, 2, FrameRange(10, 20), "init.sound", Actor.INFANT))
    layer.put(Annotation(1, 2, FrameRange(12, 22), "init.sound", Actor.INFANT))
    with layer.events.blocked():
        layer.put(Annotation(2, 1, FrameRange.point(30)))
    layer.remove(1)
    assert seen == ["annotation_added", "annotation_changed", "annotation_removed"]
    assert [a.id for a in layer] == [2]
    with pytest.raises(KeyError):
        layer.put(Annotation(3, 99, FrameRange.point(1)))


def test_turn_chain_latencies() -> None:
    anns = {1: Annotation(1, 2, FrameRange(30, 45), actor=Actor.INFANT),
            2: Annotation(2, 1, FrameRange(60, 90), actor=Actor.PARENT),
            3: Annotation(3, 2, FrameRange(105, 120), actor=Actor.INFANT)}
    chain = TurnChain(1, 1, (TurnLink(1, TurnRole.INITIATIVE), TurnLink(2, TurnRole.RECEPTION),
                             TurnLink(3, TurnRole.RESPONSE)))
    assert chain.latencies(anns) == [30, 45]
    assert chain.latency_seconds(anns, Fraction(30)) == [1, Fraction(3, 2)]
    with pytest.raises(ValueError, match="starts with an initiative"):
        TurnChain(2, 1, (TurnLink(2, TurnRole.RECEPTION),))
    with pytest.raises(ValueError, match="only once"):
        TurnChain(2, 1, (TurnLink(1, TurnRole.INITIATIVE), TurnLink(1, TurnRole.RESPONSE)))


def test_review_session_reorders_items() -> None:
    session = ReviewSession(1, 1, "First review")
    session = session.with_item(ReviewItem(ReviewItemKind.CLIP, 1, "What do you notice?"))
    session = session.with_item(ReviewItem(ReviewItemKind.STILL, 2, "What were you feeling?"))
    moved = session.moved(1, 0)
    assert [i.ref_id for i in moved.items] == [2, 1]
    assert [i.ref_id for i in session.items] == [1, 2]  # values: the old session is unchanged


def test_recording_display_size_follows_rotation() -> None:
    rec = Recording(1, 1, "0" * 64, "phone.mp4", "mp4", "h264", None, Fraction(30), 10, 1920, 1080, 90,
                    Fraction(1, 3), False)
    assert rec.display_size == (1080, 1920)
    assert not rec.has_audio
    with pytest.raises(ValueError, match="rotation"):
        Recording(1, 1, "0" * 64, "x", "mp4", "h264", None, Fraction(30), 10, 4, 4, 45, Fraction(1), False)

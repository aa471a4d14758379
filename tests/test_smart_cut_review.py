"""Review of the smart cut's reordering depth (issue 18 review): films whose SPS allows more reordering than
their timestamps show."""

from __future__ import annotations

from pathlib import Path

import pytest
from encode_styles import _X264, Style, encode

from vigtool.media.clip_check import check_clip
from vigtool.media.probe import probe_path
from vigtool.media.smart_cut import smart_cut
from vigtool.synth.generator import RecordingSpec, render

# x264 interlaced, bottom field first, two B-frames, no pyramid: its SPS says max_num_reorder_frames 2, its
# timestamps reorder by one. The head's reading, opened without a picture, knows only the MP4 demuxer's
# estimate from the timestamps (1); the check's decoder of the clip meets the film's SPS and says 2. The cut
# keeps the pictures the check compares over that depth (the SPS's), or the check refuses a good clip.
BFF = Style("bff-b-frames", (*_X264, "-flags", "+ildct+ilme", "-x264-params", "interlaced=1:bff=1:bframes=2:b-adapt=0"))


@pytest.fixture(scope="module")
def bff_film(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bff")
    master = folder / "master-plain.mp4"
    render(RecordingSpec(duration=5.0, width=256, height=192, crf=8, gop_seconds=1.0, seed=18), master)
    return encode(BFF, {"plain": master}, folder)


def test_a_film_whose_sps_reorders_deeper_than_its_timestamps_cuts_smart(bff_film: Path, tmp_path: Path) -> None:
    source = probe_path(bff_film)
    first, end = 89, 150  # a head of one picture, then the copy to the film's end
    clip = tmp_path / "clip.mp4"
    with clip.open("wb") as sink:
        report = smart_cut(lambda: bff_film.open("rb"), source.index, source.rate, first, end, sink, bff_film.name)
    assert report.copy.reorder == 2
    assert check_clip(clip, source.index, first, end, 0, report.pictures, report.copy) == []

"""The smart cut's bitstream plumbing on damaged codec data: refused with a BitstreamError (so auto mode
re-encodes), never an IndexError."""

from __future__ import annotations

import av
import pytest
from conftest import Sample

from vigtool.media.nal import BitstreamError, parameter_sets


@pytest.mark.parametrize(("name", "codec"), [("h264", "h264"), ("hevc", "hevc")])
def test_truncated_codec_data_is_refused_not_crashed_on(samples: dict[str, Sample], name: str, codec: str) -> None:
    with av.open(str(samples[name].path)) as container:
        extradata = bytes(container.streams.video[0].codec_context.extradata or b"")
    size, units = parameter_sets(codec, extradata)
    assert size == 4 and len(units) >= 2  # whole: the SPS and PPS (and VPS)
    cut_inside = 0
    for length in range(1, len(extradata)):
        try:
            _size, found = parameter_sets(codec, extradata[:length])
        except BitstreamError as exc:
            assert ("avcC" if codec == "h264" else "hvcC") in str(exc)  # the message names the record cut short
            cut_inside += 1
            continue
        # Cut after the last parameter set (an HEVC SEI array, say): what was read is whole.
        assert found == units[:len(found)] and len(found) == len(units)
    assert cut_inside >= len(extradata) - 40

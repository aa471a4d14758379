"""H.264/HEVC bitstream plumbing for smart cut: MP4 stores NAL units length-prefixed with their parameter sets
(SPS/PPS, and VPS for HEVC) in the sample description (avcC/hvcC); encoders without a global header
emit Annex B (start codes) with the parameter sets in-band.

A smart-cut clip mixes a freshly encoded part with copied packets in one track, so each part carries its
own parameter sets in-band at its first keyframe, all in the source's length-prefixed form.
"""

from __future__ import annotations

import re

_START_CODE = re.compile(b"\x00\x00\x01")


class BitstreamError(ValueError):
    """Codec data this module does not understand (the caller falls back to a full re-encode)."""


def annexb_units(data: bytes) -> list[bytes]:
    """The NAL units of an Annex B byte string, without their start codes."""
    starts = [m.end() for m in _START_CODE.finditer(data)]
    units = []
    for k, start in enumerate(starts):
        end = starts[k + 1] - 3 if k + 1 < len(starts) else len(data)
        unit = data[start:end]
        # A 4-byte start code leaves its leading zero at the end of the previous unit; trailing zero
        # bytes are not part of any NAL unit (rbsp_trailing_bits end in a 1 bit).
        units.append(unit.rstrip(b"\x00") if k + 1 < len(starts) else unit)
    return [u for u in units if u]


def length_prefixed(units: list[bytes], size: int) -> bytes:
    return b"".join(len(u).to_bytes(size, "big") + u for u in units)


def _avcc_parameter_sets(extra: bytes) -> tuple[int, list[bytes]]:
    if len(extra) < 7:
        raise BitstreamError("avcC is too short")
    size = (extra[4] & 3) + 1
    units: list[bytes] = []
    pos = 5
    count = extra[pos] & 0x1F
    pos += 1
    for table in range(2):
        if table == 1:
            count = extra[pos]
            pos += 1
        for _ in range(count):
            length = int.from_bytes(extra[pos:pos + 2], "big")
            units.append(extra[pos + 2:pos + 2 + length])
            pos += 2 + length
    return size, units


def _hvcc_parameter_sets(extra: bytes) -> tuple[int, list[bytes]]:
    if len(extra) < 23:
        raise BitstreamError("hvcC is too short")
    size = (extra[21] & 3) + 1
    arrays = extra[22]
    pos = 23
    units: list[bytes] = []
    for _ in range(arrays):
        nal_type = extra[pos] & 0x3F
        count = int.from_bytes(extra[pos + 1:pos + 3], "big")
        pos += 3
        for _ in range(count):
            length = int.from_bytes(extra[pos:pos + 2], "big")
            if nal_type in (32, 33, 34):  # VPS, SPS, PPS (SEI arrays are not needed to decode)
                units.append(extra[pos + 2:pos + 2 + length])
            pos += 2 + length
    return size, units


def parameter_sets(codec: str, extradata: bytes) -> tuple[int, list[bytes]]:
    """(NAL length size, parameter-set NAL units) from an MP4 track's avcC or hvcC."""
    if not extradata or extradata[0] != 1:
        raise BitstreamError(f"{codec} codec data is not in MP4 form")
    if codec == "h264":
        return _avcc_parameter_sets(extradata)
    if codec == "hevc":
        return _hvcc_parameter_sets(extradata)
    raise BitstreamError(f"smart cut handles H.264 and HEVC, not {codec}")


def units_of(sample: bytes, size: int) -> list[bytes]:
    """The NAL units of a length-prefixed MP4 sample."""
    units, pos = [], 0
    while pos + size <= len(sample):
        length = int.from_bytes(sample[pos:pos + size], "big")
        units.append(sample[pos + size:pos + size + length])
        pos += size + length
    return units


def nal_type(codec: str, unit: bytes) -> int:
    return (unit[0] >> 1) & 0x3F if codec == "hevc" else unit[0] & 0x1F


def end_of_sequence(codec: str) -> bytes:
    """An end-of-sequence NAL unit: the next keyframe starts afresh (HEVC drops its leading pictures)."""
    return b"\x48\x01" if codec == "hevc" else b"\x0a"


def is_disposable(codec: str, sample: bytes, size: int) -> bool:
    """Whether no other picture refers to this H.264 sample (every slice has nal_ref_idc 0): a decoder that
    will not show it may skip it. HEVC is never called disposable here (its sub-layers make it subtler)."""
    if codec != "h264":
        return False
    slices = [u for u in units_of(sample, size) if u and 1 <= (u[0] & 0x1F) <= 5]
    return bool(slices) and all((u[0] >> 5) & 3 == 0 for u in slices)

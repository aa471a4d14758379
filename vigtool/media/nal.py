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


class _Reader:
    """Bounds-checked reading of codec data: a truncated avcC/hvcC is a BitstreamError, never an IndexError."""

    def __init__(self, data: bytes, what: str) -> None:
        self.data, self.pos, self.what = data, 0, what

    def take(self, count: int) -> bytes:
        if self.pos + count > len(self.data):
            raise BitstreamError(f"{self.what} is cut short (byte {self.pos + count} of {len(self.data)})")
        piece = self.data[self.pos:self.pos + count]
        self.pos += count
        return piece

    def byte(self) -> int:
        return self.take(1)[0]

    def number(self, count: int) -> int:
        return int.from_bytes(self.take(count), "big")


def _avcc_parameter_sets(extra: bytes) -> tuple[int, list[bytes]]:
    if len(extra) < 7:
        raise BitstreamError("avcC is too short")
    reader = _Reader(extra, "avcC")
    reader.take(4)  # version, profile, compatibility, level
    size = (reader.byte() & 3) + 1
    units: list[bytes] = []
    for table in range(2):  # sequence, then picture parameter sets
        count = reader.byte() & (0x1F if table == 0 else 0xFF)
        units += [reader.take(reader.number(2)) for _ in range(count)]
    if not units or any(not u for u in units):
        raise BitstreamError("avcC holds no parameter sets")
    return size, units


def _hvcc_parameter_sets(extra: bytes) -> tuple[int, list[bytes]]:
    if len(extra) < 23:
        raise BitstreamError("hvcC is too short")
    reader = _Reader(extra, "hvcC")
    reader.take(21)
    size = (reader.byte() & 3) + 1
    units: list[bytes] = []
    for _ in range(reader.byte()):
        unit_type = reader.byte() & 0x3F
        for _ in range(reader.number(2)):
            unit = reader.take(reader.number(2))
            if unit_type in (32, 33, 34):  # VPS, SPS, PPS (SEI arrays are not needed to decode)
                units.append(unit)
    if not units or any(not u for u in units):
        raise BitstreamError("hvcC holds no parameter sets")
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


def _unescaped(data: bytes) -> bytes:
    """A NAL unit's payload without its emulation-prevention bytes (00 00 03 → 00 00)."""
    return data.replace(b"\x00\x00\x03", b"\x00\x00")


class _Bits:
    """Exp-Golomb reading of a slice header or SEI payload (only its first few bytes are ever needed)."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def bit(self) -> int:
        byte = self.pos >> 3
        if byte >= len(self.data):
            raise BitstreamError("a slice header is cut short")
        self.pos += 1
        return (self.data[byte] >> (7 - ((self.pos - 1) & 7))) & 1

    def ue(self) -> int:
        zeros = 0
        while self.bit() == 0:
            zeros += 1
            if zeros > 31:
                raise BitstreamError("a slice header holds an impossible number")
        value = 0
        for _ in range(zeros):
            value = (value << 1) | self.bit()
        return (1 << zeros) - 1 + value

    def se(self) -> int:
        k = self.ue()
        return (k + 1) // 2 if k & 1 else -(k // 2)

    def skip(self, n: int) -> None:
        self.pos += n
        if self.pos > len(self.data) * 8:
            raise BitstreamError("a parameter set is cut short")


def _unit_heads(sample: memoryview, size: int, whole: int = -1) -> list[bytes]:
    """The first bytes of each NAL unit of a length-prefixed sample (without copying the slices); units of
    H.264 type `whole` (SEI) whole."""
    heads, pos = [], 0
    while pos + size <= len(sample):
        unit_length = int.from_bytes(sample[pos:pos + size], "big")
        start = pos + size
        keep = unit_length if start < len(sample) and sample[start] & 0x1F == whole else min(unit_length, 48)
        heads.append(bytes(sample[start:start + keep]))
        pos = start + unit_length
    return heads


def _recovers_at_once(sei: bytes) -> bool:
    """Whether an H.264 SEI unit holds a recovery point with recovery_frame_cnt 0 (pictures are right from
    this one on: an open GOP's I picture, not an intra-refresh wave that needs N more pictures)."""
    data, pos = _unescaped(sei[1:]), 0
    while pos < len(data) and data[pos] != 0x80:  # 0x80: the rbsp trailing bits
        kind = size = 0
        while pos < len(data) and data[pos] == 0xFF:
            kind, pos = kind + 255, pos + 1
        if pos >= len(data):
            return False
        kind, pos = kind + data[pos], pos + 1
        while pos < len(data) and data[pos] == 0xFF:
            size, pos = size + 255, pos + 1
        if pos >= len(data):
            return False
        size, pos = size + data[pos], pos + 1
        if kind == 6:
            return _Bits(data[pos:pos + size]).ue() == 0
        pos += size
    return False


def starts_cleanly(codec: str, sample: memoryview | bytes, size: int) -> bool:
    """Whether a decoder can start at this sample and show it and everything after it (in presentation order,
    after its leading pictures) exactly: H.264 IDR, or an I picture with a recovery point at once; HEVC
    IDR/CRA/BLA. An intra-refresh recovery point (a P picture the MP4 still marks as a sync sample) is not."""
    heads = _unit_heads(memoryview(sample), size)
    if codec == "hevc":
        vcl = [h for h in heads if len(h) >= 2 and (h[0] >> 1) & 0x3F < 32]
        return bool(vcl) and 16 <= (vcl[0][0] >> 1) & 0x3F <= 21
    kinds = [h[0] & 0x1F for h in heads if h]
    if 5 in kinds:
        return True
    slices = [h for h in heads if h and h[0] & 0x1F == 1]
    if not slices:
        return False
    try:
        for head in slices:
            bits = _Bits(_unescaped(head[1:]))
            bits.ue()  # first_mb_in_slice
            if bits.ue() % 5 not in (2, 4):  # I or SI
                return False
        seis = [h for h in _unit_heads(memoryview(sample), size, whole=6) if h and h[0] & 0x1F == 6]
        return any(_recovers_at_once(h) for h in seis)
    except BitstreamError:
        return False


def is_idr(sample: bytes, size: int) -> bool:
    """Whether an H.264 sample is an IDR picture (a fresh start of the sequence, not only a recovery point)."""
    return any(u and u[0] & 0x1F == 5 for u in units_of(sample, size))


_HIGH_PROFILES = frozenset({100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135})


def h264_reorder_frames(sps: bytes) -> int | None:
    """An H.264 SPS's max_num_reorder_frames (VUI bitstream_restriction), None where it gives none. FFmpeg's
    decoder holds back as many pictures once it meets the SPS, however few the timestamps reorder."""
    bits = _Bits(_unescaped(sps[1:]))
    return _vui_reorder_frames(bits) if _sps_up_to_vui(bits) else None


def _sps_up_to_vui(bits: _Bits) -> bool:
    """Read an SPS up to its VUI; whether it has one."""
    profile = bits.data[0] if bits.data else 0
    bits.skip(24)
    bits.ue()  # seq_parameter_set_id
    if profile in _HIGH_PROFILES:
        chroma = bits.ue()  # chroma_format_idc
        bits.skip(1 if chroma == 3 else 0)
        bits.ue(), bits.ue()
        bits.skip(1)
        if bits.bit():  # seq_scaling_matrix_present_flag
            for k in range(12 if chroma == 3 else 8):
                if bits.bit():
                    _skip_scaling_list(bits, 16 if k < 6 else 64)
    bits.ue()  # log2_max_frame_num_minus4
    order = bits.ue()
    if order == 0:
        bits.ue()
    elif order == 1:
        bits.skip(1)
        bits.se(), bits.se()
        for _ in range(bits.ue()):
            bits.se()
    bits.ue()
    bits.skip(1)
    bits.ue(), bits.ue()
    if not bits.bit():  # frame_mbs_only_flag
        bits.skip(1)
    bits.skip(1)
    if bits.bit():  # frame_cropping_flag
        bits.ue(), bits.ue(), bits.ue(), bits.ue()
    return bool(bits.bit())  # vui_parameters_present_flag


def _skip_scaling_list(bits: _Bits, size: int) -> None:
    last = scale = 8
    for _ in range(size):
        if scale:
            scale = (last + bits.se()) % 256
        last = scale or last


def _vui_reorder_frames(bits: _Bits) -> int | None:
    if bits.bit() and sum(bits.bit() << (7 - i) for i in range(8)) == 255:  # aspect_ratio_idc: extended
        bits.skip(32)
    if bits.bit():
        bits.skip(1)
    if bits.bit():  # video_signal_type_present_flag
        bits.skip(4)
        if bits.bit():
            bits.skip(24)
    if bits.bit():
        bits.ue(), bits.ue()
    if bits.bit():  # timing_info_present_flag
        bits.skip(65)
    hrd = False
    for _ in range(2):  # NAL, then VCL HRD parameters
        if bits.bit():
            _skip_hrd(bits)
            hrd = True
    bits.skip(2 if hrd else 1)  # low_delay_hrd_flag, pic_struct_present_flag
    if not bits.bit():  # bitstream_restriction_flag
        return None
    bits.skip(1)
    for _ in range(4):
        bits.ue()
    return min(bits.ue(), 16)


def _skip_hrd(bits: _Bits) -> None:
    count = bits.ue() + 1
    bits.skip(8)
    for _ in range(count):
        bits.ue(), bits.ue()
        bits.skip(1)
    bits.skip(20)

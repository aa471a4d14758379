"""The vault's cryptography on real files: the sealed media format, the key file, sealed notes.

Property tests (hypothesis) over the media format: any flipped byte, any cut, two segments swapped or two
recordings' files swapped is detected when read.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.keys import (
    KdfParams,
    KeyUnwrapError,
    VaultKeyError,
    WrongPassphraseError,
    create_key_file,
    rewrap_key_file,
    unlock_key_file,
)
from storage.sealed_media import HEADER, TAG_BYTES, MediaKind, SealedMediaError, SealedMediaReader, SealedMediaWriter
from storage.sealing import AeadSealer, SealingError

KEY = bytes(range(32))
MEDIA_ID = "ab" * 16
FAST = KdfParams(iterations=1, lanes=1, memory_cost_kib=8 * 1024)
SEGMENT = 64  # small segments so that short inputs span many of them
FILE_CHECKS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def seal(data: bytes, segment: int = SEGMENT, media_id: str = MEDIA_ID, key: bytes = KEY) -> bytes:
    sink = io.BytesIO()
    writer = SealedMediaWriter(sink, key, media_id, MediaKind.FILM, segment_size=segment)
    for start in range(0, len(data), 37):  # writes that do not line up with segments
        writer.write(data[start:start + 37])
    writer.finish()
    return sink.getvalue()


def read_all(path: Path, media_id: str = MEDIA_ID) -> bytes:
    with SealedMediaReader(path, KEY, media_id, MediaKind.FILM) as reader:
        return reader.read()


def write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


@FILE_CHECKS
@given(data=st.binary(max_size=1000), segment=st.sampled_from([1, 16, 64, 1 << 20]))
def test_sealed_files_read_back_exactly_and_seek_anywhere(tmp_path: Path, data: bytes, segment: int) -> None:
    path = write(tmp_path, "film.vigm", seal(data, segment))
    assert read_all(path) == data
    with SealedMediaReader(path, KEY, MEDIA_ID, MediaKind.FILM) as reader:
        assert reader.size == len(data) == reader.seek(0, io.SEEK_END)
        for start in (0, len(data) // 3, len(data) - 1):
            reader.seek(max(start, 0))
            assert reader.read(50) == data[max(start, 0):max(start, 0) + 50]


@FILE_CHECKS
@given(data=st.binary(min_size=1, max_size=600), position=st.integers(min_value=0), bit=st.integers(0, 7))
def test_any_flipped_bit_is_detected(tmp_path: Path, data: bytes, position: int, bit: int) -> None:
    sealed = bytearray(seal(data))
    sealed[position % len(sealed)] ^= 1 << bit
    path = write(tmp_path, "film.vigm", bytes(sealed))
    with pytest.raises(SealedMediaError):
        read_all(path)


@FILE_CHECKS
@given(data=st.binary(min_size=1, max_size=600), cut=st.integers(min_value=1))
def test_any_cut_is_detected(tmp_path: Path, data: bytes, cut: int) -> None:
    sealed = seal(data)
    path = write(tmp_path, "film.vigm", sealed[: len(sealed) - 1 - cut % len(sealed)])
    with pytest.raises(SealedMediaError):
        read_all(path)


@FILE_CHECKS
@given(data=st.binary(min_size=3 * SEGMENT + 1, max_size=12 * SEGMENT), pair=st.tuples(st.integers(0), st.integers(0)))
def test_swapped_or_dropped_segments_are_detected(tmp_path: Path, data: bytes, pair: tuple[int, int]) -> None:
    sealed = seal(data)
    stride = SEGMENT + TAG_BYTES
    body = sealed[HEADER.size:]
    parts = [body[i:i + stride] for i in range(0, len(body), stride)]
    whole = len(parts) - 1  # the last one may be short; swap among the full ones
    a, b = pair[0] % whole, pair[1] % whole
    if a == b:
        b = (a + 1) % whole
    parts[a], parts[b] = parts[b], parts[a]
    swapped = write(tmp_path, "swapped.vigm", sealed[:HEADER.size] + b"".join(parts))
    with pytest.raises(SealedMediaError, match="does not decrypt"):
        read_all(swapped)
    # Cutting whole segments off the end (at a segment boundary) is caught by the final-segment flag.
    dropped = write(tmp_path, "dropped.vigm", sealed[:HEADER.size] + b"".join(parts[:a + 1]))
    with pytest.raises(SealedMediaError):
        read_all(dropped)


def test_one_recordings_file_in_anothers_place_is_detected(tmp_path: Path) -> None:
    first = write(tmp_path, "a.vigm", seal(b"first family" * 40))
    other_id = "cd" * 16
    second = write(tmp_path, "b.vigm", seal(b"second family" * 40, media_id=other_id, key=bytes(32)))
    shutil.copyfile(second, first)  # b's file under a's name
    with pytest.raises(SealedMediaError, match="belongs to another recording"):
        read_all(first)
    # Even with the header edited to claim a's id, the content is bound to b's id and key.
    forged = bytearray(second.read_bytes())
    forged[16:32] = bytes.fromhex(MEDIA_ID)
    first.write_bytes(bytes(forged))
    with pytest.raises(SealedMediaError):
        read_all(first)


def test_empty_and_odd_files_are_refused_with_a_message(tmp_path: Path) -> None:
    assert read_all(write(tmp_path, "empty-film.vigm", seal(b""))) == b""
    for content, message in ((b"", "cut short"), (b"VIGMEDIA", "cut short"), (b"x" * 100, "not a vigtool vault"),
                             (seal(b"abc")[:HEADER.size], "cut short")):
        with pytest.raises(SealedMediaError, match=message):
            read_all(write(tmp_path, "odd.vigm", content))
    with pytest.raises(SealedMediaError, match="missing from the vault"):
        read_all(tmp_path / "not-there.vigm")


def test_reading_a_real_film_decrypts_each_segment_once(tmp_path: Path) -> None:
    data = os.urandom(5 * (1 << 20) + 123)
    path = write(tmp_path, "film.vigm", seal(data, segment=1 << 20))
    with SealedMediaReader(path, KEY, MEDIA_ID, MediaKind.FILM) as reader:
        chunks = iter(lambda: reader.read(32 * 1024), b"")
        assert b"".join(chunks) == data
        assert reader.segment_count == 6


# -- the key file ---------------------------------------------------------------------------------
def test_passphrase_opens_the_key_and_a_wrong_one_does_not(tmp_path: Path) -> None:
    path = tmp_path / "vault.key"
    keys = create_key_file(path, "correct horse battery", FAST)
    assert "correct" not in path.read_text() and keys.field_key.hex() not in path.read_text()
    assert unlock_key_file(path, "correct horse battery").field_key == keys.field_key
    with pytest.raises(WrongPassphraseError, match="does not open this vault"):
        unlock_key_file(path, "correct horse batterY")
    wrapped = keys.wrap_data_key(b"k" * 32, MEDIA_ID)
    assert keys.unwrap_data_key(wrapped, MEDIA_ID) == b"k" * 32
    with pytest.raises(KeyUnwrapError):
        keys.unwrap_data_key(wrapped, "cd" * 16)  # a key moved to another recording does not open
    assert "k" * 8 not in repr(keys) and keys.field_key.hex() not in repr(keys)


def test_changing_the_passphrase_rewraps_the_same_master_key(tmp_path: Path) -> None:
    path = tmp_path / "vault.key"
    keys = create_key_file(path, "first passphrase", FAST)
    wrapped = keys.wrap_data_key(b"d" * 32, MEDIA_ID)
    rewrap_key_file(path, keys, "second passphrase", FAST)
    with pytest.raises(WrongPassphraseError):
        unlock_key_file(path, "first passphrase")
    again = unlock_key_file(path, "second passphrase")
    assert again.unwrap_data_key(wrapped, MEDIA_ID) == b"d" * 32  # old films still open
    with pytest.raises(ValueError, match="at least 8"):
        rewrap_key_file(path, keys, "short", FAST)


def test_weakening_the_stored_key_derivation_breaks_the_unlock(tmp_path: Path) -> None:
    path = tmp_path / "vault.key"
    create_key_file(path, "correct horse battery", FAST)
    document = json.loads(path.read_text())
    document["kdf"]["memory_cost_kib"] = 1024
    path.write_text(json.dumps(document))
    with pytest.raises(VaultKeyError, match="key file is damaged"):  # its checksum says so
        unlock_key_file(path, "correct horse battery")
    del document["checksum"]  # as key files written before the checksum: the seal's associated data
    path.write_text(json.dumps(document))
    with pytest.raises(WrongPassphraseError):
        unlock_key_file(path, "correct horse battery")


# -- sealed notes -----------------------------------------------------------------------------------
def test_sealed_notes_are_bound_to_their_column_and_detect_tampering() -> None:
    sealer = AeadSealer(KEY)
    sealed = sealer.seal("Baby reached for the spoon", b"annotations.note")
    assert b"Baby" not in sealed and sealed != sealer.seal("Baby reached for the spoon", b"annotations.note")
    assert sealer.open(sealed, b"annotations.note") == "Baby reached for the spoon"
    with pytest.raises(SealingError):
        sealer.open(sealed, b"cases.label")
    flipped = bytearray(sealed)
    flipped[-1] ^= 1
    with pytest.raises(SealingError):
        sealer.open(bytes(flipped), b"annotations.note")
    with pytest.raises(SealingError):
        AeadSealer(bytes(32)).open(sealed, b"annotations.note")
    with pytest.raises(SealingError, match="another scheme"):
        sealer.open(b"\x00plain text from a development build", b"annotations.note")

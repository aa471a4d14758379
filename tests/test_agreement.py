"""Agreement between two coders: moments matched by overlap, kappa over time slices, per code and overall,
checked against figures worked out by hand; "not defined" where kappa cannot say anything."""

from __future__ import annotations

from fractions import Fraction

import pytest

from vigtool.domain.agreement import NONE, Moment, cohens_kappa, compare

X, Y, Z = "init.look", "p3", "p2"
# Hers and mine on a 100-frame film. Sliced by 10 frames (within 3 frames makes a pair):
#   hers  [X . Y . . X . Y . .]      mine  [X . Z Z . . . Y . X]
HERS = [Moment(5, 6, X), Moment(20, 30, Y), Moment(50, 51, X), Moment(70, 80, Y)]
MINE = [Moment(7, 8, X), Moment(22, 35, Z), Moment(90, 91, X), Moment(72, 75, Y)]


def test_moments_are_paired_by_overlap_and_counted_per_code() -> None:
    result = compare(HERS, MINE, 100, slice_frames=10, within=3, order=[Z, Y, X])
    pairs = [(p.codes(), p.start) for p in result.pairs]
    assert pairs == [((X, X), 5), ((Y, Z), 20), ((X, NONE), 50), ((Y, Y), 70), ((NONE, X), 90)]
    overall = result.overall
    assert (overall.moments, overall.alike, overall.share) == (5, 2, Fraction(2, 5))
    by_code = {f.code: f for f in result.codes}
    assert [f.code for f in result.codes] == [Z, Y, X]  # the codebook's order
    assert (by_code[X].a, by_code[X].b, by_code[X].alike, by_code[X].moments) == (2, 2, 1, 3)
    assert (by_code[Y].a, by_code[Y].b, by_code[Y].alike, by_code[Y].moments) == (2, 1, 1, 2)
    assert (by_code[Z].a, by_code[Z].b, by_code[Z].alike, by_code[Z].share) == (0, 1, 0, Fraction(0))
    assert [p.codes() for p in result.differences] == [(Y, Z), (X, NONE), (NONE, X)]
    assert result.confusion()[(Y, Z)] == 1 and result.confusion()[(X, X)] == 1


def test_kappa_over_time_slices_by_hand() -> None:
    result = compare(HERS, MINE, 100, slice_frames=10, within=3)
    overall = result.overall.kappa
    # 6 of 10 slices alike; chance (2·2 + 2·1 + 6·5) / 100 = 0.36; kappa = 0.24 / 0.64.
    assert (overall.slices, overall.observed, overall.expected) == (10, Fraction(6, 10), Fraction(36, 100))
    assert overall.value == pytest.approx(0.375)
    by_code = {f.code: f.kappa for f in result.codes}
    assert (by_code[X].observed, by_code[X].expected) == (Fraction(8, 10), Fraction(68, 100))
    assert by_code[X].value == pytest.approx(0.375)
    assert (by_code[Y].observed, by_code[Y].expected) == (Fraction(9, 10), Fraction(74, 100))
    assert by_code[Y].value == pytest.approx(8 / 13)
    assert by_code[Z].value is None  # she never marked it: nothing beyond chance to measure


def test_marks_too_far_apart_are_two_moments_and_point_marks_need_no_overlap() -> None:
    near = compare([Moment(10, 11, X)], [Moment(12, 13, X)], 50, slice_frames=5, within=3)
    assert near.overall.alike == 1
    apart = compare([Moment(10, 11, X)], [Moment(12, 13, X)], 50, slice_frames=5, within=0)
    assert apart.overall.alike == 0 and apart.overall.moments == 2


def test_a_pair_with_the_same_code_is_preferred_to_a_closer_one() -> None:
    hers = [Moment(10, 20, X)]
    mine = [Moment(10, 20, Y), Moment(14, 15, X)]
    result = compare(hers, mine, 40, slice_frames=1, within=0)
    assert [p.codes() for p in result.pairs] == [((X, X)), ((NONE, Y))]


def test_kappa_is_not_defined_with_one_label_throughout() -> None:
    # Only one code, and one coder marks it all through: kappa would be 0 "however well they agree".
    result = compare([Moment(0, 100, X)], [Moment(0, 95, X)], 100, slice_frames=1, within=0)
    assert result.overall.kappa.value is None and result.codes[0].kappa.value is None
    assert result.overall.share == 1
    assert cohens_kappa(["a", "a"], ["a", "b"]).value is None
    assert cohens_kappa([], []).value is None
    assert cohens_kappa(["a", "b"], ["a", "b"]).value == 1.0
    with pytest.raises(ValueError, match="same slices"):
        cohens_kappa(["a"], [])

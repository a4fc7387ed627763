"""Class statistics against values computed by hand."""
from __future__ import annotations

import numpy as np
import pytest

from quizgen.grading.stats import class_statistics

# Four students, three items (max 1, 1, 2):
#   S1 [0, 1, 2] total 3
#   S2 [1, 0, 1] total 2
#   S3 [1, 0, 0] total 1
#   S4 [0, 0, 0] total 0
POINTS = [[0, 1, 2], [1, 0, 1], [1, 0, 0], [0, 0, 0]]
MAXES = [1, 1, 2]


def test_totals_by_hand():
    s = class_statistics(POINTS, MAXES)
    assert s.n == 4 and s.max_total == 4
    assert s.mean == 1.5            # (3 + 2 + 1 + 0) / 4
    assert s.median == 1.5          # (2 + 1) / 2
    # deviations 1.5, 0.5, -0.5, -1.5 -> squares sum to 5; 5 / 3 = 1.6667; sqrt = 1.290994
    assert s.sd == pytest.approx(1.290994, abs=1e-6)
    assert (s.minimum, s.maximum) == (0, 3)


def test_items_by_hand():
    s = class_statistics(POINTS, MAXES)
    i1, i2, i3 = s.items
    # facility: item 1 (0+1+1+0)/4; item 2 (1+0+0+0)/4; item 3 (1 + .5 + 0 + 0)/4
    assert [i1.facility, i2.facility, i3.facility] == [0.5, 0.25, 0.375]
    # item 1 vs rest (3,1,0,0): dx=(-.5,.5,.5,-.5), dy=(2,0,-1,-1): dx.dy=-1, |dx|^2=1, |dy|^2=6
    assert i1.r_corrected == pytest.approx(-1 / 6 ** 0.5)            # -0.408248
    # item 2 vs rest (2,2,1,0): dx.dy=.75, |dx|^2=.75, |dy|^2=2.75
    assert i2.r_corrected == pytest.approx(0.75 / (0.75 * 2.75) ** 0.5)  # 0.522233
    # item 3 vs rest (1,1,1,0): dx.dy=.75, |dx|^2=2.75, |dy|^2=.75
    assert i3.r_corrected == pytest.approx(0.522233, abs=1e-6)
    # 27 % of 4 rounds to 1 student per group: upper S1, lower S4
    assert [i1.upper_lower, i2.upper_lower, i3.upper_lower] == [0.0, 1.0, 1.0]
    assert i1.flags == ("negative",) and i2.flags == () and i3.flags == ()


def test_alpha_by_hand():
    s = class_statistics(POINTS, MAXES)
    # item variances .25 + .1875 + .6875 = 1.125; total variance 5/4 = 1.25
    # alpha = 3/2 * (1 - 1.125 / 1.25) = 0.15
    assert s.alpha == pytest.approx(0.15)
    assert s.dichotomous is False


def test_kr20_for_right_wrong_items():
    s = class_statistics([[1, 1], [1, 0], [0, 0]], [1, 1])
    # p = 2/3 and 1/3, pq = 2/9 each; total variance of (2, 1, 0) = 2/3
    # KR-20 = 2 * (1 - (4/9) / (2/3)) = 2/3
    assert s.dichotomous is True
    assert s.alpha == pytest.approx(2 / 3)


def test_upper_lower_groups_of_27_percent():
    # ten students, totals 9..0 from a second item; 27 % of 10 rounds to 3 per group
    points = [[1 if k < 3 else 0, 9 - k] for k in range(10)]
    s = class_statistics(points, [1, 9])
    assert s.items[0].upper_lower == 1.0
    points = [[1 if k >= 7 else 0, 2 * (9 - k)] for k in range(10)]  # no tie at the edge
    s = class_statistics(points, [1, 18])
    assert s.items[0].upper_lower == -1.0 and "negative" in s.items[0].flags


def test_ties_at_the_group_edge_share_its_places_whatever_the_order():
    # totals with the item: 9 8 7 6 5 4 3 | 3 2 1 -- students 6 (item 0) and 7 (item 1)
    # tie at the lower group's edge and share its last place: D = 0 - (1 + 1 + 0.5) / 3
    points = [[1 if k >= 7 else 0, 9 - k] for k in range(10)]
    forward = class_statistics(points, [1, 9]).items[0].upper_lower
    backward = class_statistics(points[::-1], [1, 9]).items[0].upper_lower
    assert forward == pytest.approx(-2.5 / 3) and backward == pytest.approx(forward)
    rng = np.random.default_rng(5)
    many = rng.integers(0, 3, size=(40, 6)).tolist()  # many ties
    ds = {tuple(round(it.upper_lower, 12) for it in class_statistics(
        [many[i] for i in rng.permutation(40)], [2] * 6).items) for _ in range(8)}
    assert len(ds) == 1


def test_flags_follow_the_two_decimals_shown():
    # facility 0.895 is shown as 0.90 and flagged like an exact 0.90
    points = [[1] * 179 + [0] * 21, [1] * 180 + [0] * 20]
    cols = [[points[0][j], points[1][j]] for j in range(200)]
    s = class_statistics(cols, [1, 1])
    assert s.items[0].facility == pytest.approx(0.895) and "easy" in s.items[0].flags
    assert s.items[1].facility == pytest.approx(0.90) and "easy" in s.items[1].flags


def test_flags_for_extreme_facility():
    s = class_statistics([[1, 0, 1], [1, 0, 0], [1, 0, 1]], [1, 1, 1])
    assert s.items[0].flags == ("easy",)      # everyone right; r undefined (no variance)
    assert s.items[0].r_corrected is None
    assert s.items[1].flags == ("hard",)


def test_degenerate_classes():
    assert class_statistics([], [1, 2]).n == 0
    one = class_statistics([[1, 2]], [1, 2])
    assert one.sd is None and one.alpha is None and one.items[0].upper_lower is None


def test_a_value_that_rounds_to_zero_is_shown_without_a_minus():
    """r = -0.004 is not flagged negative (flags follow the two decimals shown), and it is
    shown as 0.00, not -0.00, so the table does not look like a missed flag."""
    from quizgen.grading.report import fmt_stat as _n
    from quizgen.grading.stats import item_flags
    assert _n(-0.004) == "0.00" and _n(-0.006) == "-0.01" and _n(0.004) == "0.00"
    assert item_flags(0.5, -0.004) == () and item_flags(0.5, -0.006) == ("negative",)

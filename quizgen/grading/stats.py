"""Test and item statistics of a graded class (pure functions over plain numbers).

Definitions (written out in the report):

* facility of an item: mean of score / max points;
* corrected item-total correlation: Pearson r between the item score and the total of
  the *other* items (None when either has no variance);
* upper-lower index (Kelley's D): facility among the top 27 % of students by total
  score (this item included, as the classic index has it) minus facility among the bottom
  27 %. Students tied at a group's edge share its remaining places equally (fractional
  weights), so D does not depend on the order of the roster or of the submissions;
* Cronbach's alpha over item points (before a negative total is floored at 0):
  k/(k-1) * (1 - sum var(item) / var(sum of items)); it is KR-20 when every item is
  scored 0 or full marks;
* totals: mean, median, sample standard deviation (n - 1), min, max;
* flags are decided on the values as the report shows them (two decimals), so a
  facility shown as 0.90 is flagged however it was rounded.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

FACILITY_LOW = 0.1
FACILITY_HIGH = 0.9
GROUP_SHARE = 0.27


@dataclass(frozen=True)
class ItemStats:
    facility: float
    r_corrected: float | None
    upper_lower: float | None
    flags: tuple[str, ...]


@dataclass(frozen=True)
class ClassStats:
    n: int
    max_total: float
    mean: float
    median: float
    sd: float | None
    minimum: float
    maximum: float
    alpha: float | None
    dichotomous: bool
    items: tuple[ItemStats, ...]


def _pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    dx, dy = x - x.mean(), y - y.mean()
    den = math.sqrt(float(dx @ dx) * float(dy @ dy))
    if den <= 1e-12:
        return None
    return float(dx @ dy) / den


def group_weights(totals: np.ndarray, g: int) -> np.ndarray:
    """Weights (summing to ``g``) of the ``g`` students with the highest ``totals``.

    Students above the edge count fully; those tied at the edge share the places left
    equally, whatever their order. Totals equal to 1e-9 points are ties (float sums).
    """
    t = np.round(np.asarray(totals, dtype=float), 9)
    edge = np.sort(t)[::-1][g - 1]
    above, tied = t > edge, t == edge
    w = above.astype(float)
    w[tied] = (g - int(above.sum())) / int(tied.sum())
    return w


def item_flags(facility: float, r: float | None) -> tuple[str, ...]:
    """Why an item deserves a look: ``hard``, ``easy``, ``negative`` (on the values rounded
    to the two decimals the report shows)."""
    flags = []
    facility = round(facility, 2)
    r = None if r is None else round(r, 2)
    if facility <= FACILITY_LOW:
        flags.append("hard")
    if facility >= FACILITY_HIGH:
        flags.append("easy")
    if r is not None and r < 0:
        flags.append("negative")
    return tuple(flags)


def class_statistics(points: list[list[float]], max_points: list[float],
                     totals: list[float] | None = None) -> ClassStats:
    """Statistics of a students x items matrix of points, given each item's maximum.

    ``totals``: the students' exam totals when they are not the row sums (a total is
    floored at 0 under negative marking); mean, median, sd, min and max describe them,
    while the item statistics and alpha use the points.
    """
    given = totals
    scores = np.asarray(points, dtype=float).reshape(len(points), len(max_points))
    maxes = np.asarray(max_points, dtype=float)
    n, k = scores.shape
    if n == 0:
        return ClassStats(0, float(maxes.sum()), 0.0, 0.0, None, 0.0, 0.0, None, False, ())
    safe_max = np.where(maxes > 0, maxes, 1.0)
    frac = scores / safe_max
    totals = scores.sum(axis=1)
    g = max(1, int(round(GROUP_SHARE * n)))
    upper, lower = group_weights(totals, g), group_weights(-totals, g)
    items = []
    for i in range(k):
        fac = float(frac[:, i].mean())
        r = _pearson(scores[:, i], totals - scores[:, i]) if k > 1 else None
        d = float((upper - lower) @ frac[:, i]) / g if n >= 2 else None
        items.append(ItemStats(fac, r, d, item_flags(fac, r)))
    alpha = None
    var_total = float(totals.var())
    if k >= 2 and var_total > 1e-12:
        alpha = k / (k - 1) * (1.0 - float(scores.var(axis=0).sum()) / var_total)
    dichotomous = bool(np.all((scores == 0) | (scores == maxes)))
    shown = totals if given is None else np.asarray(given, dtype=float)
    return ClassStats(n=n, max_total=float(maxes.sum()), mean=float(shown.mean()),
                     median=float(np.median(shown)),
                     sd=float(shown.std(ddof=1)) if n >= 2 else None,
                     minimum=float(shown.min()), maximum=float(shown.max()), alpha=alpha,
                     dichotomous=dichotomous, items=tuple(items))

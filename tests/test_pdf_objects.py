"""The box helpers of the PDF reader: one home for merging boxes (issue 20)."""

import pytest

from pipeline.readers.pdf.objects import Rule, box_around, box_of, union_boxes


def test_box_of_and_around_rules():
    a, b = Rule(10, 20, 30, 20), Rule(5, 40, 25, 60)
    assert box_of(a) == (10, 20, 30, 20)
    assert box_around([a, b]) == (5, 20, 30, 60)


def test_union_of_boxes():
    assert union_boxes([(1, 2, 3, 4), (0, 5, 2, 9), (2, 1, 8, 3)]) == (0, 1, 8, 9)
    with pytest.raises(ValueError):
        union_boxes([])

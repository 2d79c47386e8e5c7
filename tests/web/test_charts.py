"""Column chart geometry: readable axes, stacked bars that add up, labels that do not overlap."""
import pytest

from marketplace.web.charts import HEIGHT, MAX_BAR_WIDTH, column_chart, nice_ceiling


@pytest.mark.parametrize("value, ceiling", [(0, 1), (1, 1), (2, 2), (3, 5), (5, 5), (6, 10), (11, 20), (48, 50),
                                            (51, 100), (999, 1000)])
def test_the_axis_ends_at_a_round_number(value, ceiling):
    assert nice_ceiling(value) == ceiling


def test_stacked_bars_reach_the_height_of_their_total_and_ticks_are_whole_numbers():
    chart = column_chart([("a", "A"), ("b", "B")], [("one", "One", {"a": 3, "b": 1}), ("two", "Two", {"a": 2})])
    assert [tick for _, tick in chart.ticks] == [0, 1, 2, 3, 4, 5]
    a_bars = [bar for bar in chart.bars if bar.label.startswith("A,")]
    assert [bar.label for bar in a_bars] == ["A, One: 3", "A, Two: 2"]
    assert round(sum(bar.height for bar in a_bars), 1) == round(chart.baseline - chart.ticks[-1][0], 1)
    assert a_bars[1].y + a_bars[1].height == pytest.approx(a_bars[0].y, abs=0.1)  # stacked, touching
    assert all(0 <= bar.y <= HEIGHT and bar.width <= MAX_BAR_WIDTH for bar in chart.bars)
    assert len(chart.bars) == 3  # nothing is drawn for a zero


def test_many_categories_slant_their_labels():
    assert not column_chart([(str(n), str(n)) for n in range(8)], []).slanted
    assert column_chart([(str(n), str(n)) for n in range(9)], []).slanted

"""Column charts laid out for inline SVG: the geometry is computed here, the template only draws it."""
from dataclasses import dataclass, field

from flask_babel import gettext as _

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 56  # room for the value axis and the category labels
MAX_BAR_WIDTH = 64


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    label: str  # read by screen readers and shown as a tooltip: "March 2025, published: 3"


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    bars: list = field(default_factory=list)
    ticks: list = field(default_factory=list)      # (y, value)
    categories: list = field(default_factory=list)  # (x, label)
    baseline: float = HEIGHT - BOTTOM
    left: int = LEFT
    right: int = WIDTH - RIGHT
    slanted: bool = False  # many categories: their labels are slanted so they do not overlap


def nice_ceiling(value):
    """The smallest of 1, 2, 5, 10, 20, 50, … at least `value` (and at least 1), for a readable axis."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def column_chart(categories, series):
    """`categories`: [(key, label)]; `series`: [(css class, name, {category key: value})], stacked in order."""
    chart = Chart(slanted=len(categories) > 8)
    totals = [sum(values.get(key, 0) for _, _, values in series) for key, _ in categories]
    top = nice_ceiling(max(totals, default=0))
    plot_height = chart.baseline - TOP
    slot = (chart.right - chart.left) / max(1, len(categories))
    width = min(slot * 0.7, MAX_BAR_WIDTH)
    step = 1 if top <= 5 else top // 5  # top is 1, 2 or 5 times a power of ten: whole steps
    for value in range(0, top + 1, step):
        chart.ticks.append((round(chart.baseline - plot_height * value / top, 1), value))
    for index, (key, label) in enumerate(categories):
        x = chart.left + slot * index + (slot - width) / 2
        chart.categories.append((round(x + width / 2, 1), label))
        stacked = 0
        for css, name, values in series:
            value = values.get(key, 0)
            if not value:
                continue
            height = plot_height * value / top
            stacked += height
            described = (_("%(category)s, %(series)s: %(value)s", category=label, series=name, value=value) if name
                         else _("%(category)s: %(value)s", category=label, value=value))
            chart.bars.append(Bar(x=round(x, 1), y=round(chart.baseline - stacked, 1), width=round(width, 1),
                                  height=round(height, 1), css=css, label=described))
    return chart

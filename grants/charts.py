"""
Bar and line charts drawn on the server as SVG.

Written here rather than taken from a charting library: the charts are
simple, the markup must pass the Content Security Policy (no scripts, no
style attributes; SVG presentation attributes such as fill="..." are
allowed) and work without JavaScript, and a browser library would be a
script served to every report page for two kinds of chart.

Every chart is an `<svg role="img">` named by its `<title>` and described by
its `<desc>`, which states every figure; the page also shows the same
figures in a table beneath the chart. Colours are GOV.UK's: blue bars and
lines (5.2:1 against white, above the 3:1 WCAG asks of graphics) and
near-black text (19:1).
"""

import math
import re
from collections.abc import Callable, Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR_COLOUR = "#1d70b8"  # GOV.UK blue
LINE_COLOUR = "#1d70b8"
TEXT_COLOUR = "#0b0c0c"  # GOV.UK text
AXIS_COLOUR = "#505a5f"  # GOV.UK secondary text: 7:1 against white
GRID_COLOUR = "#b1b4b6"  # GOV.UK border; decorative only
FONT = "arial, sans-serif"
FONT_SIZE = 14

WIDTH = 760
BAR_HEIGHT = 24
BAR_GAP = 10
LABEL_WIDTH = 250
VALUE_WIDTH = 120
# Characters of a label that fit in LABEL_WIDTH at FONT_SIZE.
LABEL_CHARACTERS = 34

# Characters XML cannot hold (control characters and two non-characters).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

Number = int | float | Decimal
Formatter = Callable[[Number], str]


def pounds(value: Number) -> str:
    """£1,234.50"""
    return f"£{Decimal(value):,.2f}"


def whole_number(value: Number) -> str:
    return f"{value:,}"


def _text(value) -> str:
    """Text for an SVG element or attribute: escaped, without characters XML refuses."""
    return escape(NOT_XML.sub("", str(value)))


def _check(labels: Sequence[str], values: Sequence[Number]) -> list[float]:
    if len(labels) != len(values):
        raise ValueError(f"{len(labels)} labels but {len(values)} values")
    numbers = [float(value) for value in values]
    if any(math.isnan(n) or math.isinf(n) or n < 0 for n in numbers):
        raise ValueError("Chart values must be finite numbers of zero or more")
    return numbers


def _shorten(label: str, limit: int = LABEL_CHARACTERS) -> str:
    # The full label is kept in the bar's own <title> and in the table.
    return label if len(label) <= limit else f"{label[: limit - 1].rstrip()}…"


def nice_ticks(maximum: float, *, count: int = 4) -> list[float]:
    """
    Axis marks from 0 past `maximum` in steps of 1, 2 or 5 times a power of
    ten, so the gridlines fall on round figures.
    """
    if maximum <= 0:
        return [0.0, 1.0]
    raw = maximum / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    ticks = [0.0]
    while ticks[-1] < maximum:
        ticks.append(ticks[-1] + step)
    return ticks


def _description(
    labels: Sequence[str], values: Sequence[Number], fmt: Formatter, description: str
) -> str:
    if not labels:
        return f"{description} There is nothing to show yet."
    figures = "; ".join(f"{label}: {fmt(value)}" for label, value in zip(labels, values, strict=True))
    return f"{description} {figures}."


def _open_svg(*, chart_id: str, title: str, desc: str, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" id="{_text(chart_id)}" '
        f'role="img" aria-labelledby="{_text(chart_id)}-title {_text(chart_id)}-desc" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'font-family="{FONT}" font-size="{FONT_SIZE}" fill="{TEXT_COLOUR}">',
        f'<title id="{_text(chart_id)}-title">{_text(title)}</title>',
        f'<desc id="{_text(chart_id)}-desc">{_text(desc)}</desc>',
    ]


def bar_chart(
    *,
    chart_id: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[Number],
    description: str = "",
    value_format: Formatter = pounds,
) -> SafeString:
    """
    A horizontal bar chart, one bar per label with its value written at the
    end of the bar. Horizontal bars leave room for long labels such as
    Strategic Plan outcomes.
    """
    numbers = _check(labels, values)
    row = BAR_HEIGHT + BAR_GAP
    height = max(len(labels), 1) * row + BAR_GAP
    desc = _description(labels, values, value_format, description or f"Bar chart: {title}.")
    parts = _open_svg(chart_id=chart_id, title=title, desc=desc, height=height)
    scale_width = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    top = max(numbers, default=0) or 1
    for index, (label, value, number) in enumerate(zip(labels, values, numbers, strict=True)):
        y = BAR_GAP + index * row
        text_y = y + BAR_HEIGHT / 2
        bar = round(number / top * scale_width, 1)
        text = value_format(value)
        parts.append(
            f'<g><title>{_text(label)}: {_text(text)}</title>'
            f'<text x="{LABEL_WIDTH - 8}" y="{text_y}" text-anchor="end" '
            f'dominant-baseline="central">{_text(_shorten(label))}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{bar}" height="{BAR_HEIGHT}" '
            f'fill="{BAR_COLOUR}"/>'
            f'<text x="{LABEL_WIDTH + bar + 6}" y="{text_y}" '
            f'dominant-baseline="central">{_text(text)}</text></g>'
        )
    if not labels:
        parts.append(
            f'<text x="{LABEL_WIDTH}" y="{BAR_GAP + BAR_HEIGHT / 2}" '
            f'dominant-baseline="central">Nothing to show yet</text>'
        )
    parts.append(
        f'<line x1="{LABEL_WIDTH}" y1="0" x2="{LABEL_WIDTH}" y2="{height}" '
        f'stroke="{AXIS_COLOUR}" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped


LINE_LEFT = 110
LINE_RIGHT = 30
LINE_TOP = 20
LINE_PLOT_HEIGHT = 260
LINE_LABEL_SPACE = 90


def line_chart(
    *,
    chart_id: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[Number],
    description: str = "",
    value_format: Formatter = pounds,
) -> SafeString:
    """
    A line through one point per label (periods, oldest first), with round
    figures on the vertical axis and the labels slanted beneath so that
    many periods fit.
    """
    numbers = _check(labels, values)
    height = LINE_TOP + LINE_PLOT_HEIGHT + LINE_LABEL_SPACE
    desc = _description(labels, values, value_format, description or f"Line chart: {title}.")
    parts = _open_svg(chart_id=chart_id, title=title, desc=desc, height=height)
    ticks = nice_ticks(max(numbers, default=0))
    top = ticks[-1]
    bottom = LINE_TOP + LINE_PLOT_HEIGHT
    plot_width = WIDTH - LINE_LEFT - LINE_RIGHT

    def y_of(number: float) -> float:
        return round(bottom - number / top * LINE_PLOT_HEIGHT, 1)

    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line x1="{LINE_LEFT}" y1="{y}" x2="{WIDTH - LINE_RIGHT}" y2="{y}" '
            f'stroke="{GRID_COLOUR}" stroke-width="1"/>'
            f'<text x="{LINE_LEFT - 8}" y="{y}" text-anchor="end" '
            f'dominant-baseline="central">{_text(value_format(_tick_value(tick, values)))}</text>'
        )
    parts.append(
        f'<line x1="{LINE_LEFT}" y1="{bottom}" x2="{WIDTH - LINE_RIGHT}" y2="{bottom}" '
        f'stroke="{AXIS_COLOUR}" stroke-width="1"/>'
    )
    if not labels:
        parts.append(
            f'<text x="{LINE_LEFT + 10}" y="{bottom - 20}">Nothing to show yet</text></svg>'
        )
        return mark_safe("".join(parts))  # noqa: S308 - escaped above
    step = plot_width / max(len(labels) - 1, 1)
    points = [
        (round(LINE_LEFT + (index * step if len(labels) > 1 else plot_width / 2), 1),
         y_of(number))
        for index, number in enumerate(numbers)
    ]
    parts.append(
        f'<polyline points="{" ".join(f"{x},{y}" for x, y in points)}" fill="none" '
        f'stroke="{LINE_COLOUR}" stroke-width="3"/>'
    )
    # Slanted labels: at most about 24 fit; beyond that every other is shown
    # (each point still names its period in its own <title>).
    every = max(1, math.ceil(len(labels) / 24))
    for index, ((x, y), label, value) in enumerate(zip(points, labels, values, strict=True)):
        parts.append(
            f'<g><title>{_text(label)}: {_text(value_format(value))}</title>'
            f'<circle cx="{x}" cy="{y}" r="5" fill="{LINE_COLOUR}"/></g>'
        )
        if index % every == 0:
            parts.append(
                f'<text x="{x}" y="{bottom + 16}" text-anchor="end" '
                f'transform="rotate(-40 {x} {bottom + 16})">{_text(label)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped


def _tick_value(tick: float, values: Sequence[Number]) -> Number:
    """An axis mark in the type of the values, so pounds show as pounds."""
    if any(isinstance(value, Decimal) for value in values):
        return Decimal(str(tick))
    return int(tick) if float(tick).is_integer() else tick

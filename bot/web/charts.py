"""Charts as server-rendered SVG: the geometry of simple bar charts (templates/_chart.html draws them).

Every chart on the site sits next to a table with the same data, so the SVG is a picture for
sighted readers and the table is the accessible, exact version.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

LABEL_CHARS = 28


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value, and where it is drawn."""

    label: str
    value: int
    value_text: str
    x: float
    y: float
    width: float
    height: float
    label_x: float
    label_y: float
    value_x: float
    value_y: float


@dataclass(frozen=True)
class Chart:
    """A bar chart: its size (SVG user units), bars, axis and accessible title."""

    id: str
    title: str
    width: int
    height: int
    horizontal: bool
    bars: tuple[Bar, ...]
    axis_x1: float
    axis_y1: float
    axis_x2: float
    axis_y2: float


def _clip(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def horizontal_bars(chart_id: str, title: str, items: list[tuple[str, int]],
                    formatter: Callable[[int], str] = str) -> Chart:
    """Bars from left to right, one row per item (labels on the left, values after the bars)."""
    label_width, value_width, row, gap, width = 200, 70, 26, 8, 640
    plot = width - label_width - value_width
    peak = max((value for _label, value in items), default=0) or 1
    bars = []
    for index, (label, value) in enumerate(items):
        y = gap + index * (row + gap)
        length = plot * value / peak
        bars.append(Bar(
            label=_clip(label), value=value, value_text=formatter(value),
            x=label_width, y=y, width=round(length, 1), height=row,
            label_x=label_width - 8, label_y=y + row * 0.68,
            value_x=label_width + length + 6, value_y=y + row * 0.68,
        ))
    height = gap + len(items) * (row + gap) or 40
    return Chart(chart_id, title, width, height, True, tuple(bars),
                 label_width, 0, label_width, height)


def vertical_bars(chart_id: str, title: str, items: list[tuple[str, int]],
                  formatter: Callable[[int], str] = str, every: int = 1) -> Chart:
    """Columns from left to right (e.g. months), labels under every `every`-th column."""
    width, height, bottom, top, left = 640, 240, 40, 24, 8
    plot_height = height - bottom - top
    slot = (width - 2 * left) / max(len(items), 1)
    peak = max((value for _label, value in items), default=0) or 1
    bars = []
    for index, (label, value) in enumerate(items):
        length = plot_height * value / peak
        x = left + index * slot + slot * 0.15
        bars.append(Bar(
            label=label if index % every == 0 else "", value=value,
            value_text=formatter(value) if value and slot >= 40 else "",
            x=round(x, 1), y=round(top + plot_height - length, 1), width=round(slot * 0.7, 1),
            height=round(length, 1),
            label_x=round(x + slot * 0.35, 1), label_y=height - bottom + 18,
            value_x=round(x + slot * 0.35, 1), value_y=round(top + plot_height - length - 6, 1),
        ))
    return Chart(chart_id, title, width, height, False, tuple(bars),
                 left, top + plot_height, width - left, top + plot_height)

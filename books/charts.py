"""Charts as server-rendered SVG: no CDN, no script, readable without colour.

Every chart is an <svg role="img"> with a <title> and a <desc> that states its numbers, every
number is also drawn as text, and every bar or slice carries its own <title> (a tooltip, and
what a screen reader announces). Colours come from CSS classes (static/css/app.css), so the
palette is the stylesheet's. Sizes are in viewBox units; the SVG scales to its panel.
"""

import itertools
import math
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

_ids = itertools.count(1)
LABEL_W = 100  # room for a bar's label before it is shortened (8 Chinese characters)


@dataclass(frozen=True)
class Series:
    key: str  # the row's field holding the value
    label: str
    css: str  # CSS class giving the colour, e.g. "c-completed"


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.1f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"
    return str(value)


def _num(value: float) -> str:
    """A coordinate: short, no trailing zeros."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text_width(text: str, size: float) -> float:
    """Rough advance width: a CJK character is about one em, Latin about half."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in text)


def _clip(text: str, width: float, size: float) -> str:
    """`text`, shortened with an ellipsis to fit `width` (8 CJK characters at 12.5)."""
    if _text_width(text, size) <= width:
        return text
    while text and _text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def _svg(kind: str, width: int, height: int, title: str, desc: str, body: list[str]) -> SafeString:
    n = next(_ids)
    head = format_html(
        '<svg class="chart chart-{}" viewBox="0 0 {} {}" role="img" '
        'aria-labelledby="chart-t{} chart-d{}" xmlns="http://www.w3.org/2000/svg" '
        'preserveAspectRatio="xMinYMin meet">'
        '<title id="chart-t{}">{}</title><desc id="chart-d{}">{}</desc>',
        kind,
        width,
        height,
        n,
        n,
        n,
        title,
        n,
        desc,
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308  pieces from format_html


def _legend(series: list[Series], x: float, y: float, size: float = 12) -> list[str]:
    out = []
    for s in series:
        out.append(
            format_html(
                '<g class="legend-item"><rect class="{}" x="{}" y="{}" width="10" height="10" '
                'rx="2"/><text class="legend" x="{}" y="{}">{}</text></g>',
                s.css,
                _num(x),
                _num(y - 9),
                _num(x + 14),
                _num(y),
                s.label,
            )
        )
        x += 14 + _text_width(s.label, size) + 16
    return out


def stacked_bars(
    rows: list[dict],
    *,
    series: list[Series],
    title: str,
    note_key: str = "",
    note_label: str = "",
    width: int = 640,
    empty: str = "",
    total_label: str = "%(n)s",
) -> SafeString:
    """Horizontal stacked bars, one row per dict: `label`, the series' values, `total`,
    optionally `href` (the row links there) and `note_key` (e.g. the completion rate, in %).

    Each segment is a <rect class="bar …" data-value="n">; a segment wide enough shows its
    number inside, and every row ends with its total (and note) as text.
    """
    label_w = max([_text_width(_clip(r["label"], LABEL_W, 12.5), 12.5) for r in rows] + [48]) + 14
    right_w = 150 if note_key else 56
    plot_w = width - label_w - right_w
    row_h, top = 30, 30
    height = top + row_h * max(len(rows), 1) + 6
    most = max([r["total"] for r in rows] + [1])
    body = _legend(series, label_w, 16)
    desc_rows = []
    if not rows:
        body.append(
            format_html(
                '<text class="empty" x="{}" y="{}">{}</text>', _num(label_w), top + 18, empty
            )
        )
    for i, row in enumerate(rows):
        y = top + i * row_h
        parts = []
        label = _clip(row["label"], LABEL_W, 12.5)
        parts.append(
            format_html(
                '<text class="axis-label" x="{}" y="{}" text-anchor="end">{}{}</text>',
                _num(label_w - 8),
                _num(y + 15),
                label,
                # The full name as a tooltip, where the label had to be shortened.
                format_html("<title>{}</title>", row["label"]) if label != row["label"] else "",
            )
        )
        x = float(label_w)
        pieces = []
        for s in series:
            value = row.get(s.key) or 0
            if not value:
                continue
            w = plot_w * value / most
            parts.append(
                format_html(
                    '<rect class="bar {}" data-series="{}" data-value="{}" x="{}" y="{}" '
                    'width="{}" height="20"><title>{}：{} {}</title></rect>',
                    s.css,
                    s.key,
                    value,
                    _num(x),
                    _num(y + 2),
                    _num(max(w, 1)),
                    row["label"],
                    s.label,
                    value,
                )
            )
            if w >= _text_width(str(value), 11) + 6:
                parts.append(
                    format_html(
                        '<text class="bar-value" x="{}" y="{}" text-anchor="middle">{}</text>',
                        _num(x + w / 2),
                        _num(y + 16),
                        value,
                    )
                )
            x += w
            pieces.append(f"{s.label}{value}")
        total_text = total_label % {"n": row["total"]}
        if note_key:
            total_text += f" · {note_label} {_fmt(row[note_key])}%"
        parts.append(
            format_html(
                '<text class="row-total" data-total="{}" x="{}" y="{}">{}</text>',
                row["total"],
                _num(x + 6),
                _num(y + 16),
                total_text,
            )
        )
        group = mark_safe("".join(parts))  # noqa: S308  every part comes from format_html
        if row.get("href"):
            body.append(format_html('<a class="bar-row" href="{}">{}</a>', row["href"], group))
        else:
            body.append(format_html('<g class="bar-row">{}</g>', group))
        desc_rows.append(f"{row['label']}：共{row['total']}（{'，'.join(pieces)}）")
    desc = "；".join(desc_rows) or empty
    return _svg("bars", width, height, title, desc, body)


def _nice_max(value: int) -> int:
    """A round axis maximum at or above `value`, even so that the middle line is a whole
    number (2, 4, 6, 8, 10, 12, 16, 20, 30, 40, 60, 80, 100 …)."""
    if value <= 10:
        return max(value + value % 2, 2)
    magnitude = 10 ** int(math.log10(value))
    for step in (1, 1.2, 1.6, 2, 3, 4, 6, 8, 10):
        if value <= step * magnitude:
            return int(step * magnitude)
    return 10 * magnitude


def line_chart(
    points: list[dict],
    *,
    series: list[Series],
    x_key: str,
    x_labels: list[str],
    title: str,
    width: int = 640,
    height: int = 250,
) -> SafeString:
    """Lines over equally spaced points (months), every point's value written next to it:
    the first series above its dot, the others below, so two equal values do not overlap."""
    left, right, top, bottom = 34, 18, 34, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    most = _nice_max(max([p[s.key] for p in points for s in series] + [0]))
    step = plot_w / max(len(points) - 1, 1)
    body = _legend(series, left, 16)
    for frac in (0, 0.5, 1):
        value = most * frac
        y = top + plot_h * (1 - frac)
        body.append(
            format_html(
                '<line class="grid" x1="{}" y1="{}" x2="{}" y2="{}"/>'
                '<text class="axis-label" x="{}" y="{}" text-anchor="end">{}</text>',
                left,
                _num(y),
                width - right,
                _num(y),
                left - 6,
                _num(y + 4),
                _fmt(value),
            )
        )
    for i, label in enumerate(x_labels):
        x = left + i * step
        lines = label.split("\n")
        tspans = "".join(
            format_html('<tspan x="{}" dy="{}">{}</tspan>', _num(x), "0" if j == 0 else "13", t)
            for j, t in enumerate(lines)
        )
        body.append(
            format_html(
                '<text class="axis-label x-label" x="{}" y="{}" text-anchor="middle">{}</text>',
                _num(x),
                height - bottom + 16,
                mark_safe(tspans),  # noqa: S308  every tspan comes from format_html
            )
        )
    desc_parts = []
    for n, s in enumerate(series):
        coords = [
            (left + i * step, top + plot_h * (1 - p[s.key] / most)) for i, p in enumerate(points)
        ]
        body.append(
            format_html(
                '<polyline class="line {}" data-series="{}" points="{}"/>',
                s.css,
                s.key,
                " ".join(f"{_num(x)},{_num(y)}" for x, y in coords),
            )
        )
        for (x, y), p in zip(coords, points, strict=True):
            value = p[s.key]
            body.append(
                format_html(
                    '<circle class="dot {}" data-series="{}" data-value="{}" cx="{}" cy="{}" r="3.5">'
                    "<title>{} {}：{}</title></circle>",
                    s.css,
                    s.key,
                    value,
                    _num(x),
                    _num(y),
                    p[x_key],
                    s.label,
                    value,
                )
            )
            if value:  # a dot on the base line says 0; its number would only crowd the axis
                body.append(
                    format_html(
                        '<text class="point-value" data-series="{}" x="{}" y="{}" '
                        'text-anchor="middle">{}</text>',
                        s.key,
                        _num(x),
                        _num(y - 7 if n == 0 else y + 15),
                        value,
                    )
                )
        desc_parts.append(f"{s.label}：" + "，".join(f"{p[x_key]} {p[s.key]}" for p in points))
    return _svg("line", width, height, title, "；".join(desc_parts), body)


def donut(
    parts: list[tuple[Series, int]],
    *,
    title: str,
    center: str,
    center_label: str,
    width: int = 460,
    height: int = 190,
) -> SafeString:
    """A ring of parts (a stroke-dasharray per part) with a figure in the middle and a legend
    listing each part's number and share."""
    cx, cy, r, stroke = 92, 95, 66, 26
    circumference = 2 * math.pi * r
    total = sum(value for _s, value in parts)
    body = [
        format_html(
            '<circle class="ring" cx="{}" cy="{}" r="{}" stroke-width="{}"/>', cx, cy, r, stroke
        )
    ]
    offset = 0.0
    legend_y = 40
    desc = []
    for s, value in parts:
        share = value / total * 100 if total else 0
        if value:
            length = circumference * value / total
            body.append(
                format_html(
                    '<circle class="slice {}" data-series="{}" data-value="{}" cx="{}" cy="{}" '
                    'r="{}" stroke-width="{}" stroke-dasharray="{} {}" stroke-dashoffset="{}" '
                    'transform="rotate(-90 {} {})"><title>{}：{}（{}%）</title></circle>',
                    s.css,
                    s.key,
                    value,
                    cx,
                    cy,
                    r,
                    stroke,
                    _num(length),
                    _num(circumference - length),
                    _num(-offset),
                    cx,
                    cy,
                    s.label,
                    value,
                    _fmt(round(share, 1)),
                )
            )
            offset += length
        body.append(
            format_html(
                '<rect class="{}" x="200" y="{}" width="12" height="12" rx="2"/>'
                '<text class="legend" x="218" y="{}">{}</text>'
                '<text class="legend-value" data-series="{}" x="{}" y="{}" text-anchor="end">'
                "{}</text>"
                '<text class="legend-share" x="{}" y="{}" text-anchor="end">{}%</text>',
                s.css,
                legend_y - 10,
                legend_y,
                s.label,
                s.key,
                width - 58,
                legend_y,
                value,
                width - 6,
                legend_y,
                _fmt(round(share, 1)),
            )
        )
        legend_y += 30
        desc.append(f"{s.label}{value}")
    body.append(
        format_html(
            '<text class="donut-figure" x="{}" y="{}" text-anchor="middle">{}</text>'
            '<text class="donut-label" x="{}" y="{}" text-anchor="middle">{}</text>',
            cx,
            cy + 4,
            center,
            cx,
            cy + 24,
            center_label,
        )
    )
    return _svg("donut", width, height, title, f"{center_label}{center}；" + "，".join(desc), body)


__all__ = ["Series", "donut", "line_chart", "stacked_bars"]

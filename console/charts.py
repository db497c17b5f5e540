"""A stacked bar chart as inline SVG, drawn on the server: the console works offline and its
Content-Security-Policy allows no script or inline style (SVG presentation attributes are
neither)."""

from __future__ import annotations

from datetime import date

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

# colour-blind-safe (Okabe-Ito)
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
WIDTH, HEIGHT, BOTTOM, LEFT = 640, 180, 20, 36


def stacked_bars(days: list[date], series: dict[str, list[int]]) -> SafeString:
    """One bar a day, one colour a series, with a legend and the peak on the axis."""
    totals = [sum(values[n] for values in series.values()) for n in range(len(days))]
    peak = max(totals, default=0) or 1
    slot = (WIDTH - LEFT) / max(len(days), 1)
    scale = (HEIGHT - BOTTOM - 10) / peak
    rects = []
    for n, day in enumerate(days):
        base = HEIGHT - BOTTOM
        for colour, (name, values) in zip(COLOURS * 3, series.items(), strict=False):
            height = values[n] * scale
            if values[n]:
                base -= height
                rects.append((_at(LEFT + n * slot + 2), _at(base), _at(slot - 4),
                              _at(height), colour, f"{day:%Y-%m-%d} {name}: {values[n]}"))
    # (format_html escapes its arguments first: numbers go in as text)
    bars = format_html_join(
        "", '<rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
        "<title>{}</title></rect>", rects)
    labels = format_html_join(
        "", '<text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text>',
        ((_at(LEFT + n * slot + slot / 2), HEIGHT - 5, f"{day:%d.%m}")
         for n, day in enumerate(days) if n % 2 == len(days) % 2 or len(days) < 8))
    legend = format_html_join(
        "", '<span class="chart-key"><svg width="10" height="10" aria-hidden="true">'
        '<rect width="10" height="10" fill="{}"/></svg> {}</span> ',
        ((colour, name) for colour, name in zip(COLOURS * 3, series, strict=False)))
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" width="100%" role="img" aria-label="{}">'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#999"/>'
        '<text x="2" y="14" font-size="10">{}</text><text x="2" y="{}" font-size="10">0</text>'
        "{}{}</svg><div>{}</div>",
        WIDTH, HEIGHT, "changes a day by surface", LEFT, HEIGHT - BOTTOM, WIDTH,
        HEIGHT - BOTTOM, peak, HEIGHT - BOTTOM, bars, labels, legend)


def _at(value: float) -> str:
    return f"{value:.1f}"

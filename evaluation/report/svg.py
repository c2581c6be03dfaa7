"""Inline SVG bar charts for the HTML report: no script, no external file,
so the page stays self-contained and renders anywhere."""

from __future__ import annotations

import html


def bar_chart(title: str, bars: list[tuple[str, float, tuple[float, float] | None]], width: int = 560) -> str:
    """Horizontal bars of values in [0, 1], each optionally with an interval
    (low, high) drawn as a whisker. Labels are escaped."""
    row, left, right = 22, 190, 60
    height = row * len(bars) + 40
    scale = width - left - right
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}"><title>{html.escape(title)}</title>',
             f'<text x="0" y="14" class="ct">{html.escape(title)}</text>']
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = left + tick * scale
        parts.append(f'<line x1="{x:.1f}" y1="22" x2="{x:.1f}" y2="{height - 14}" stroke="#ddd"/>'
                     f'<text x="{x:.1f}" y="{height - 2}" text-anchor="middle" class="tk">{int(tick * 100)}</text>')
    for index, (label, value, interval) in enumerate(bars):
        y = 26 + index * row
        value = min(max(value, 0.0), 1.0)
        parts.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end" class="bl">{html.escape(label)}</text>'
                     f'<rect x="{left}" y="{y + 2}" width="{value * scale:.1f}" height="{row - 8}" fill="#4a7bd0">'
                     f'<title>{html.escape(label)}: {100 * value:.1f}</title></rect>'
                     f'<text x="{left + value * scale + 4:.1f}" y="{y + 13}" class="bv">{100 * value:.1f}</text>')
        if interval:
            low, high = (min(max(v, 0.0), 1.0) for v in interval)
            mid = y + 2 + (row - 8) / 2
            parts.append(f'<line x1="{left + low * scale:.1f}" y1="{mid}" x2="{left + high * scale:.1f}" y2="{mid}" stroke="#222"/>'
                         f'<line x1="{left + low * scale:.1f}" y1="{mid - 4}" x2="{left + low * scale:.1f}" y2="{mid + 4}" stroke="#222"/>'
                         f'<line x1="{left + high * scale:.1f}" y1="{mid - 4}" x2="{left + high * scale:.1f}" y2="{mid + 4}" stroke="#222"/>')
    parts.append("</svg>")
    return "".join(parts)

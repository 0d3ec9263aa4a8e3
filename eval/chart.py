"""Chart: the quality metrics as bars, with the accepted figure and the floor marked (SVG).

Written by hand rather than with matplotlib: it is a dozen rectangles, and matplotlib would
add a large dependency and a font cache to CI for one picture.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

__all__ = ["metrics_svg"]

ROW, LABEL, BAR = 26, 190, 360


def metrics_svg(metrics: Mapping[str, float], baseline: Mapping[str, Any], names: Sequence[str]) -> str:
    """Bars of `metrics[name]` in [0, 1]; a black tick at the accepted figure, a red one at the floor."""
    accepted = baseline.get("accepted", {})
    floors = baseline.get("floors", {})
    tolerance = float(baseline.get("tolerance", 0.0))
    height = ROW * (len(names) + 2)
    width = LABEL + BAR + 70
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="12" role="img" aria-label="eval metrics against the baseline">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        '<text x="8" y="16" font-weight="bold">footnote eval: value (bar), accepted (black), '
        "floor (red)</text>",
    ]
    for i, name in enumerate(names, start=1):
        y = ROW * i + 6
        value = float(metrics.get(name, 0.0))
        below = name in floors and value < float(floors[name])
        regressed = name in accepted and value < float(accepted[name]) - tolerance
        colour = "#cf222e" if below or regressed else "#2da44e"
        out.append(f'<text x="8" y="{y + 14}">{escape(name)}</text>')
        out.append(f'<rect x="{LABEL}" y="{y}" width="{BAR}" height="18" fill="#eaeef2"/>')
        out.append(f'<rect x="{LABEL}" y="{y}" width="{BAR * value:.1f}" height="18" fill="{colour}"/>')
        out.append(f'<text x="{LABEL + BAR + 6}" y="{y + 14}">{value:.3f}</text>')
        for mark, stroke in ((accepted.get(name), "black"), (floors.get(name), "#cf222e")):
            if mark is not None:
                x = LABEL + BAR * float(mark)
                out.append(
                    f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y - 3}" y2="{y + 21}" '
                    f'stroke="{stroke}" stroke-width="2"/>'
                )
    out.append("</svg>")
    return "\n".join(out) + "\n"

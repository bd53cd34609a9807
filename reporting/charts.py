"""Small server-side SVG charts: the same markup in the page and in the PDF report.

Each chart is an ``<svg role="img">`` labelled by its ``<title>`` and ``<desc>``; the page
puts an equivalent HTML table next to it for screen readers and for exact figures.
"""

from django.utils.html import escape
from django.utils.safestring import mark_safe

from passnum.core.money import format_number

#: The longest bar label shown whole (longer ones are cut with "…").
LABEL_CHARS = 32

PALETTE = ["#1d4e89", "#2a7f62", "#b35c00", "#7a3b8f", "#8a1c1c", "#3d5a80"]


def _svg(chart_id, title, desc, width, height, body):
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="100%" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
        f"{body}</svg>"
    )


def _describe(items):
    return " ; ".join(f"{label} : {format_number(value)}" for label, value in items)


def bar_chart(chart_id: str, title: str, items: list[tuple[str, int]], *, unit_format=None,
              color: str = PALETTE[0]) -> str:  # fmt: skip
    """Horizontal bars, one per (label, value)."""
    fmt = unit_format or format_number
    label_w, bar_w, row_h = 260, 360, 26
    width = label_w + bar_w + 110
    height = max(row_h * len(items) + 10, 40)
    top = max((v for _, v in items), default=0) or 1
    parts = []
    for i, (label, value) in enumerate(items):
        y = 5 + i * row_h
        w = round(bar_w * (value or 0) / top)
        # A label fits its 252 units (13-unit text: about 7.5 units a letter); cut, its whole
        # text is the label's tooltip (and in the chart's description and table).
        cut = label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
        tip = f"<title>{escape(label)}</title>" if cut != label else ""
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" font-size="13" '
            f'fill="#1f2328">{tip}{escape(cut)}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{w}" height="{row_h - 8}" fill="{color}"/>'
            f'<text x="{label_w + w + 6}" y="{y + 17}" font-size="13" fill="#1f2328">'
            f"{escape(fmt(value or 0))}</text>"
        )
    if not items:
        parts.append('<text x="10" y="25" font-size="13" fill="#1f2328">Aucune donnée</text>')
    desc = _describe(items) if items else "Aucune donnée."
    return _svg(chart_id, title, desc, width, height, "".join(parts))


def funnel_chart(chart_id: str, title: str, steps: list[tuple[str, int]]) -> str:
    """A funnel: each step a centred bar as wide as its share of the first step."""
    width, row_h, max_w = 860, 44, 460
    height = row_h * len(steps) + 10
    top = max((v for _, v in steps), default=0) or 1
    parts = []
    for i, (label, value) in enumerate(steps):
        y = 5 + i * row_h
        w = max(round(max_w * (value or 0) / top), 2)
        x = 10 + (max_w - w) / 2
        share = f" ({100 * (value or 0) / top:.0f} %)".replace(".", ",") if i else ""
        parts.append(
            f'<rect x="{x:.1f}" y="{y}" width="{w}" height="{row_h - 8}" '
            f'fill="{PALETTE[i % len(PALETTE)]}"/>'
            f'<text x="{max_w + 24}" y="{y + 23}" font-size="14" fill="#1f2328">'
            f"{escape(label)} : {escape(format_number(value or 0))}{escape(share)}</text>"
        )
    return _svg(chart_id, title, _describe(steps), width, height, "".join(parts))


def epci_tile_map(chart_id: str, title: str, tiles: list[dict]) -> str:
    """A schematic tile map: one square per EPCI, shaded by its redemption rate. Schematic:
    no geometry is shipped with the product, so tiles are placed on a grid, not on a map."""
    cols, size, gap = 5, 120, 8
    rows = (len(tiles) + cols - 1) // cols or 1
    width = cols * (size + gap) + gap
    height = rows * (size + gap) + gap + 24
    parts = [
        f'<text x="{gap}" y="16" font-size="12" fill="#1f2328">Carte schématique (les cases ne '
        "suivent pas la géographie). Teinte : taux d'utilisation.</text>"
    ]
    for i, tile in enumerate(tiles):
        x = gap + (i % cols) * (size + gap)
        y = 24 + gap + (i // cols) * (size + gap)
        rate = tile.get("rate") or 0
        shade = 235 - round(180 * min(rate, 1))
        fill = f"rgb({shade},{min(shade + 20, 255)},255)" if rate else "#f0f0ee"
        ink = "#ffffff" if shade < 140 else "#1f2328"
        name = (
            tile["name"]
            .replace("Communauté de communes", "CC")
            .replace("Communauté d'agglomération", "CA")
        )
        words, lines, line = name.split(), [], ""
        for word in words:
            if len(line) + len(word) > 15 and line:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        lines.append(line)
        texts = "".join(
            f'<text x="{x + 6}" y="{y + 18 + 14 * n}" font-size="11" fill="{ink}">'
            f"{escape(text)}</text>"
            for n, text in enumerate(lines[:4])
        )
        pct = f"{100 * rate:.0f} %" if tile.get("rate") is not None else "—"
        parts.append(
            f'<rect x="{x}" y="{y}" width="{size}" height="{size}" fill="{fill}" '
            f'stroke="#6b6b66"/>{texts}'
            f'<text x="{x + 6}" y="{y + size - 10}" font-size="16" font-weight="700" '
            f'fill="{ink}">{pct}</text>'
        )
    desc = " ; ".join(
        f"{t['name']} : {100 * t['rate']:.0f} %"
        if t.get("rate") is not None
        else f"{t['name']} : —"
        for t in tiles
    )
    return _svg(chart_id, title, desc or "Aucune donnée.", width, height, "".join(parts))

"""Draw the installable app's icons: one SVG and the PNGs Chromium asks for, from one drawing.

Run it after changing the drawing or the colours, and commit what it writes (the icons are
sources, kept in static/webapp/, not build output):

    .venv/bin/python scripts/make_app_icons.py

Pillow cannot read SVG, so the drawing is described once here, as shapes on a 512-unit square,
and both written as SVG and painted with Pillow. The maskable icon keeps the lantern inside the
middle 80% of the square (the "safe zone" a phone may crop to a circle) on a full-bleed
background.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "static" / "webapp"
BACKGROUND = "#005ea2"
LIGHT = "#ffffff"
GLOW = "#ffbe2e"
SIZE = 512

# A lantern: handle ring, cap, glass with a flame, base. (kind, box x0 y0 x1 y1, colour, extra)
SHAPES: list[tuple[str, tuple[int, int, int, int], str, int]] = [
    ("ring", (206, 64, 306, 164), LIGHT, 18),
    ("rect", (166, 140, 346, 184), LIGHT, 16),
    ("rect", (186, 184, 326, 384), LIGHT, 22),
    ("ellipse", (222, 226, 290, 346), GLOW, 0),
    ("rect", (150, 384, 362, 428), LIGHT, 16),
]


def _scaled(box: tuple[int, int, int, int], scale: float, offset: float) -> list[float]:
    return [offset + value * scale for value in box]


def draw_png(size: int, *, maskable: bool) -> Image.Image:
    image = Image.new("RGB", (size, size), BACKGROUND)
    # Drawn larger, then shrunk: smooth edges without an anti-aliasing library.
    big = size * 4
    canvas = Image.new("RGBA", (big, big), BACKGROUND if maskable else (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    if not maskable:
        draw.rounded_rectangle([0, 0, big - 1, big - 1], radius=big // 6, fill=BACKGROUND)
    scale, offset = _placement(big, maskable=maskable)
    for kind, box, colour, extra in SHAPES:
        points = _scaled(box, scale, offset)
        if kind == "ring":
            draw.ellipse(points, outline=colour, width=max(1, round(extra * scale)))
        elif kind == "rect":
            draw.rounded_rectangle(points, radius=round(extra * scale), fill=colour)
        else:
            draw.ellipse(points, fill=colour)
    small = canvas.resize((size, size), Image.Resampling.LANCZOS)
    if maskable:
        return small.convert("RGB")
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    image.alpha_composite(small)
    return image


def _placement(size: int, *, maskable: bool) -> tuple[float, float]:
    # The maskable icon's drawing fills 70% of the square, centred, well inside the safe zone.
    fraction = 0.7 if maskable else 1.0
    scale = size / SIZE * fraction
    return scale, (size - SIZE * scale) / 2


def svg() -> str:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}">',
        f'<rect width="{SIZE}" height="{SIZE}" rx="{SIZE // 6}" fill="{BACKGROUND}"/>',
    ]
    for kind, (x0, y0, x1, y1), colour, extra in SHAPES:
        cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
        if kind == "ring":
            parts.append(
                f'<ellipse cx="{cx}" cy="{cy}" rx="{rx - extra / 2}" ry="{ry - extra / 2}" '
                f'fill="none" stroke="{colour}" stroke-width="{extra}"/>'
            )
        elif kind == "rect":
            parts.append(
                f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" rx="{extra}" '
                f'fill="{colour}"/>'
            )
        else:
            parts.append(f'<ellipse cx="{cx}" cy="{cy}" rx="{rx}" ry="{ry}" fill="{colour}"/>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "icon.svg").write_text(svg())
    for size in (192, 512):
        draw_png(size, maskable=False).save(OUT / f"icon-{size}.png", optimize=True)
    draw_png(512, maskable=True).save(OUT / "icon-maskable-512.png", optimize=True)
    draw_png(180, maskable=True).save(OUT / "apple-touch-icon.png", optimize=True)


if __name__ == "__main__":
    main()

"""Draw the small PNGs that the shipped benchmark items show (`valuescope bench culture` and
`honesty`), so that they can be regenerated instead of trusted as binary blobs.

Run: `python scripts/make_bench_images.py` (needs Pillow). Writes
src/valuescope/instruments/bench/data/images/*.png; each is a few hundred bytes, drawn from
plain shapes (no photographs, no fonts), so that the files are ours and the same on every
machine. The flags are simplified (no emblems), which is all the questions need.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "src/valuescope/instruments/bench/data/images"
W, H = 240, 160
RED, WHITE, GREEN = (206, 17, 38), (255, 255, 255), (0, 146, 70)
BLUE, BLACK, GOLD = (0, 85, 164), (0, 0, 0), (255, 206, 0)


def vertical(colours: list[tuple[int, int, int]]) -> Image.Image:
    """A flag of equal vertical stripes, left to right."""
    image = Image.new("RGB", (W, H))
    draw = ImageDraw.Draw(image)
    width = W // len(colours)
    for i, colour in enumerate(colours):
        draw.rectangle([i * width, 0, (i + 1) * width - 1, H - 1], fill=colour)
    return image


def horizontal(colours: list[tuple[int, int, int]]) -> Image.Image:
    """A flag of equal horizontal stripes, top to bottom."""
    image = Image.new("RGB", (W, H))
    draw = ImageDraw.Draw(image)
    height = H // len(colours)
    for i, colour in enumerate(colours):
        bottom = H - 1 if i == len(colours) - 1 else (i + 1) * height - 1
        draw.rectangle([0, i * height, W - 1, bottom], fill=colour)
    return image


def disc() -> Image.Image:
    """A red disc in the middle of a white field."""
    image = Image.new("RGB", (W, H), WHITE)
    r = int(H * 0.3)
    ImageDraw.Draw(image).ellipse([W // 2 - r, H // 2 - r, W // 2 + r, H // 2 + r], fill=RED)
    return image


def nordic_cross() -> Image.Image:
    """A white cross, its upright nearer the hoist, on a red field."""
    image = Image.new("RGB", (W, H), RED)
    draw = ImageDraw.Draw(image)
    bar = H // 7
    x = int(W * 0.37)
    draw.rectangle([x - bar // 2, 0, x + bar // 2, H - 1], fill=WHITE)
    draw.rectangle([0, H // 2 - bar // 2, W - 1, H // 2 + bar // 2], fill=WHITE)
    return image


def shapes() -> Image.Image:
    """Three shapes on white: a red circle, a blue square, a green triangle. No text."""
    image = Image.new("RGB", (W, H), WHITE)
    draw = ImageDraw.Draw(image)
    draw.ellipse([15, 50, 75, 110], fill=RED)
    draw.rectangle([90, 50, 150, 110], fill=BLUE)
    draw.polygon([(165, 110), (225, 110), (195, 50)], fill=GREEN)
    return image


IMAGES = {
    "flag_disc.png": disc,
    "flag_green_white_red.png": lambda: vertical([GREEN, WHITE, RED]),
    "flag_black_red_gold.png": lambda: horizontal([BLACK, RED, GOLD]),
    "flag_blue_white_red.png": lambda: vertical([BLUE, WHITE, RED]),
    "flag_nordic_cross.png": nordic_cross,
    "shapes.png": shapes,
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, draw in IMAGES.items():
        path = OUT / name
        draw().save(path, format="PNG", optimize=True)
        print(f"{path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()

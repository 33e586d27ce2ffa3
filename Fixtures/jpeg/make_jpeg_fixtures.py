#!/usr/bin/env python3
"""Generates the JPEG fixtures of the decoder tests (run: python3 make_jpeg_fixtures.py).

Each case is a synthetic image encoded by Pillow (libjpeg) into NAME.jpg, with Pillow's own decoded
pixels beside it in NAME.ppm (RGB) or NAME.pgm (grayscale), the netpbm binary formats (a text header
"P6\\n<w> <h>\\n255\\n" then raw samples). Tests decode NAME.jpg and compare against the reference.
Progressive fixtures are in progressive/, made by progressive/make_progressive_fixtures.py.
"""
import io
import os

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
SUBSAMPLING = {"444": 0, "422": 1, "420": 2}


def synthetic(width, height, seed, gray=False):
    """Gradients, a disc, stripes, sharp colour edges and a little noise: every DCT frequency is used."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    w, h = max(width - 1, 1), max(height - 1, 1)
    r = 255 * x / w
    g = 255 * y / h
    b = 128 + 100 * np.sin(x / 3.0) * np.cos(y / 5.0)
    disc = (x - 0.6 * width) ** 2 + (y - 0.4 * height) ** 2 < (0.25 * min(width, height)) ** 2
    r = np.where(disc, 250, r)
    g = np.where(disc, 30, g)
    b = np.where(disc, 40, b)
    stripes = ((x // 4) % 2 == 0) & (y > 0.7 * height)
    b = np.where(stripes, 255, b)
    image = np.stack([r, g, b], axis=-1) + rng.normal(0, 6, (height, width, 3))
    image = np.clip(np.rint(image), 0, 255).astype(np.uint8)
    pil = Image.fromarray(image, "RGB")
    return pil.convert("L") if gray else pil


def write_case(name, image, **options):
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **options)
    data = buffer.getvalue()
    with open(os.path.join(HERE, name + ".jpg"), "wb") as f:
        f.write(data)
    decoded = Image.open(io.BytesIO(data))
    decoded.load()
    if decoded.mode == "L":
        header, ext = b"P5", ".pgm"
    else:
        decoded = decoded.convert("RGB")
        header, ext = b"P6", ".ppm"
    with open(os.path.join(HERE, name + ext), "wb") as f:
        f.write(header + b"\n%d %d\n255\n" % decoded.size + decoded.tobytes())


def write_resized(name, size):
    """NAME_cropS.ppm: torchvision's Resize(S) (shorter side to S, BILINEAR with antialias) + CenterCrop(S)."""
    image = Image.open(os.path.join(HERE, name + ".jpg")).convert("RGB")
    width, height = image.size
    if width <= height:
        new_size = (size, int(size * height / width))
    else:
        new_size = (int(size * width / height), size)
    resized = image.resize(new_size, Image.BILINEAR)
    left = int(round((new_size[0] - size) / 2.0))
    top = int(round((new_size[1] - size) / 2.0))
    cropped = resized.crop((left, top, left + size, top + size))
    with open(os.path.join(HERE, f"{name}_crop{size}.ppm"), "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % cropped.size + cropped.tobytes())


def main():
    for old in os.listdir(HERE):
        if old.endswith((".jpg", ".ppm", ".pgm")):
            os.remove(os.path.join(HERE, old))
    seed = 0
    # Every subsampling at several qualities, odd size (partial MCUs on both edges).
    for quality in (25, 50, 75, 95, 100):
        for key, sub in SUBSAMPLING.items():
            seed += 1
            write_case(f"q{quality}_{key}_35x29", synthetic(35, 29, seed), quality=quality, subsampling=sub)
    # Restart intervals: every MCU, every 3 MCUs, every MCU row.
    for key, sub in SUBSAMPLING.items():
        seed += 1
        write_case(f"restart1_{key}_61x45", synthetic(61, 45, seed), quality=80, subsampling=sub,
                   restart_marker_blocks=1)
    write_case("restart3_420_61x45", synthetic(61, 45, 90), quality=80, subsampling=2, restart_marker_blocks=3)
    write_case("restartrow_422_61x45", synthetic(61, 45, 91), quality=80, subsampling=1, restart_marker_rows=1)
    # Grayscale.
    write_case("gray_q75_17x9", synthetic(17, 9, 92, gray=True), quality=75)
    write_case("gray_q90_64x48", synthetic(64, 48, 93, gray=True), quality=90)
    write_case("gray_restart_33x21", synthetic(33, 21, 94, gray=True), quality=60, restart_marker_blocks=2)
    # Odd sizes, including ones too narrow for fancy upsampling (chroma width <= 2).
    for (w, h) in ((1, 1), (2, 2), (3, 5), (4, 3), (17, 9), (9, 17)):
        seed += 1
        write_case(f"q75_420_{w}x{h}", synthetic(w, h, seed), quality=75, subsampling=2)
    write_case("gray_1x1", synthetic(1, 1, 95, gray=True), quality=75)
    write_case("q75_422_17x9", synthetic(17, 9, 96), quality=75, subsampling=1)
    # CelebA-like: 178x218, 4:2:0, quality 75; plus optimized Huffman tables, an EXIF block and a comment.
    write_case("celeba_like_420_178x218", synthetic(178, 218, 97), quality=75, subsampling=2)
    write_case("optimized_exif_comment_444_50x40", synthetic(50, 40, 98), quality=85, subsampling=0,
               optimize=True, exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x00", comment="Latent fixture")
    # Resize(S) + CenterCrop(S) references, computed as torchvision does on PIL images.
    for name, size in (("celeba_like_420_178x218", 64), ("celeba_like_420_178x218", 32), ("q75_444_35x29", 16),
                       ("q75_420_9x17", 12), ("gray_q90_64x48", 20)):
        write_resized(name, size)
    # Progressive files: progressive/make_progressive_fixtures.py.
    total = sum(os.path.getsize(os.path.join(HERE, f)) for f in os.listdir(HERE))
    print(f"wrote {len(os.listdir(HERE)) - 1} files, {total} bytes in {HERE}")


if __name__ == "__main__":
    main()

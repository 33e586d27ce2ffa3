"""Writes the PNG fixtures used by LatentDataTests (run: python3 make_png_fixtures.py; needs Pillow).

For each image: <name>.png encoded by Pillow (adaptive filtering, so every PNG row filter type shows
up) and <name>.raw, the pixels Pillow decodes from it, row-major, channels interleaved.
The test decodes each .png with our reader and compares with the .raw.
"""
import os
import random

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def pattern(width, height, channels, seed):
    """Gradients, a few flat areas and some noise: rows where different PNG filters win."""
    rng = random.Random(seed)
    data = bytearray()
    for y in range(height):
        for x in range(width):
            for c in range(channels):
                if y < height // 3:
                    v = (x * 255 // max(1, width - 1) + 40 * c) % 256   # horizontal gradient (Sub)
                elif y < 2 * height // 3:
                    v = (y * 9 + c * 70) % 256 if x % 8 < 4 else 200   # vertical structure (Up, Average)
                else:
                    v = rng.randrange(256)                             # noise (Paeth or None)
                data.append(v)
    return bytes(data)


def write(name, mode, width, height, seed):
    channels = len(mode)
    image = Image.frombytes(mode, (width, height), pattern(width, height, channels, seed))
    path = os.path.join(HERE, name + ".png")
    image.save(path, optimize=False)
    with open(os.path.join(HERE, name + ".raw"), "wb") as f:
        f.write(Image.open(path).tobytes())


write("gray-13x7", "L", 13, 7, 1)
write("rgb-9x5", "RGB", 9, 5, 2)
write("gray-64x48", "L", 64, 48, 3)
write("rgb-40x30", "RGB", 40, 30, 4)

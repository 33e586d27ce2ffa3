#!/usr/bin/env python3
"""Decodes JPEG files with Pillow (libjpeg) into netpbm references, for comparing our decoder on real data.

Usage: python3 decode_with_pillow.py OUT_DIR FILE.jpg [FILE.jpg ...]
Writes OUT_DIR/<stem>.ppm (RGB) or .pgm (grayscale). Real data is never copied into the repository:
tests call this into a temporary folder.
"""
import os
import sys

from PIL import Image


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for path in sys.argv[2:]:
        image = Image.open(path)
        image.load()
        stem = os.path.splitext(os.path.basename(path))[0]
        if image.mode == "L":
            header, ext = b"P5", ".pgm"
        else:
            image = image.convert("RGB")
            header, ext = b"P6", ".ppm"
        with open(os.path.join(out, stem + ext), "wb") as f:
            f.write(header + b"\n%d %d\n255\n" % image.size + image.tobytes())


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Decodes JPEG files with Pillow (libjpeg) into netpbm references, for comparing our decoder on real data.

Usage: python3 decode_with_pillow.py [--crop S] OUT_DIR FILE.jpg [FILE.jpg ...]
Writes OUT_DIR/<stem>.ppm (RGB) or .pgm (grayscale). With --crop S, writes instead the RGB result of
torchvision's Resize(S) + CenterCrop(S) as computed on PIL images (shorter side to S with BILINEAR
antialiasing, the longer to int(S * long / short), then the centered S×S square). Real data is never copied into the repository:
tests call this into a temporary folder.
"""
import os
import sys

from PIL import Image


def resize_center_crop(image, size):
    image = image.convert("RGB")
    width, height = image.size
    if width <= height:
        new_size = (size, int(size * height / width))
    else:
        new_size = (int(size * width / height), size)
    resized = image.resize(new_size, Image.BILINEAR)
    left = int(round((new_size[0] - size) / 2.0))
    top = int(round((new_size[1] - size) / 2.0))
    return resized.crop((left, top, left + size, top + size))


def main():
    args = sys.argv[1:]
    crop = None
    if args[:1] == ["--crop"]:
        crop = int(args[1])
        args = args[2:]
    if len(args) < 2:
        sys.exit(__doc__)
    out = args[0]
    os.makedirs(out, exist_ok=True)
    for path in args[1:]:
        image = Image.open(path)
        image.load()
        if crop is not None:
            image = resize_center_crop(image, crop)
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

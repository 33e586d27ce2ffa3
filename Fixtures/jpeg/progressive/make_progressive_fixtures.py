#!/usr/bin/env python3
"""Generates the progressive JPEG fixtures (run: python3 make_progressive_fixtures.py; needs Pillow, numpy
and, for the scan-script cases, cjpeg/jpegtran from libjpeg-turbo-progs).

Each case NAME.jpg is a progressive file, with Pillow's decoded pixels beside it in NAME.ppm (RGB) or
NAME.pgm (grayscale); the tests require our decoder to give the same bytes. The images are the synthetic
ones of ../make_jpeg_fixtures.py (gradients, a disc, stripes, noise), encoded by:
- Pillow `save(..., progressive=True)` (libjpeg's standard progression: DC with Al=1, AC bands 1-5 and
  6-63 first with Al=2/1, then refinements; interleaved DC scans);
- `cjpeg -scans SCRIPT` with the scan scripts below (spectral selection only, deep successive
  approximation, non-interleaved DC, restart intervals, grayscale);
- `jpegtran -progressive`, the lossless conversion of a baseline fixture.
partial_*.jpg are progressive files cut after a few scans and closed with EOI: libjpeg decodes them with
its block smoothing (estimated low AC coefficients), which the decoder must reproduce.
unsupported_*.jpg have no reference: the decoder must refuse them (arithmetic-coded progressive).
"""
import io
import os
import subprocess
import sys
import tempfile

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from make_jpeg_fixtures import synthetic  # noqa: E402

# Scan scripts in cjpeg's format: "components: Ss-Se, Ah, Al;".
SCRIPTS = {
    # Spectral selection only: every band sent once at full precision (Ah = Al = 0).
    "spectral": """
        0 1 2: 0-0, 0, 0;
        0: 1-2, 0, 0;  0: 3-9, 0, 0;  0: 10-63, 0, 0;
        1: 1-63, 0, 0;
        2: 1-7, 0, 0;  2: 8-63, 0, 0;
    """,
    # Successive approximation: DC refined twice (interleaved), AC bands first with Al up to 3, then
    # refined bit by bit down to Al = 0.
    "approximation": """
        0 1 2: 0-0, 0, 2;
        0: 1-5, 0, 3;  1: 1-63, 0, 2;  2: 1-63, 0, 1;  0: 6-63, 0, 2;
        0 1 2: 0-0, 2, 1;
        0: 1-5, 3, 2;  0: 1-63, 2, 1;  1: 1-63, 2, 1;
        0 1 2: 0-0, 1, 0;
        2: 1-63, 1, 0;  1: 1-63, 1, 0;  0: 1-63, 1, 0;
    """,
    # DC scans one component at a time (non-interleaved), first and refinement.
    "noninterleaved_dc": """
        0: 0-0, 0, 1;  1: 0-0, 0, 1;  2: 0-0, 0, 1;
        0: 1-63, 0, 1;  1: 1-63, 0, 0;  2: 1-63, 0, 0;
        2: 0-0, 1, 0;  0: 0-0, 1, 0;  1: 0-0, 1, 0;
        0: 1-63, 1, 0;
    """,
    # Grayscale: successive approximation on a single component.
    "gray_approximation": """
        0: 0-0, 0, 1;
        0: 1-5, 0, 2;  0: 6-63, 0, 2;
        0: 1-63, 2, 1;
        0: 0-0, 1, 0;
        0: 1-63, 1, 0;
    """,
}


def write_reference(name, data):
    decoded = Image.open(io.BytesIO(data))
    decoded.load()
    if decoded.mode == "L":
        header, ext = b"P5", ".pgm"
    else:
        decoded = decoded.convert("RGB")
        header, ext = b"P6", ".ppm"
    with open(os.path.join(HERE, name + ext), "wb") as f:
        f.write(header + b"\n%d %d\n255\n" % decoded.size + decoded.tobytes())


def write_case(name, data, reference=True):
    assert data[:2] == b"\xff\xd8"
    with open(os.path.join(HERE, name + ".jpg"), "wb") as f:
        f.write(data)
    if reference:
        write_reference(name, data)


def pillow_case(name, image, **options):
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", progressive=True, **options)
    write_case(name, buffer.getvalue())


def scan_offsets(data):
    """Offsets of the SOS markers of a JPEG file."""
    offsets, i = [], 2
    while i + 3 < len(data):
        marker, length = data[i + 1], data[i + 2] << 8 | data[i + 3]
        if marker == 0xD9:
            break
        if marker == 0xDA:
            offsets.append(i)
            i += 2 + length
            while i + 1 < len(data) and not (data[i] == 0xFF and data[i + 1] != 0 and not 0xD0 <= data[i + 1] <= 0xD7):
                i += 1
        else:
            i += 2 + length
    return offsets


def partial_case(name, data, scans):
    """The first `scans` scans of `data`, then EOI."""
    write_case(f"partial_{name}_scans{scans}", data[:scan_offsets(data)[scans]] + b"\xff\xd9")


def cjpeg(image, *arguments, script=None):
    """Encodes `image` with cjpeg (input written as PPM/PGM), returning the file's bytes."""
    with tempfile.TemporaryDirectory() as folder:
        source = os.path.join(folder, "in.pnm")
        image.save(source)
        command = ["cjpeg", *arguments]
        if script is not None:
            path = os.path.join(folder, "scans.txt")
            with open(path, "w") as f:
                f.write(SCRIPTS[script])
            command += ["-scans", path]
        return subprocess.run(command + [source], check=True, capture_output=True).stdout


def main():
    for old in os.listdir(HERE):
        if old.endswith((".jpg", ".ppm", ".pgm")):
            os.remove(os.path.join(HERE, old))
    # Pillow's standard progression (4:2:0 default, 4:4:4, 4:2:2, grayscale), odd sizes.
    pillow_case("pillow_420_35x29", synthetic(35, 29, 201), quality=75)
    pillow_case("pillow_444_17x13", synthetic(17, 13, 202), quality=90, subsampling=0)
    pillow_case("pillow_422_33x21", synthetic(33, 21, 203), quality=60, subsampling=1)
    pillow_case("pillow_gray_17x13", synthetic(17, 13, 204, gray=True), quality=80)
    pillow_case("pillow_420_1x1", synthetic(1, 1, 205), quality=75)
    # Restart intervals: EOB runs and DC predictors reset at each marker, in every scan.
    pillow_case("pillow_restart2_420_61x45", synthetic(61, 45, 206), quality=80, restart_marker_blocks=2)
    pillow_case("pillow_restartrow_gray_33x21", synthetic(33, 21, 207, gray=True), quality=70,
                restart_marker_rows=1)
    # Custom scan scripts through cjpeg.
    color = synthetic(35, 29, 208)
    write_case("cjpeg_spectral_444_35x29", cjpeg(color, "-quality", "85", "-sample", "1x1", script="spectral"))
    write_case("cjpeg_spectral_420_17x13", cjpeg(synthetic(17, 13, 209), "-quality", "75", "-sample", "2x2",
                                                 script="spectral"))
    write_case("cjpeg_approximation_420_35x29", cjpeg(color, "-quality", "90", "-sample", "2x2",
                                                      script="approximation"))
    write_case("cjpeg_approximation_444_17x13", cjpeg(synthetic(17, 13, 210), "-quality", "95", "-sample", "1x1",
                                                      script="approximation"))
    write_case("cjpeg_noninterleaved_dc_422_33x21", cjpeg(synthetic(33, 21, 211), "-quality", "80",
                                                          "-sample", "2x1", script="noninterleaved_dc"))
    write_case("cjpeg_approximation_gray_17x13", cjpeg(synthetic(17, 13, 212, gray=True), "-quality", "85",
                                                       "-grayscale", script="gray_approximation"))
    write_case("cjpeg_approximation_restart3_420_61x45", cjpeg(synthetic(61, 45, 213), "-quality", "80",
                                                               "-sample", "2x2", "-restart", "3B",
                                                               script="approximation"))
    write_case("cjpeg_progressive_restartrow_444_35x29", cjpeg(synthetic(35, 29, 214), "-quality", "70",
                                                               "-sample", "1x1", "-progressive", "-restart", "1"))
    # jpegtran: a baseline fixture converted losslessly (same coefficients, progressive scans).
    with open(os.path.join(os.path.dirname(HERE), "q75_420_17x9.jpg"), "rb") as f:
        baseline = f.read()
    converted = subprocess.run(["jpegtran", "-progressive"], input=baseline, check=True, capture_output=True).stdout
    write_case("jpegtran_q75_420_17x9", converted)
    # Cut short after a few scans, then EOI: libjpeg's block smoothing. 41x37 at 4:2:0: 5 rows of luma
    # blocks in 3 MCU rows (the last one half empty). Pillow's scans: DC (Al 1); Y AC 1-5 (Al 2); Cr, Cb
    # AC 1-63 (Al 1); Y AC 6-63 (Al 2); Y AC 1-63 (2 -> 1); DC (1 -> 0); Cr, Cb AC (1 -> 0); Y AC (1 -> 0).
    buffer = io.BytesIO()
    synthetic(41, 37, 216).save(buffer, "JPEG", progressive=True, quality=75)
    for scans in (1, 2, 4, 5, 8):
        partial_case("pillow_420_41x37", buffer.getvalue(), scans)
    # 23x20: 3 rows of luma blocks in 2 MCU rows, where libjpeg's edge test in the last MCU row takes
    # the third block row for the second (it counts rows with that MCU row's height).
    buffer = io.BytesIO()
    synthetic(23, 20, 217).save(buffer, "JPEG", progressive=True, quality=80)
    for scans in (1, 4):
        partial_case("pillow_420_23x20", buffer.getvalue(), scans)
    with open(os.path.join(HERE, "cjpeg_approximation_gray_17x13.jpg"), "rb") as f:
        gray = f.read()
    for scans in (1, 3):
        partial_case("cjpeg_approximation_gray_17x13", gray, scans)
    # Arithmetic-coded progressive (SOF10): refused as unsupported.
    write_case("unsupported_arithmetic_progressive",
               cjpeg(synthetic(16, 8, 215), "-quality", "75", "-progressive", "-arithmetic"), reference=False)
    total = sum(os.path.getsize(os.path.join(HERE, f)) for f in os.listdir(HERE))
    print(f"wrote {len(os.listdir(HERE)) - 1} files, {total} bytes in {HERE}")


if __name__ == "__main__":
    main()

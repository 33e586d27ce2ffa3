#!/usr/bin/env python3
"""Compares Latent's JPEG decoder with Pillow, byte for byte, on real files of this machine.

Usage (from the package root): python3 Fixtures/jpeg/progressive/compare_real_files.py [--faces N] [--keep DIR]

1. Finds every *.jpg / *.jpeg on the root file system (`find / -xdev`), leaving out the CelebA image folder
   (20k baseline faces, compared by the CelebA tests), the repository's own fixtures and fuzz seeds (any
   .../Fixtures/jpeg/... or .../Fuzz/corpus/... path), this script's work folders and Fuzz/run.sh's
   temporary corpora, and sorts them by frame type: baseline (SOF0/SOF1),
   progressive (SOF2), and others our decoder refuses (arithmetic, lossless, ...), which are only counted.
2. Makes progressive copies of N shared CelebA faces (default 200): `jpegtran -progressive` (lossless:
   the same coefficients in progressive scans) when jpegtran is installed, and Pillow
   `save(progressive=True, quality=90)` (a new encoding, 4:2:0).
3. Decodes everything with Pillow into netpbm references in a temporary folder, lists the pairs, and runs
   the opt-in test `listedFilesMatchPillow` (`swift test --filter listedFilesMatchPillow`, with
   LATENT_JPEG_COMPARE naming the list), which decodes each file with Latent and compares every byte.
4. Prints the counts per group: files, bit-exact, differing, refused by Latent.
Exit status 0 when every listed file is bit-exact.
"""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
CELEBA = [os.environ.get("LATENT_DATA", "") + "/celeba/img_align_celeba",
          os.path.join(os.path.dirname(ROOT), "shared/data/celeba/img_align_celeba")]


def frame_type(path):
    """The SOF marker of a JPEG file (0xC0...0xCF), or None when it is not a readable JPEG."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    if data[:2] != b"\xff\xd8":
        return None
    i = 2
    while i + 3 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return marker
        if marker == 0xDA:
            return None
        i += 2 + (data[i + 2] << 8 | data[i + 3])
    return None


def machine_files():
    found = subprocess.run(["find", "/", "-xdev", "(", "-iname", "*.jpg", "-o", "-iname", "*.jpeg", ")", "-type", "f"],
                           capture_output=True, text=True).stdout.split("\n")
    # The script's own copies (its work folders, kept with --keep or left by an interrupted run) and a
    # running Fuzz/run.sh's temporary corpus too.
    skip = ("img_align_celeba", "/Fixtures/jpeg/", "/Fuzz/corpus/", "/proc/", "latent-jpeg-compare", "/latent-fuzz.")
    return sorted(p for p in found if p and not any(s in p for s in skip))


def reference(path, out_folder, stem):
    """Pillow's pixels of `path` as OUT/stem.ppm or .pgm; None when Pillow's mode is neither L nor RGB."""
    image = Image.open(path)
    image.load()
    if image.mode == "L":
        header, ext = b"P5", ".pgm"
    elif image.mode == "RGB":
        header, ext = b"P6", ".ppm"
    else:
        return None
    target = os.path.join(out_folder, stem + ext)
    with open(target, "wb") as f:
        f.write(header + b"\n%d %d\n255\n" % image.size + image.tobytes())
    return target


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--faces", type=int, default=200, help="CelebA faces to copy as progressive files")
    parser.add_argument("--keep", help="write the copies and references here (default: a temporary folder); "
                        "its name must contain latent-jpeg-compare to be left out of the search")
    args = parser.parse_args()
    work = args.keep or tempfile.mkdtemp(prefix="latent-jpeg-compare-")
    os.makedirs(work, exist_ok=True)

    groups = {}  # group name -> list of jpeg paths
    others = {}
    for path in machine_files():
        kind = frame_type(path)
        if kind in (0xC0, 0xC1):
            groups.setdefault("machine baseline", []).append(path)
        elif kind == 0xC2:
            groups.setdefault("machine progressive", []).append(path)
        elif kind is not None:
            others[path] = kind

    faces_folder = next((c for c in CELEBA if os.path.isdir(c)), None)
    if faces_folder and args.faces > 0:
        names = sorted(n for n in os.listdir(faces_folder) if n.endswith(".jpg"))
        step = max(1, len(names) // args.faces)
        chosen = names[::step][:args.faces]
        copies = os.path.join(work, "faces")
        os.makedirs(copies, exist_ok=True)
        for name in chosen:
            source = os.path.join(faces_folder, name)
            stem = name[:-4]
            if shutil.which("jpegtran"):
                target = os.path.join(copies, stem + "_jpegtran.jpg")
                subprocess.run(["jpegtran", "-progressive", "-outfile", target, source], check=True)
                groups.setdefault("CelebA jpegtran -progressive", []).append(target)
            target = os.path.join(copies, stem + "_pillow_q90.jpg")
            Image.open(source).save(target, "JPEG", progressive=True, quality=90)
            groups.setdefault("CelebA Pillow progressive q90", []).append(target)

    refs = os.path.join(work, "references")
    os.makedirs(refs, exist_ok=True)
    listing = os.path.join(work, "list.tsv")
    skipped = []
    with open(listing, "w") as f:
        for group, paths in groups.items():
            for path in paths:
                stem = hashlib.sha1(path.encode()).hexdigest()[:16]
                try:
                    target = reference(path, refs, stem)
                except Exception as error:  # Pillow cannot read it either
                    skipped.append((path, f"Pillow: {error}"))
                    continue
                if target is None:
                    skipped.append((path, "Pillow mode is neither L nor RGB"))
                    continue
                f.write(f"{group}\t{path}\t{target}\n")

    results = listing + ".results"
    if os.path.exists(results):
        os.remove(results)
    env = dict(os.environ, LATENT_JPEG_COMPARE=listing)
    run = subprocess.run(["swift", "test", "--filter", "listedFilesMatchPillow"], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    if not os.path.exists(results):
        print(run.stdout[-4000:], run.stderr[-4000:], sep="\n")
        sys.exit("the Swift comparison did not run")

    summary = {}
    with open(results) as f:
        for line in f:
            group, path, status, detail = line.rstrip("\n").split("\t")
            counts = summary.setdefault(group, {"files": 0, "bit-exact": 0, "differ": 0, "refused": 0})
            counts["files"] += 1
            counts[status] += 1
            if status != "bit-exact":
                print(f"{status}: {path}: {detail}")
    for group, counts in summary.items():
        distinct = len({hashlib.sha1(open(p, "rb").read()).hexdigest() for p in groups[group]})
        print(f"{group}: {counts['files']} files ({distinct} distinct), {counts['bit-exact']} bit-exact, "
              f"{counts['differ']} differ, {counts['refused']} refused by Latent")
    for path, reason in skipped:
        print(f"not compared ({reason}): {path}")
    for path, kind in sorted(others.items()):
        print(f"not compared (SOF 0x{kind:02X}, refused by design): {path}")
    print(f"work folder: {work}")
    sys.exit(0 if all(c["files"] == c["bit-exact"] for c in summary.values()) else 1)


if __name__ == "__main__":
    main()

"""Pillow peer of `latent-bench jpeg`: decode CelebA JPEGs held in memory (libjpeg-turbo via Pillow).

Prints one line per measurement in latent-bench's format, e.g. `jpeg mode=decode threads=1 1700.0 images/s`.
mode=decode is Image.open + load (YCbCr -> RGB, libjpeg's defaults); mode=crop<S> adds torchvision's
Resize(S) + CenterCrop(S) as computed on PIL images (BILINEAR with antialiasing, then a crop). Threads
share the images in contiguous chunks (Pillow releases the GIL while decoding and resizing). The best of
--repetitions passes counts, after one warm-up pass.

    python3 Benchmarks/pytorch/bench_jpeg.py --data ../shared/data/celeba --count 2000 --threads 1,2
"""
import argparse
import zipfile
import io
import os
import time
from concurrent.futures import ThreadPoolExecutor

from PIL import Image


def find_images(data):
    candidates = []
    if data:
        candidates.append(data)
    if os.environ.get("LATENT_DATA"):
        candidates += [os.path.join(os.environ["LATENT_DATA"], "celeba"), os.environ["LATENT_DATA"]]
    candidates.append(os.path.join(os.path.expanduser("~"), ".cache", "latent", "celeba"))
    for folder in candidates:
        if folder.lower().endswith(".zip") and os.path.isfile(folder):
            return folder
        if os.path.basename(folder.rstrip("/")) == "img_align_celeba" and os.path.isdir(folder):
            return folder
        if os.path.isdir(os.path.join(folder, "img_align_celeba")):
            return os.path.join(folder, "img_align_celeba")
    raise SystemExit(f"img_align_celeba not found in {candidates} (pass --data)")


def decode(data, size):
    image = Image.open(io.BytesIO(data))
    image.load()
    if size is None:
        return image
    width, height = image.size
    if width <= height:
        new_size = (size, int(size * height / width))
    else:
        new_size = (int(size * width / height), size)
    resized = image.resize(new_size, Image.BILINEAR)
    left = int(round((new_size[0] - size) / 2.0))
    top = int(round((new_size[1] - size) / 2.0))
    return resized.crop((left, top, left + size, top + size))


def run_pass(files, threads, size):
    def work(chunk):
        for data in chunk:
            decode(data, size)

    chunks = [files[len(files) * i // threads:len(files) * (i + 1) // threads] for i in range(threads)]
    start = time.perf_counter()
    if threads == 1:
        work(files)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(work, chunks))
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--modes", default=None, help="comma-separated: decode,crop<S> (default both)")
    parser.add_argument("--repetitions", type=int, default=3)
    args = parser.parse_args()
    folder = find_images(args.data)
    if folder.lower().endswith(".zip"):   # img_align_celeba.zip: its .jpg members, by name
        with zipfile.ZipFile(folder) as archive:
            names = sorted((n for n in archive.namelist() if n.lower().endswith(".jpg")), key=os.path.basename)
            files = [archive.read(n) for n in (names[:args.count] if args.count > 0 else names)]
    else:
        names = sorted(n for n in os.listdir(folder) if n.lower().endswith(".jpg"))
        if args.count > 0:
            names = names[:args.count]
        files = []
        for name in names:
            with open(os.path.join(folder, name), "rb") as f:
                files.append(f.read())
    modes = args.modes.split(",") if args.modes else ["decode", f"crop{args.size}"]
    for mode in modes:
        size = None if mode == "decode" else int(mode[4:])
        for threads in [int(t) for t in args.threads.split(",")]:
            best = min(run_pass(files, threads, size) for _ in range(args.repetitions + 1))
            print(f"jpeg mode={mode} threads={threads} {len(files) / best:.1f} images/s", flush=True)


if __name__ == "__main__":
    main()

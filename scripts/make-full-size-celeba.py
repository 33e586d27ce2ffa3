"""Builds a full-size CelebA stand-in, so the loader and the chapters meet the real count of faces.

The shared data folder holds 10,205 of CelebA's 202,599 aligned faces, under their real names, and the
full attribute and partition lists. This script writes FOLDER/img_align_celeba.zip with all 202,599
members `img_align_celeba/000001.jpg` … `202599.jpg`, as CelebA's own zip has them: a name the shared
folder holds gets its real bytes; every other name gets the bytes of a shared face, chosen in turn
(name k reuses the (k mod 10,205)-th shared face). Members are stored, not deflated (JPEG does not
compress further), and the archive is ZIP64 (more than 65,535 members), as the real one is. The two
lists are linked beside it, so `--data FOLDER` finds a complete CelebA layout.

The pixels repeat, so this measures time and memory, never quality: no model trained on it says
anything about faces it has not seen.

    python3 scripts/make-full-size-celeba.py ../shared/data/celeba runs/celeba-full
    .build/release/vae --dataset celeba --data runs/celeba-full --epochs 1   # the cache, then one epoch
"""
import os
import sys
import time
import zipfile

COUNT = 202_599


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: make-full-size-celeba.py SHARED_CELEBA_FOLDER OUTPUT_FOLDER")
    source, output = sys.argv[1], sys.argv[2]
    images = os.path.join(source, "img_align_celeba")
    if not os.path.isdir(images):
        sys.exit(f"no img_align_celeba/ folder in {source}")
    for name in ("list_eval_partition.txt", "list_attr_celeba.txt"):
        if not os.path.isfile(os.path.join(source, name)):
            sys.exit(f"no {name} in {source}")
    shared = sorted(name for name in os.listdir(images) if name.endswith(".jpg"))
    if not shared:
        sys.exit(f"no .jpg files in {images}")
    present = set(shared)
    os.makedirs(output, exist_ok=True)
    target = os.path.join(output, "img_align_celeba.zip")
    temporary = target + ".partial"
    start = time.time()
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for k in range(1, COUNT + 1):
            name = f"{k:06d}.jpg"
            file = name if name in present else shared[k % len(shared)]
            with open(os.path.join(images, file), "rb") as f:
                archive.writestr(f"img_align_celeba/{name}", f.read())
            if k % 20_000 == 0:
                print(f"{k:,} / {COUNT:,} members, {time.time() - start:.0f} s", flush=True)
    os.replace(temporary, target)  # a complete archive or none
    for name in ("list_eval_partition.txt", "list_attr_celeba.txt"):
        link = os.path.join(output, name)
        if os.path.lexists(link):
            os.remove(link)
        os.symlink(os.path.abspath(os.path.join(source, name)), link)
    size = os.path.getsize(target)
    print(f"wrote {target}: {COUNT:,} members ({len(present):,} real names, the rest reusing them), "
          f"{size / 1e9:.2f} GB, in {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()

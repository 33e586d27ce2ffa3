#!/usr/bin/env bash
# Rebuilds Fuzz/corpus/: small valid inputs per harness, copied from the project's fixtures or written
# here (the CelebA lists in their CRLF layout; a checkpoint written by the checkpoint harness itself,
# when Sources/LatentData/Output/Checkpoint.swift exists and Fuzz/run.sh has built it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="$root/Fuzz/corpus"
fixtures="$root/Fixtures"
build="${FUZZ_BUILD:-$root/.build-fuzz/fuzz}"
mkdir -p "$corpus"/{idx,zip,jpeg,png,safetensors,celeba-attr,celeba-partition,celeba-cache,image-folder-cache,npy}

cp "$fixtures"/idx/{tiny-images-idx3-ubyte.gz,tiny-labels-idx1-ubyte.gz,tiny-labels-idx1-ubyte} "$corpus/idx/"
cp "$fixtures"/zip/{small,zip64}.zip "$corpus/zip/"
for name in gray_1x1 gray_restart_33x21 optimized_exif_comment_444_50x40 q75_420_9x17 q75_422_17x9 \
    q50_444_35x29 restart3_420_61x45; do
    cp "$fixtures/jpeg/$name.jpg" "$corpus/jpeg/"
done
# Progressive: Pillow's standard scans, spectral selection only, successive approximation with restarts,
# non-interleaved DC scans, grayscale, files cut short (block smoothing); the arithmetic-coded one is
# refused early.
for name in pillow_444_17x13 cjpeg_spectral_420_17x13 cjpeg_approximation_444_17x13 cjpeg_approximation_gray_17x13 \
    cjpeg_noninterleaved_dc_422_33x21 pillow_restartrow_gray_33x21 cjpeg_approximation_restart3_420_61x45 \
    partial_pillow_420_23x20_scans1 partial_cjpeg_approximation_gray_17x13_scans3 unsupported_arithmetic_progressive; do
    cp "$fixtures/jpeg/progressive/$name.jpg" "$corpus/jpeg/progressive_$name.jpg"
done
cp "$fixtures"/png/{gray-13x7,rgb-9x5}.png "$corpus/png/"
cp "$fixtures"/pytorch/losses/kl_sigma_sum.safetensors "$fixtures"/pytorch/layers/{linear_1,batchnorm1d_train_3}.safetensors \
    "$corpus/safetensors/"

# list_attr_celeba.txt: the image count, the attribute names, then one ±1 row per image (CRLF lines,
# names padded with spaces as in the real file).
printf '3\r\nSmiling Male Young\r\n000001.jpg -1  1  1\r\n000002.jpg  1 -1  1\r\n000003.jpg -1 -1 -1\r\n' \
    > "$corpus/celeba-attr/list_attr_3x3.txt"
printf '1\nEyeglasses\n000002.jpg 1\n' > "$corpus/celeba-attr/list_attr_lf.txt"
# list_eval_partition.txt: "<image> <0|1|2>" per line.
printf '000001.jpg 0\r\n000002.jpg 1\r\n000003.jpg 2\r\n' > "$corpus/celeba-partition/list_eval_partition_3.txt"
printf '000004.jpg 0\n' > "$corpus/celeba-partition/list_eval_partition_lf.txt"

# A CelebA cache (layout in Sources/LatentData/Datasets/CelebA/CelebACache.swift): two 2×2 images.
python3 - "$corpus/celeba-cache/two_2x2.bin" <<'PY'
import struct, sys
names = [b"000001.jpg", b"000002.jpg"]
source = b"img_align_celeba"
out = b"LTCELEBA" + struct.pack("<III", 1, 2, len(names)) + struct.pack("<Q", 0x1234_5678_9ABC_DEF0)
out += struct.pack("<I", len(source)) + source
for name in names:
    out += bytes([len(name)]) + name
out += bytes(range(len(names) * 3 * 2 * 2))
open(sys.argv[1], "wb").write(out)
PY

# NumPy arrays: the small members of the dSprites-shaped fixture (int64, float64, an object array the
# reader refuses), and 2×3 uint8 arrays in format versions 1 and 2.
python3 - "$fixtures/shapes/tiny.npz" "$corpus/npy" <<'PY'
import io, os, sys, zipfile
import numpy as np
archive, out = sys.argv[1], sys.argv[2]
for name in zipfile.ZipFile(archive).namelist():
    data = zipfile.ZipFile(archive).read(name)
    if len(data) <= 4096:
        open(os.path.join(out, name), "wb").write(data)
for version in [(1, 0), (2, 0)]:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.arange(6, dtype=np.uint8).reshape(2, 3), version=version)
    open(os.path.join(out, f"u1_2x3_v{version[0]}.npy"), "wb").write(buffer.getvalue())
PY

# An image-folder cache (layout in Sources/LatentData/Datasets/ImageFolder/ImageFolderCache.swift):
# 2×2 gray, three files of which one could not be decoded.
python3 - "$corpus/image-folder-cache/three_2x2.bin" <<'PY'
import struct, sys
def text(b): return struct.pack("<I", len(b)) + b
out = b"LTIMGDIR" + struct.pack("<IIII", 1, 2, 1, 3) + text(b"/home/me/pictures")
for name, failure in [(b"a.png", b""), (b"sub/b.jpg", b""), (b"broken.jpg", b"not a JPEG or PNG")]:
    out += text(name) + struct.pack("<qq", 1234, 1_700_000_000) + text(failure)
out += bytes(range(2 * 1 * 2 * 2))
open(sys.argv[1], "wb").write(out)
PY

if [[ -x "$build/fuzz-checkpoint" ]]; then
    mkdir -p "$corpus/checkpoint"
    empty="$(mktemp)"
    LATENT_FUZZ_WRITE_SEED="$corpus/checkpoint/linear_bn_adam.ckpt" "$build/fuzz-checkpoint" "$empty" >/dev/null 2>&1
    rm -f "$empty"
fi
du -sh "$corpus"

"""Writes the tiny IDX fixtures used by LatentDataTests (run: python3 make_idx_fixtures.py).

images: 3 x 28 x 28 ubyte, pixel (n, r, c) = (n * 7 + r * 3 + c * 5) % 256
labels: 3 ubyte, label n = (n * 4 + 5) % 10
Each is written raw and gzip-compressed (the gzip one as two members, to exercise multi-member
inflate), plus a truncated and a bad-magic file.
"""
import gzip
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
N, H, W = 3, 28, 28


def idx(dims, data):
    return bytes([0, 0, 0x08, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + bytes(data)


images = idx([N, H, W], [(n * 7 + r * 3 + c * 5) % 256 for n in range(N) for r in range(H) for c in range(W)])
labels = idx([N], [(n * 4 + 5) % 10 for n in range(N)])


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


write("tiny-images-idx3-ubyte", images)
write("tiny-labels-idx1-ubyte", labels)
half = len(images) // 2
write("tiny-images-idx3-ubyte.gz", gzip.compress(images[:half], mtime=0) + gzip.compress(images[half:], mtime=0))
write("tiny-labels-idx1-ubyte.gz", gzip.compress(labels, mtime=0))
write("truncated-images-idx3-ubyte", images[:-100])
write("badmagic-idx1-ubyte", b"\x01\x02" + labels[2:])

"""Writes the hostile inputs found by reading the readers (not by the fuzzer) into Fixtures/fuzz/.

Each one trapped or overflowed the stack before the fix in the same commit; the Swift test
Tests/LatentDataTests/FuzzRegressionTests.swift feeds every Fixtures/fuzz/<harness>/crash-* file to
its reader and expects a thrown error. Run: python3 Fixtures/fuzz/make_review_cases.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def safetensors(header: bytes, data: bytes = b"") -> bytes:
    """The safetensors layout: 8-byte little-endian header length, the JSON header, the data."""
    return struct.pack("<Q", len(header)) + header + data


def write(harness: str, name: str, content: bytes) -> None:
    folder = os.path.join(HERE, harness)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(content)


# FixtureFile: a shape entry too large for an Int (Int(1e300) traps).
write("safetensors", "crash-review-huge-shape",
      safetensors(b'{"x":{"dtype":"F32","shape":[1e300],"data_offsets":[0,4]}}', b"\0" * 4))
# FixtureFile: dimensions whose product overflows an Int (4 x 2^31-1 ... ).
write("safetensors", "crash-review-shape-product-overflow",
      safetensors(b'{"x":{"dtype":"F32","shape":[2147483647,2147483647,2147483647],"data_offsets":[0,4]}}', b"\0" * 4))
# FixtureFile: data_offsets beyond any Int.
write("safetensors", "crash-review-huge-offsets",
      safetensors(b'{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,1e30]}}', b"\0" * 4))
# FixtureFile: nesting deep enough to exhaust the stack of a recursive parser.
write("safetensors", "crash-review-deep-nesting", safetensors(b"[" * 100000))

#!/usr/bin/env python3
"""Generates the ZIP fixtures of the archive tests (run: python3 make_zip_fixtures.py).

- small.zip: made by Python's zipfile: a folder entry img_align_celeba/, two JPEG fixtures (one stored,
  one deflated), a deflated text member and an empty stored member.
- zip64.zip: written by hand here in the ZIP64 layout a >4 GB / >65535-entry archive has: central
  directory sizes and offsets saturated at 0xFFFFFFFF with the real values in extra field 0x0001,
  a ZIP64 end-of-central-directory record and locator, and a classic EOCD saturated at 0xFFFF /
  0xFFFFFFFF. Checked by reading it back with zipfile.
- expected.txt: "<name> <size> <crc32 hex>" for every member of both archives (the tests compare).
"""
import os
import struct
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
JPEG = os.path.join(HERE, "..", "jpeg")

TEXT = ("The quick brown fox jumps over the lazy dog. " * 40).encode()


def members():
    with open(os.path.join(JPEG, "q75_420_17x9.jpg"), "rb") as f:
        small_jpeg = f.read()
    with open(os.path.join(JPEG, "q75_444_35x29.jpg"), "rb") as f:
        other_jpeg = f.read()
    return [
        ("img_align_celeba/000001.jpg", small_jpeg, zipfile.ZIP_STORED),
        ("img_align_celeba/000002.jpg", other_jpeg, zipfile.ZIP_DEFLATED),
        ("notes/readme.txt", TEXT, zipfile.ZIP_DEFLATED),
        ("empty.bin", b"", zipfile.ZIP_STORED),
    ]


def write_small(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("img_align_celeba/"), b"")
        for name, data, method in members():
            archive.writestr(name, data, compress_type=method)


def write_zip64(path):
    out = bytearray()
    central = bytearray()
    for name, data, method in members():
        encoded = name.encode()
        crc = zlib.crc32(data)
        if method == zipfile.ZIP_DEFLATED:
            compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
            payload = compressor.compress(data) + compressor.flush()
        else:
            payload = data
        offset = len(out)
        # Local header: ZIP64 extra with both sizes, 32-bit size fields saturated.
        local_extra = struct.pack("<HHQQ", 0x0001, 16, len(data), len(payload))
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, method, 0, 0x21, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                           len(encoded), len(local_extra))
        out += encoded + local_extra + payload
        # Central record: sizes and offset saturated, real values in the 0x0001 extra (that order).
        extra = struct.pack("<HHQQQ", 0x0001, 24, len(data), len(payload), offset)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, method, 0, 0x21, crc, 0xFFFFFFFF,
                               0xFFFFFFFF, len(encoded), len(extra), 0, 0, 0, 0, 0xFFFFFFFF)
        central += encoded + extra
    count = len(members())
    directory_offset = len(out)
    out += central
    record_offset = len(out)
    out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, len(central), directory_offset)
    out += struct.pack("<IIQI", 0x07064B50, 0, record_offset, 1)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    with open(path, "wb") as f:
        f.write(out)


def main():
    small = os.path.join(HERE, "small.zip")
    big = os.path.join(HERE, "zip64.zip")
    write_small(small)
    write_zip64(big)
    lines = []
    for path in (small, big):
        with zipfile.ZipFile(path) as archive:
            assert archive.testzip() is None, path
            for info in archive.infolist():
                data = archive.read(info)
                lines.append(f"{os.path.basename(path)} {info.filename} {len(data)} {zlib.crc32(data):08x}")
    with open(os.path.join(HERE, "expected.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

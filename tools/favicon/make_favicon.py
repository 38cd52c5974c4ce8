"""Writes src/VisionFactory.Server/wwwroot/favicon.ico from the shapes of favicon.svg (a lens on the primary colour).

Standard library only: each size is drawn with 8x8 supersampling and stored as a PNG inside the ICO container.
Run from the repository root: python3 tools/favicon/make_favicon.py
"""
import struct
import zlib

PRIMARY = (0x59, 0x4A, 0xE2)
WHITE = (0xFF, 0xFF, 0xFF)


def inside(x, y):
    """Colour of the 64x64 design at (x, y): None outside the rounded square."""
    # Rounded square 64x64 with corner radius 14.
    r = 14
    cx, cy = min(max(x, r), 64 - r), min(max(y, r), 64 - r)
    if (x - cx) ** 2 + (y - cy) ** 2 > r * r:
        return None
    d2 = (x - 32) ** 2 + (y - 32) ** 2
    if 15 ** 2 <= d2 <= 21 ** 2 or d2 <= 7 ** 2:
        return WHITE
    return PRIMARY


def png(size):
    sub = 8
    rows = []
    for py in range(size):
        row = bytearray([0])
        for px in range(size):
            acc = [0, 0, 0, 0]
            for sy in range(sub):
                for sx in range(sub):
                    c = inside((px + (sx + 0.5) / sub) * 64 / size, (py + (sy + 0.5) / sub) * 64 / size)
                    if c is not None:
                        acc[0] += c[0]; acc[1] += c[1]; acc[2] += c[2]; acc[3] += 255
            n = sub * sub
            covered = acc[3] / 255
            row += bytes([round(acc[0] / covered) if covered else 0, round(acc[1] / covered) if covered else 0,
                          round(acc[2] / covered) if covered else 0, round(acc[3] / n)])
        rows.append(bytes(row))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b"")


def ico(sizes):
    images = [png(s) for s in sizes]
    out = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    for size, image in zip(sizes, images):
        out += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(image), offset)
        offset += len(image)
    return out + b"".join(images)


if __name__ == "__main__":
    with open("src/VisionFactory.Server/wwwroot/favicon.ico", "wb") as f:
        f.write(ico([16, 32, 48]))

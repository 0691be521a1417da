# Draws the toolbar icon (a rounded switch with a chat dot) as PNGs without any imaging library.
# Run once; the PNGs are committed. python3 scripts/make-icons.py
import struct, zlib, math

def png(size):
    rows = []
    r = size * 0.46
    c = size / 2
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            dx, dy = x + 0.5 - c, y + 0.5 - c
            d = math.hypot(dx, dy)
            a = max(0.0, min(1.0, r - d + 0.5))
            # inner dot (the "switch" knob) on the right
            kd = math.hypot(x + 0.5 - size * 0.62, y + 0.5 - c)
            k = max(0.0, min(1.0, size * 0.17 - kd + 0.5))
            bar = abs(dy) < size * 0.09 and size * 0.22 < x + 0.5 < size * 0.55
            col = (21, 101, 192)
            if k > 0 or bar:
                col = (255, 255, 255)
            row += bytes([*col, int(255 * a)])
        rows.append(bytes(row))
    raw = b''.join(rows)
    def chunk(t, d):
        return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
    return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', size, size, 8, 6, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b'')

for s in (16, 32, 48, 128):
    open(f'public/icon/{s}.png', 'wb').write(png(s))

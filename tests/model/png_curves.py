#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Which curves a sweep PNG shows: decode the PNG (no library: zlib and the PNG filters), find the plot
frames (the long dark horizontal and vertical lines gnuplot draws round each plot) and count, inside each
frame at least MARGIN pixels away from it, the pixels of each curve colour.

usage: png_curves.py PNG MARGIN PANEL=#rrggbb,#rrggbb... ...
  PANEL is the plot's index from the left (0, 1, ...); each colour must appear inside it.
Prints one line per panel and colour; exit 0 when every colour is inside its panel, 1 when one is not (or
the frames are not found), 2 on usage errors."""
import struct
import sys
import zlib


def read_png(path):
    """(width, height, rows): rows[y] a bytes of RGB triples; 8-bit grey, RGB, palette, RGBA."""
    with open(path, 'rb') as f:
        d = f.read()
    if d[:8] != b'\x89PNG\r\n\x1a\n':
        raise ValueError('not a PNG')
    pos, idat, pal, hdr = 8, [], None, None
    while pos + 8 <= len(d):
        n, t = struct.unpack('>I4s', d[pos:pos + 8])
        body = d[pos + 8:pos + 8 + n]
        pos += 12 + n
        if t == b'IHDR':
            hdr = struct.unpack('>IIBBBBB', body)
        elif t == b'PLTE':
            pal = body
        elif t == b'IDAT':
            idat.append(body)
        elif t == b'IEND':
            break
    if not hdr:
        raise ValueError('no IHDR')
    w, h, depth, ctype, _, _, interlace = hdr
    chans = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(ctype)
    if depth != 8 or chans is None or interlace:
        raise ValueError('unsupported PNG: depth %d, colour type %d, interlace %d' % (depth, ctype, interlace))
    raw = zlib.decompress(b''.join(idat))
    stride = w * chans
    prev = bytearray(stride)
    rows = []
    p = 0
    for _ in range(h):
        ft = raw[p]
        line = bytearray(raw[p + 1:p + 1 + stride])
        p += 1 + stride
        if ft == 1:
            for i in range(chans, stride):
                line[i] = (line[i] + line[i - chans]) & 255
        elif ft == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 255
        elif ft == 3:
            for i in range(stride):
                a = line[i - chans] if i >= chans else 0
                line[i] = (line[i] + ((a + prev[i]) >> 1)) & 255
        elif ft == 4:
            for i in range(stride):
                a = line[i - chans] if i >= chans else 0
                b = prev[i]
                c = prev[i - chans] if i >= chans else 0
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 255
        elif ft != 0:
            raise ValueError('bad filter type %d' % ft)
        prev = line
        if ctype == 2:
            rgb = bytes(line)
        elif ctype == 6:
            rgb = bytes(b for i, b in enumerate(line) if i % 4 != 3)
        elif ctype == 3:
            rgb = b''.join(pal[3 * k:3 * k + 3] for k in line)
        elif ctype == 0:
            rgb = bytes(b for b in line for _ in range(3))
        else:  # grey + alpha
            rgb = bytes(line[i] for i in range(0, stride, 2) for _ in range(3))
        rows.append(rgb)
    return w, h, rows


def runs(flags, least):
    """[(start, end)] of the runs of True in flags at least @least long."""
    out, start = [], None
    for i, f in enumerate(list(flags) + [False]):
        if f and start is None:
            start = i
        elif not f and start is not None:
            if i - start >= least:
                out.append((start, i - 1))
            start = None
    return out


def frames(w, h, rows):
    """The plot frames, left to right: (x0, y0, x1, y1), the frame lines themselves included."""
    def dark(x, y):
        r, g, b = rows[y][3 * x:3 * x + 3]
        return r < 110 and g < 110 and b < 110
    # frame rows: a dark run over at least a sixth of the width; frame columns likewise over a sixth of
    # the height (tic marks, text, grid dots and key samples are far shorter)
    hseg = []
    for y in range(h):
        for a, b in runs((dark(x, y) for x in range(w)), w // 6):
            hseg.append((y, a, b))
    vseg = []
    for x in range(w):
        for a, b in runs((dark(x, y) for y in range(h)), h // 6):
            vseg.append((x, a, b))
    out = []
    # a frame: a vertical segment on its left and one on its right spanning the same rows, joined at the
    # top and the bottom by horizontal segments
    for xl, ya, yb in vseg:
        for xr, ya2, yb2 in vseg:
            if xr - xl < w // 6 or abs(ya - ya2) > 2 or abs(yb - yb2) > 2:
                continue
            top = any(abs(y - ya) <= 2 and a <= xl + 2 and b >= xr - 2 for y, a, b in hseg)
            bot = any(abs(y - yb) <= 2 and a <= xl + 2 and b >= xr - 2 for y, a, b in hseg)
            if top and bot:
                out.append((xl, ya, xr, yb))
    # one per plot: the innermost lines of a frame drawn two pixels thick by antialiasing
    best = []
    for f in sorted(out):
        if best and f[0] <= best[-1][2]:
            b = best[-1]
            best[-1] = (max(b[0], f[0]), max(b[1], f[1]), min(b[2], f[2]), min(b[3], f[3]))
        else:
            best.append(f)
    return best


def main(argv):
    if len(argv) < 4 or argv[1] in ('-h', '--help'):
        print(__doc__.split('\n\n')[1].strip() if len(argv) > 1 else __doc__, file=sys.stderr)
        return 2
    path, margin = argv[1], int(argv[2])
    want = {}
    for spec in argv[3:]:
        panel, _, cols = spec.partition('=')
        want[int(panel)] = [c.strip().lower() for c in cols.split(',') if c.strip()]
    w, h, rows = read_png(path)
    fr = frames(w, h, rows)
    print('%s: %dx%d, %d plot frame(s): %s' % (path, w, h, len(fr), ' '.join('(%d,%d)-(%d,%d)' % f for f in fr)))
    bad = 0
    if len(fr) <= max(want):
        print('FAIL: want %d plot frames, found %d' % (max(want) + 1, len(fr)))
        return 1
    for panel, cols in sorted(want.items()):
        x0, y0, x1, y1 = fr[panel]
        count = {c: 0 for c in cols}
        rgb = {bytes.fromhex(c.lstrip('#')): c for c in cols}
        for y in range(y0 + margin, y1 - margin + 1):
            row = rows[y]
            for x in range(x0 + margin, x1 - margin + 1):
                c = rgb.get(row[3 * x:3 * x + 3])
                if c:
                    count[c] += 1
        for c in cols:
            ok = count[c] > 0
            bad |= not ok
            print('%s: plot %d: %s: %d pixels inside the frame (%d px in from it)' %
                  ('ok' if ok else 'FAIL', panel, c, count[c], margin))
    return 1 if bad else 0


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv))
    except (OSError, ValueError, zlib.error) as e:
        print('png_curves.py: %s' % e, file=sys.stderr)
        sys.exit(1)

// scripts/png.ts reads back pixels written with each of PNG's five row filters, and tells a blank
// picture from one with something drawn on it.
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { pictureStats, pngSize, readPng } from '../scripts/png';

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, data, Buffer.alloc(4)]); // the CRC is not checked when read
}

/** An RGB PNG of `rows` (each [r, g, b, r, g, b, …]), row y filtered with filters[y % 5]. */
function encode(width: number, rows: number[][], filters = [0, 1, 2, 3, 4]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(rows.length, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const paeth = (a: number, b: number, c: number) => {
    const p = a + b - c;
    const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
  };
  const raw = rows.flatMap((row, y) => {
    const filter = filters[y % filters.length]!;
    const up = rows[y - 1];
    const bytes = row.map((v, x) => {
      const a = x >= 3 ? row[x - 3]! : 0;
      const b = up?.[x] ?? 0;
      const c = x >= 3 ? (up?.[x - 3] ?? 0) : 0;
      const predicted = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter]!;
      return (v - predicted) & 0xff;
    });
    return [filter, ...bytes];
  });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from(raw))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('scripts/png.ts', () => {
  // Ten rows of four pixels whose bytes vary across and down, so each filter predicts something.
  const byte = (y: number, i: number) => (y * 37 + i * 91 + ((i * y) % 7) * 13) & 0xff;
  const rows = Array.from({ length: 10 }, (_row, y) => Array.from({ length: 4 * 3 }, (_byte, i) => byte(y, i)));

  it('undoes every row filter (none, sub, up, average, Paeth)', () => {
    const png = readPng(encode(4, rows));
    expect([png.width, png.height, png.channels]).toEqual([4, 10, 3]);
    expect([...png.pixels]).toEqual(rows.flat());
  });

  it('gives the size from the header, and refuses what is not a PNG', () => {
    expect(pngSize(encode(4, rows))).toEqual([4, 10]);
    expect(() => pngSize(Buffer.from('GIF89a-not-a-png-at-all'))).toThrow(/not a PNG/);
  });

  it('a single colour has no spread and nothing drawn; a drawn square has both', () => {
    const blank = Array.from({ length: 20 }, () => Array.from({ length: 20 * 3 }, () => 240));
    expect(pictureStats(readPng(encode(20, blank)))).toEqual({ lumaSpread: 0, drawn: 0 });
    const square = blank.map((row, y) => row.map((v, i) => (y >= 5 && y < 15 && i >= 15 && i < 45 ? 20 : v)));
    const stats = pictureStats(readPng(encode(20, square)));
    expect(stats.drawn).toBeCloseTo(0.25);
    expect(stats.lumaSpread).toBeGreaterThan(50);
  });
});

// Reads the PNGs Chromium writes (8-bit greyscale, RGB or with alpha; not interlaced), enough to
// check a screenshot's size and that it holds a picture rather than a blank page.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { inflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Samples per pixel by PNG colour type: greyscale, RGB, greyscale + alpha, RGBA (palettes are not read). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

export interface Png {
  width: number;
  height: number;
  channels: number;
  /** Row after row, `channels` bytes per pixel, filters undone. */
  pixels: Uint8Array;
}

/** Width and height from the IHDR chunk (the first, right after the signature). */
export function pngSize(bytes: Buffer): [number, number] {
  if (!bytes.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG (bad signature)');
  if (bytes.toString('latin1', 12, 16) !== 'IHDR') throw new Error('not a PNG (no IHDR first)');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

export function readPng(bytes: Buffer): Png {
  const [width, height] = pngSize(bytes);
  const depth = bytes[24];
  const colourType = bytes[25]!;
  const interlace = bytes[28];
  const channels = CHANNELS[colourType];
  if (depth !== 8 || !channels || interlace !== 0)
    throw new Error(`PNG not read here: bit depth ${depth}, colour type ${colourType}, interlace ${interlace}`);
  const data: Buffer[] = [];
  for (let at = 8; at < bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT') data.push(bytes.subarray(at + 8, at + 8 + length));
    if (type === 'IEND') break;
    at += 12 + length;
  }
  const filtered = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  if (filtered.length !== height * (stride + 1)) throw new Error(`PNG data is ${filtered.length} bytes, expected ${height * (stride + 1)}`);
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = filtered[y * (stride + 1)];
    const row = filtered.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[out + x - channels]! : 0;
      const b = y > 0 ? pixels[out - stride + x]! : 0;
      const c = x >= channels && y > 0 ? pixels[out - stride + x - channels]! : 0;
      pixels[out + x] = (row[x]! + predict(filter, a, b, c)) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

function predict(filter: number | undefined, a: number, b: number, c: number): number {
  switch (filter) {
    case 0:
      return 0;
    case 1:
      return a;
    case 2:
      return b;
    case 3:
      return (a + b) >> 1;
    case 4: {
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
    default:
      throw new Error(`unknown PNG row filter ${filter}`);
  }
}

export interface PictureStats {
  /** Standard deviation of the pixels' luma (0–255): 0 for a single colour. */
  lumaSpread: number;
  /** Share of the pixels (0–1) that differ from the most common colour: how much is drawn on the background. */
  drawn: number;
}

/** How much of a picture there is: a blank or single-colour screenshot has a spread and a drawn share near 0. */
export function pictureStats({ pixels, channels }: Png): PictureStats {
  const count = pixels.length / channels;
  const colours = new Map<number, number>();
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < pixels.length; i += channels) {
    const [r, g, b] = channels >= 3 ? [pixels[i]!, pixels[i + 1]!, pixels[i + 2]!] : [pixels[i]!, pixels[i]!, pixels[i]!];
    const luma = 0.299 * r + 0.587 * g + 0.114 * b;
    sum += luma;
    squares += luma * luma;
    const key = (r << 16) | (g << 8) | b;
    colours.set(key, (colours.get(key) ?? 0) + 1);
  }
  const mean = sum / count;
  let commonest = 0;
  for (const n of colours.values()) commonest = Math.max(commonest, n);
  return { lumaSpread: Math.sqrt(Math.max(0, squares / count - mean * mean)), drawn: 1 - commonest / count };
}

/** A picture `npm run screenshots` wrote, with the size read back from its bytes. */
export interface WrittenPng {
  path: string;
  width: number;
  height: number;
  bytes: number;
}

/** Writes each picture it is given (its folder made), records it in `written` and logs one line for it. */
export function pngWriter(written: WrittenPng[], log: (line: string) => void): (path: string, png: Buffer) => void {
  return (path, png) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, png);
    const [width, height] = pngSize(png);
    written.push({ path, width, height, bytes: png.length });
    log(`  ${relative(process.cwd(), path)}  ${width}×${height}, ${(png.length / 1024).toFixed(0)} KB`);
  };
}

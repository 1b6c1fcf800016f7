/**
 * PNG from SVG with resvg (a real rasteriser: anti-aliased paths, shaped
 * vector text), compiled to WebAssembly: no native build, nothing fetched.
 * It is given the shipped font files and nothing else (a WebAssembly module
 * sees no system fonts), so the same SVG gives the same PNG bytes on every
 * machine.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { FsbayesError } from '@fsbayes/core';
import { FONT_FILES, FONT_NAME } from './font.js';

type ResvgModule = typeof import('@resvg/resvg-wasm');

let loading: Promise<ResvgModule> | null = null;

/**
 * Load and instantiate resvg's WebAssembly once per process, on the first
 * PNG: a command that draws nothing never pays for it.
 */
export function loadRasteriser(): Promise<ResvgModule> {
  loading ??= (async () => {
    try {
      const mod = await import('@resvg/resvg-wasm');
      const wasmPath = createRequire(import.meta.url).resolve('@resvg/resvg-wasm/index_bg.wasm');
      await mod.initWasm(readFileSync(wasmPath));
      return mod;
    } catch (e) {
      throw new FsbayesError(
        `cannot load the PNG rasteriser (@resvg/resvg-wasm): ${(e as Error).message}; reinstall the workspace (pnpm install)`,
        { kind: 'internal', cause: e },
      );
    }
  })();
  return loading;
}

const FONTS = [FONT_FILES.regular, FONT_FILES.bold];

/** Render SVG text to PNG bytes (RGBA, white background) at `scale` device pixels per SVG pixel. */
export async function svgToPNG(svg: string, scale = 2): Promise<Uint8Array> {
  if (!(scale > 0 && scale <= 16)) throw new FsbayesError(`PNG scale must be in (0, 16], got ${scale}`);
  const { Resvg } = await loadRasteriser();
  const r = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: '#ffffff',
    font: {
      fontBuffers: FONTS,
      defaultFontFamily: FONT_NAME,
      sansSerifFamily: FONT_NAME,
      serifFamily: FONT_NAME,
      monospaceFamily: FONT_NAME,
    },
  });
  try {
    const img = r.render();
    try {
      return img.asPng();
    } finally {
      img.free();
    }
  } finally {
    r.free();
  }
}

/**
 * A figure as a scene: a list of marks in pixel coordinates (origin top
 * left, y down). The SVG and the PNG are both rendered from this one
 * description: the PNG is the SVG rasterised, so they always show the same thing.
 */
import { svgToPNG } from './png.js';
import { renderSVG } from './svg.js';

/** A colour as '#rrggbb'. */
export type Color = string;

/** A straight line. */
export interface LineMark {
  kind: 'line';
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  color: Color;
  width: number;
  /** Dash and gap lengths in pixels. */
  dash?: [number, number];
  opacity?: number;
  /** Clip to the figure's plot area. */
  clip?: boolean;
}

/** Connected line segments. */
export interface PolylineMark {
  kind: 'polyline';
  points: [number, number][];
  color: Color;
  width: number;
  dash?: [number, number];
  opacity?: number;
  clip?: boolean;
}

/** An axis-aligned rectangle (x, y is the top-left corner). */
export interface RectMark {
  kind: 'rect';
  x: number;
  y: number;
  w: number;
  h: number;
  fill?: Color;
  stroke?: Color;
  strokeWidth?: number;
  opacity?: number;
  clip?: boolean;
}

/** A filled disc, optionally outlined. */
export interface CircleMark {
  kind: 'circle';
  cx: number;
  cy: number;
  r: number;
  fill: Color;
  stroke?: Color;
  opacity?: number;
  clip?: boolean;
}

/** Text, vertically centred on y; `_{…}` and `^{…}` mark sub- and superscripts (see text.ts). */
export interface TextMark {
  kind: 'text';
  x: number;
  y: number;
  text: string;
  /** Font size in pixels. */
  size: number;
  color?: Color;
  anchor?: 'start' | 'middle' | 'end';
  /** −90: reads bottom to top (a y-axis label). */
  rotate?: 0 | -90;
  bold?: boolean;
}

/** One drawing element of a {@link Figure}: a line, polyline, rectangle, circle or text. */
export type Mark = LineMark | PolylineMark | RectMark | CircleMark | TextMark;

/** The plot area marks with `clip` are clipped to. */
export interface Area {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A figure: size, marks and a title; renders itself as SVG and PNG. */
export class Figure {
  constructor(
    readonly width: number,
    readonly height: number,
    readonly marks: readonly Mark[],
    readonly title = '',
    readonly plotArea: Area | null = null,
  ) {}

  /** A standalone SVG document (no external references). */
  toSVG(): string {
    return renderSVG(this);
  }

  /** The SVG rasterised as PNG (RGBA, 8 bits) at `scale` device pixels per figure pixel (default 2). */
  toPNG(scale = 2): Promise<Uint8Array> {
    return svgToPNG(this.toSVG(), scale);
  }
}

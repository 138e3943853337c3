import type { Circle } from './assessment.ts';

/** The map snapshot's drawing: circles and points in SVG units (y down), on a square canvas. */
export interface MapDrawing {
  size: number;
  circles: { kind: 'target' | 'buffer' | 'comparison'; cx: number; cy: number; r: number }[];
  points: { x: number; y: number }[];
  /** The scale bar: its length in SVG units and in metres. */
  scale: { length: number; metres: number };
}

const METRES_PER_DEGREE_LATITUDE = 111_195;

/**
 * A static map of the problem area without a tile server: an equirectangular projection around
 * the target (accurate to well under 1 % across a few kilometres), framing the target, its
 * buffer ring and the comparison area, with the incidents as dots.
 */
export function mapDrawing(target: Circle, bufferWidthMetres: number | null, comparison: Circle | null, points: { latitude: number; longitude: number }[], size = 400): MapDrawing {
  const metresPerDegreeLongitude = METRES_PER_DEGREE_LATITUDE * Math.cos((target.latitude * Math.PI) / 180);
  const toMetres = (point: { latitude: number; longitude: number }) => ({
    x: (point.longitude - target.longitude) * metresPerDegreeLongitude,
    y: -(point.latitude - target.latitude) * METRES_PER_DEGREE_LATITUDE,
  });
  const outer = target.radiusMetres + (bufferWidthMetres ?? 0);
  const shapes = [{ x: 0, y: 0, r: outer }];
  if (comparison) shapes.push({ ...toMetres(comparison), r: comparison.radiusMetres });
  const minX = Math.min(...shapes.map((shape) => shape.x - shape.r));
  const maxX = Math.max(...shapes.map((shape) => shape.x + shape.r));
  const minY = Math.min(...shapes.map((shape) => shape.y - shape.r));
  const maxY = Math.max(...shapes.map((shape) => shape.y + shape.r));
  const span = Math.max(maxX - minX, maxY - minY) * 1.1;
  const scale = size / span;
  const originX = (minX + maxX) / 2 - span / 2;
  const originY = (minY + maxY) / 2 - span / 2;
  const place = (metres: { x: number; y: number }) => ({ x: round((metres.x - originX) * scale), y: round((metres.y - originY) * scale) });
  const circles: MapDrawing['circles'] = [];
  const centre = place({ x: 0, y: 0 });
  if (bufferWidthMetres) circles.push({ kind: 'buffer', cx: centre.x, cy: centre.y, r: round(outer * scale) });
  circles.push({ kind: 'target', cx: centre.x, cy: centre.y, r: round(target.radiusMetres * scale) });
  if (comparison) {
    const at = place(toMetres(comparison));
    circles.push({ kind: 'comparison', cx: at.x, cy: at.y, r: round(comparison.radiusMetres * scale) });
  }
  const inside = (point: { x: number; y: number }) => point.x >= 0 && point.y >= 0 && point.x <= size && point.y <= size;
  const barMetres = niceLength(span / 4);
  return { size, circles, points: points.map((point) => place(toMetres(point))).filter(inside), scale: { length: round(barMetres * scale), metres: barMetres } };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** 1, 2 or 5 times a power of ten, at most `metres`. */
function niceLength(metres: number): number {
  const power = 10 ** Math.floor(Math.log10(metres));
  return [5, 2, 1].map((step) => step * power).find((length) => length <= metres) ?? power;
}

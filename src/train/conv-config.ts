/**
 * Validation of the geometry config shared by the searched convolutions
 * (kernel size, strides, padding), with errors naming the layer and field.
 */
import type { Padding } from './fast-ops.js';
import { axisPadding } from './conv-ops.js';

function where(cls: string, name: string | undefined, field: string): string {
  return `${cls}${name ? ` '${name}'` : ''}: config '${field}'`;
}

/** One positive integer or a pair of them, as [rows, cols]. */
export function parsePair(cls: string, name: string | undefined, field: string, v: unknown): [number, number] {
  const pair = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(pair) || pair.length !== 2 || pair.some((k) => !Number.isInteger(k) || k < 1)) {
    throw new Error(`${where(cls, name, field)}: must be a positive integer or two of them, got ${JSON.stringify(v)}`);
  }
  return [pair[0], pair[1]];
}

export function parsePadding(cls: string, name: string | undefined, v: unknown): Padding {
  const padding = v ?? 'same';
  if (padding !== 'same' && padding !== 'valid') throw new Error(`${where(cls, name, 'padding')}: must be 'same' or 'valid', got ${JSON.stringify(v)}`);
  return padding;
}

/** Output rows and columns (null where the input's are unknown); throws naming the layer when 'valid' does not fit. */
export function outputSize(cls: string, name: string, h: number | null, w: number | null, kernel: [number, number], strides: [number, number], padding: Padding): [number | null, number | null] {
  const one = (n: number | null, i: 0 | 1): number | null => {
    if (n == null) return null;
    try {
      return axisPadding(n, kernel[i], strides[i], padding).out;
    } catch (e) {
      throw new Error(`${cls} '${name}': ${(e as Error).message}`);
    }
  };
  return [one(h, 0), one(w, 1)];
}

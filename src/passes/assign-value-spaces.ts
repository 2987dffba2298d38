/**
 * Pass: give every dense layer its value space and check its kernel against it.
 *
 * Precedence: the layer's own config, then the model metadata (both kept by the
 * importer), then --value-space, then the set of distinct kernel values when
 * it is small (a frozen model needs no declaration). A kernel value outside a
 * declared space is an error naming the layer and the first offending index;
 * where only the command line's space is at odds with a layer (say a float
 * first layer) and multipliers are allowed, the layer becomes a general one.
 */
import { type Graph, type WeightedLayer, isWeighted, kernelMatrix } from '../ir/graph-ir.js';
import { candidateIndex, classifySpace, describeSpace } from '../ir/value-space-class.js';
import { QtscError } from '../util/errors.js';

export interface ValueSpaceOptions {
  /** From --value-space, already resolved. */
  commandLine?: number[];
  allowMult: boolean;
}

/** Spaces with at most this many values are inferred from a kernel's distinct values. */
const MAX_INFERRED_SPACE = 16;

function firstOutside(layer: WeightedLayer, space: number[]): { index: [number, number]; value: number } | null {
  const k = layer.kernel;
  for (let f = 0; f < k.length; f++) {
    if (candidateIndex(space, k[f]) < 0) return { index: [Math.floor(f / kernelMatrix(layer).cols), f % kernelMatrix(layer).cols], value: k[f] };
  }
  return null;
}

function distinctValues(kernel: Float32Array, limit: number): number[] | null {
  const seen = new Set<number>();
  for (const v of kernel) {
    seen.add(v === 0 ? 0 : v);
    if (seen.size > limit) return null;
  }
  return [...seen].sort((a, b) => a - b);
}

export function assignValueSpaces(graph: Graph, opts: ValueSpaceOptions): Graph {
  const layers = graph.layers.map((layer) => {
    if (!isWeighted(layer)) return layer;
    const where = `${graph.file}: layer '${layer.name}'`;
    if (layer.valueSpace) {
      const bad = firstOutside(layer, layer.valueSpace);
      if (bad) {
        throw new QtscError(
          `${where}: field 'kernel': value ${bad.value} at index [${bad.index.join(', ')}] is not in the value space ${describeSpace(layer.valueSpace)} (from ${layer.valueSpaceSource})`,
        );
      }
      return layer;
    }
    if (opts.commandLine) {
      const bad = firstOutside(layer, opts.commandLine);
      if (!bad) return { ...layer, valueSpace: opts.commandLine, valueSpaceSource: 'command line' as const };
      if (!opts.allowMult) {
        throw new QtscError(
          `${where}: field 'kernel': value ${bad.value} at index [${bad.index.join(', ')}] is not in the value space ${describeSpace(opts.commandLine)} (from --value-space); pass --allow-mult to compile this layer with multipliers`,
        );
      }
      return layer;
    }
    const inferred = distinctValues(layer.kernel, MAX_INFERRED_SPACE);
    // Only a hardware-friendly set is taken as the layer's space; a handful of
    // arbitrary floats (a tiny float layer) stays a float layer.
    if (inferred && classifySpace(inferred).kind !== 'general') return { ...layer, valueSpace: inferred, valueSpaceSource: 'inferred from kernel' as const };
    return layer;
  });
  return { ...graph, layers };
}

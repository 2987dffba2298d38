/**
 * A model directory as the quantizer sees it: model.json, its layer entries
 * in topology order and every weight in manifest order (name, shape, dtype,
 * values). The quantizer edits layer entries and kernel values in place and
 * writes the result back as model.json plus one weights.bin shard.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { modelJsonPath, readModelJson, readWeights, type ModelJson } from '../importers/tfjs-artifacts.js';
import { QtscError } from '../util/errors.js';

export interface LayerEntry {
  class_name: string;
  config: Record<string, unknown>;
  [k: string]: unknown;
}

export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
  values: Float32Array;
}

export interface ModelFile {
  /** model.json's path. */
  file: string;
  json: ModelJson;
  /** The topology's layer entries (live objects inside json). */
  layers: LayerEntry[];
  /** Every weight, in manifest order. */
  weights: WeightEntry[];
}

function layerList(topology: Record<string, unknown>, file: string): LayerEntry[] {
  const root = (topology.model_config as Record<string, unknown> | undefined) ?? topology;
  const config = root.config as Record<string, unknown> | unknown[] | undefined;
  const layers = Array.isArray(config) ? config : config?.layers;
  if (!Array.isArray(layers)) throw new QtscError(`${file}: field 'modelTopology.config.layers' is missing`);
  layers.forEach((l, i) => {
    const e = l as Partial<LayerEntry> | null;
    if (!e || typeof e.class_name !== 'string' || !e.config || typeof e.config !== 'object') {
      throw new QtscError(`${file}: field 'modelTopology.config.layers.${i}': expected {class_name, config}`);
    }
  });
  return layers as LayerEntry[];
}

export function readModelFile(dir: string): ModelFile {
  const file = modelJsonPath(dir);
  const json = readModelJson(file);
  const values = readWeights(file, json);
  const weights: WeightEntry[] = [];
  for (const group of json.weightsManifest) {
    for (const s of group.weights) weights.push({ name: s.name, shape: s.shape, dtype: s.dtype, values: values.get(s.name)!.values });
  }
  return { file, json, layers: layerList(json.modelTopology, file), weights };
}

/** The layer's name as written in its entry. */
export function layerName(e: LayerEntry): string {
  return String(e.config.name ?? e.name ?? '');
}

/** The weight `<layer>/<suffix>` (or one ending in `/<layer>/<suffix>`); throws naming the file and layer when absent. */
export function findWeight(m: ModelFile, layer: string, suffix: string): WeightEntry {
  const exact = m.weights.find((w) => w.name === `${layer}/${suffix}`);
  if (exact) return exact;
  const nested = m.weights.filter((w) => w.name.endsWith(`/${layer}/${suffix}`));
  if (nested.length === 1) return nested[0];
  throw new QtscError(`${m.file}: layer '${layer}': weight '${suffix}' is ${nested.length ? 'ambiguous' : 'missing from weightsManifest'}`);
}

/** The weights as one shard, in manifest order, each in its own dtype. */
export function encodeWeights(weights: readonly WeightEntry[]): Buffer {
  const parts = weights.map((w) => {
    if (w.dtype === 'float32') return Buffer.from(Float32Array.from(w.values).buffer);
    if (w.dtype === 'int32') return Buffer.from(Int32Array.from(w.values).buffer);
    return Buffer.from(Uint8Array.from(w.values));
  });
  return Buffer.concat(parts);
}

/** Writes model.json (with a single weights.bin shard) and weights.bin into dir. */
export function writeModelFile(dir: string, m: ModelFile): void {
  const json = {
    ...m.json,
    weightsManifest: [{ paths: ['weights.bin'], weights: m.weights.map((w) => ({ name: w.name, shape: w.shape, dtype: w.dtype })) }],
  };
  fs.writeFileSync(path.join(dir, 'weights.bin'), encodeWeights(m.weights));
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json, null, 1) + '\n');
}

/**
 * Reading and writing TensorFlow.js Layers model directories (model.json plus
 * binary weight shards) with plain file I/O, so that @tensorflow/tfjs alone is
 * enough (tfjs-node's file:// handler is not required).
 *
 * Every path named inside model.json is confined to the model directory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { z } from 'zod';
import { QtscError } from '../util/errors.js';
import { readJsonFile } from '../util/json-file.js';
import { resolveInside } from '../util/paths.js';

const WeightSpecSchema = z.object({
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.enum(['float32', 'int32', 'bool']),
  quantization: z.unknown().optional(),
});

const ManifestEntrySchema = z.object({
  paths: z.array(z.string()).min(1),
  weights: z.array(WeightSpecSchema),
});

export const ModelJsonSchema = z.object({
  format: z.string().optional(),
  generatedBy: z.string().optional(),
  convertedBy: z.string().nullable().optional(),
  modelTopology: z.record(z.string(), z.unknown()),
  weightsManifest: z.array(ManifestEntrySchema).default([]),
  userDefinedMetadata: z.record(z.string(), z.unknown()).optional(),
  trainingConfig: z.unknown().optional(),
});
export type ModelJson = z.infer<typeof ModelJsonSchema>;

/** The model.json file of a model directory (or the file itself when given). */
export function modelJsonPath(dirOrFile: string): string {
  const p = path.resolve(dirOrFile);
  if (fs.existsSync(p) && fs.statSync(p).isDirectory()) return path.join(p, 'model.json');
  return p;
}

/** Parses and validates model.json; errors name the file and the field. */
export function readModelJson(dirOrFile: string): ModelJson {
  const file = modelJsonPath(dirOrFile);
  if (!fs.existsSync(file)) throw new QtscError(`${file}: no such model file (expected a tfjs Layers model directory with model.json)`);
  return readJsonFile(file, ModelJsonSchema);
}

/** Reads every weight named in the manifest: name -> Float32Array (int32/bool converted). */
export function readWeights(dirOrFile: string, json: ModelJson = readModelJson(dirOrFile)): Map<string, { shape: number[]; values: Float32Array }> {
  const file = modelJsonPath(dirOrFile);
  const dir = path.dirname(file);
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const group of json.weightsManifest) {
    const buffers = group.paths.map((p) => {
      const shard = resolveInside(dir, p, `${file}: weightsManifest path`);
      if (!fs.existsSync(shard)) throw new QtscError(`${file}: weight shard '${p}' does not exist`);
      return fs.readFileSync(shard);
    });
    const all = Buffer.concat(buffers);
    let offset = 0;
    for (const spec of group.weights) {
      if (spec.quantization !== undefined) throw new QtscError(`${file}: weight '${spec.name}': quantized weight storage is not supported`);
      const count = spec.shape.reduce((a, b) => a * b, 1);
      const bytes = spec.dtype === 'bool' ? count : count * 4;
      if (offset + bytes > all.length) throw new QtscError(`${file}: weight '${spec.name}': shards end after ${all.length} bytes, ${offset + bytes} needed`);
      const slice = all.subarray(offset, offset + bytes);
      const ab = slice.buffer.slice(slice.byteOffset, slice.byteOffset + bytes);
      let values: Float32Array;
      if (spec.dtype === 'float32') values = new Float32Array(ab);
      else if (spec.dtype === 'int32') values = Float32Array.from(new Int32Array(ab));
      else values = Float32Array.from(new Uint8Array(ab));
      out.set(spec.name, { shape: spec.shape, values });
      offset += bytes;
    }
  }
  return out;
}

/** Loads a model directory as tfjs ModelArtifacts (for tf.io.fromMemory). */
export async function loadArtifacts(dirOrFile: string): Promise<tfTypes.io.ModelArtifacts> {
  const file = modelJsonPath(dirOrFile);
  const dir = path.dirname(file);
  const json = readModelJson(file);
  const specs: tfTypes.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      const shard = resolveInside(dir, p, `${file}: weightsManifest path`);
      if (!fs.existsSync(shard)) throw new QtscError(`${file}: weight shard '${p}' does not exist`);
      buffers.push(fs.readFileSync(shard));
    }
    specs.push(...(group.weights as tfTypes.io.WeightsManifestEntry[]));
  }
  const all = Buffer.concat(buffers);
  return {
    modelTopology: json.modelTopology as tfTypes.io.ModelArtifacts['modelTopology'],
    weightSpecs: specs,
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.length),
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? undefined,
    userDefinedMetadata: json.userDefinedMetadata as tfTypes.io.ModelArtifacts["userDefinedMetadata"],
    trainingConfig: json.trainingConfig as tfTypes.io.ModelArtifacts['trainingConfig'],
  };
}

/** An IOHandler whose save() writes model.json and weights.bin into dir. */
export function fileSaveHandler(dir: string): tfTypes.io.IOHandler {
  return {
    async save(artifacts: tfTypes.io.ModelArtifacts): Promise<tfTypes.io.SaveResult> {
      fs.mkdirSync(dir, { recursive: true });
      const data = artifacts.weightData;
      const parts: ArrayBuffer[] = data === undefined ? [] : Array.isArray(data) ? data : [data];
      const weights = Buffer.concat(parts.map((b) => Buffer.from(b)));
      const json: Record<string, unknown> = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.userDefinedMetadata) json.userDefinedMetadata = artifacts.userDefinedMetadata;
      if (artifacts.trainingConfig) json.trainingConfig = artifacts.trainingConfig;
      fs.writeFileSync(path.join(dir, 'weights.bin'), weights);
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json, null, 1) + '\n');
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: weights.length,
        },
      };
    },
  };
}

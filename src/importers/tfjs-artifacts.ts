/**
 * Reading and writing TensorFlow.js Layers model directories (model.json plus
 * binary weight shards) with plain file I/O, so that @tensorflow/tfjs alone is
 * enough (tfjs-node's file:// handler is not required).
 *
 * Every path named inside model.json is confined to the model directory, also
 * after resolving symbolic links; shard sizes must match the manifest exactly,
 * and every weight is checked (check-weights.ts) before anyone sees it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { z } from 'zod';
import { QtscError } from '../util/errors.js';
import { readJsonFile } from '../util/json-file.js';
import { checkRegularFile, readRegularFile, resolveInside, showName } from '../util/paths.js';
import { checkWeights, topologyLayerNames, weightWhere } from './check-weights.js';

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

/**
 * Checks that model.json, after resolving links, lies in the directory that
 * holds it as named (a model directory whose model.json is a link to a file
 * elsewhere is refused), then parses and validates it; errors name the file
 * and the field.
 */
export function readModelJson(dirOrFile: string): ModelJson {
  const file = modelJsonPath(dirOrFile);
  if (!fs.existsSync(file)) throw new QtscError(`${file}: no such model file (expected a tfjs Layers model directory with model.json)`);
  resolveInside(path.dirname(file), path.basename(file), `${file}: model file`);
  return readJsonFile(file, ModelJsonSchema);
}

/** The most weight data qtsc reads from one model (all shards together). */
export const MAX_WEIGHT_BYTES = 2 ** 30;

const DTYPE_BYTES = { float32: 4, int32: 4, bool: 1 } as const;

/** One weight of the manifest, where its bytes lie in the concatenated shards. */
interface WeightSlot {
  spec: ModelJson['weightsManifest'][number]['weights'][number];
  /** Index of its manifest group. */
  group: number;
  /** Byte offset in the concatenation of all groups' shards. */
  offset: number;
  bytes: number;
}

/**
 * Every manifest group's shards, checked before anything is read: each path
 * confined to the model directory after resolving links and a regular file,
 * the weights' declared sizes sane (integer element counts, at most
 * MAX_WEIGHT_BYTES in all) and equal, byte for byte, to the group's shards
 * (a truncated or oversized shard is refused).
 */
function readShards(file: string, json: ModelJson): { data: Buffer; slots: WeightSlot[] } {
  const dir = path.dirname(file);
  const layers = topologyLayerNames(json.modelTopology);
  const slots: WeightSlot[] = [];
  const seen = new Set<string>();
  const buffers: Buffer[] = [];
  let offset = 0;
  json.weightsManifest.forEach((group, g) => {
    let need = 0;
    for (const spec of group.weights) {
      const where = weightWhere(file, spec.name, layers);
      if (seen.has(spec.name)) throw new QtscError(`${where}: weight '${showName(spec.name)}' is listed twice in weightsManifest`);
      seen.add(spec.name);
      if (spec.quantization !== undefined) throw new QtscError(`${where}: quantized weight storage is not supported`);
      const count = spec.shape.reduce((a, b) => a * b, 1);
      const bytes = count * DTYPE_BYTES[spec.dtype];
      if (!Number.isSafeInteger(bytes) || offset + need + bytes > MAX_WEIGHT_BYTES) {
        throw new QtscError(`${where}: shape [${spec.shape.join(', ')}] (${spec.dtype}) needs ${bytes} bytes, which takes the model past the ${MAX_WEIGHT_BYTES} bytes of weights qtsc reads`);
      }
      slots.push({ spec, group: g, offset: offset + need, bytes });
      need += bytes;
    }
    const files = group.paths.map((p) => {
      const what = `${file}: field 'weightsManifest.${g}.paths': weightsManifest path`;
      const shard = resolveInside(dir, p, what);
      if (!fs.existsSync(shard)) throw new QtscError(`${file}: weight shard '${showName(p)}' does not exist`);
      return { p, shard, size: checkRegularFile(shard, `${file}: weight shard '${showName(p)}'`, MAX_WEIGHT_BYTES) };
    });
    const have = files.reduce((a, f) => a + f.size, 0);
    if (have < need) {
      const short = slots.find((s) => s.group === g && s.offset + s.bytes > offset + have)!;
      throw new QtscError(
        `${weightWhere(file, short.spec.name, layers)}: shape [${short.spec.shape.join(', ')}] (${short.spec.dtype}) needs bytes ${short.offset - offset}..${short.offset - offset + short.bytes} of group ${g}'s shards (${group.paths.map((p) => showName(p)).join(', ')}), which hold only ${have}: truncated shard?`,
      );
    }
    if (have > need) {
      throw new QtscError(`${file}: field 'weightsManifest.${g}.paths': the shards (${group.paths.map((p) => showName(p)).join(', ')}) hold ${have} bytes, ${have - need} more than the ${need} its weights need: oversized shard, or the manifest lists too few weights`);
    }
    for (const f of files) {
      const b = readRegularFile(f.shard, `${file}: weight shard '${showName(f.p)}'`, MAX_WEIGHT_BYTES);
      if (b.length !== f.size) throw new QtscError(`${file}: weight shard '${showName(f.p)}' changed size while being read`);
      buffers.push(b);
    }
    offset += need;
  });
  return { data: Buffer.concat(buffers), slots };
}

function decode(data: Buffer, s: WeightSlot): Float32Array {
  const ab = data.buffer.slice(data.byteOffset + s.offset, data.byteOffset + s.offset + s.bytes);
  if (s.spec.dtype === 'float32') return new Float32Array(ab);
  if (s.spec.dtype === 'int32') return Float32Array.from(new Int32Array(ab));
  return Float32Array.from(new Uint8Array(ab));
}

/**
 * Reads every weight named in the manifest: name -> Float32Array (int32/bool
 * converted), after checkWeights (every value finite, BatchNorm statistics
 * sane, Dense and BatchNorm shapes as their configs say).
 */
export function readWeights(dirOrFile: string, json: ModelJson = readModelJson(dirOrFile)): Map<string, { shape: number[]; values: Float32Array }> {
  const file = modelJsonPath(dirOrFile);
  const { data, slots } = readShards(file, json);
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const s of slots) out.set(s.spec.name, { shape: s.spec.shape, values: decode(data, s) });
  checkWeights(file, json, out);
  return out;
}

/** Loads a model directory as tfjs ModelArtifacts (for tf.io.fromMemory), with the checks of readWeights. */
export async function loadArtifacts(dirOrFile: string): Promise<tfTypes.io.ModelArtifacts> {
  const file = modelJsonPath(dirOrFile);
  const json = readModelJson(file);
  const { data, slots } = readShards(file, json);
  checkWeights(file, json, new Map(slots.map((s) => [s.spec.name, { shape: s.spec.shape, values: decode(data, s) }])));
  const specs = json.weightsManifest.flatMap((g) => g.weights) as tfTypes.io.WeightsManifestEntry[];
  return {
    modelTopology: json.modelTopology as tfTypes.io.ModelArtifacts['modelTopology'],
    weightSpecs: specs,
    weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.length) as ArrayBuffer,
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

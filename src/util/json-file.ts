/**
 * Reading a JSON file a user hands in (or one a run left behind) against its
 * zod schema, with the error every such file gets: the file, then the first
 * field at fault.
 */
import type { z } from 'zod';
import { QtscError } from './errors.js';
import { readRegularFile } from './paths.js';

/** The largest JSON file qtsc reads (model.json, fold files, IRs, checkpoints' state). */
export const MAX_JSON_BYTES = 256 * 2 ** 20;

/**
 * Parses and validates `file`; `hint`, when given, ends every error (what the
 * user can do about it). The caller checks that the file exists, with its own
 * message; a directory, FIFO or device, or a file above MAX_JSON_BYTES, is
 * refused before it is read.
 */
export function readJsonFile<S extends z.ZodType>(file: string, schema: S, hint?: string): z.infer<S> {
  const tail = hint ? `; ${hint}` : '';
  const text = readRegularFile(file, file, MAX_JSON_BYTES).toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new QtscError(`${file}: not valid JSON: ${(e as Error).message}${tail}`);
  }
  return validateJson(file, raw, schema, [], hint);
}

/** Validates a value read from `file` (at `at` inside it) with readJsonFile's errors. */
export function validateJson<S extends z.ZodType>(file: string, raw: unknown, schema: S, at: Array<string | number> = [], hint?: string): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new QtscError(`${file}: field '${[...at, ...issue.path.map(String)].join('.')}': ${issue.message}${hint ? `; ${hint}` : ''}`);
  }
  return parsed.data;
}

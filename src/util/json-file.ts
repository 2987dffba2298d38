/**
 * Reading a JSON file a user hands in (or one a run left behind) against its
 * zod schema, with the error every such file gets: the file, then the first
 * field at fault.
 */
import * as fs from 'node:fs';
import type { z } from 'zod';
import { QtscError } from './errors.js';

/**
 * Parses and validates `file`; `hint`, when given, ends every error (what the
 * user can do about it). The caller checks that the file exists, with its own
 * message.
 */
export function readJsonFile<S extends z.ZodType>(file: string, schema: S, hint?: string): z.infer<S> {
  const tail = hint ? `; ${hint}` : '';
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new QtscError(`${file}: not valid JSON: ${(e as Error).message}${tail}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new QtscError(`${file}: field '${issue.path.join('.')}': ${issue.message}${tail}`);
  }
  return parsed.data;
}

/**
 * The Python that runs examples/pytorch: /usr/bin/python3 (Debian's
 * python3-torch and python3-onnx install there), and why it cannot when it
 * cannot, for the tests that skip without it.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export const PYTHON = '/usr/bin/python3';
export const PYTORCH_EXAMPLE_DIR = path.resolve('examples/pytorch');

/** null when PYTHON imports torch and onnx, else the reason it does not. */
export function pythonTorchMissing(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import torch, onnx'], { encoding: 'utf8' });
  if (r.error) return `${PYTHON} cannot be run (${r.error.message}); apt-get install python3-torch python3-onnx`;
  if (r.status !== 0) {
    const last = r.stderr.trim().split('\n').pop() ?? '';
    return `${PYTHON} cannot import torch and onnx (${last}); apt-get install python3-torch python3-onnx`;
  }
  return null;
}

/** Runs a script of examples/pytorch with PYTHON; throws with its stderr when it fails. */
export function runExampleScript(script: string, args: string[], timeoutMs = 60_000): string {
  const r = spawnSync(PYTHON, [path.join(PYTORCH_EXAMPLE_DIR, script), ...args], { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${script} exited with ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

/**
 * Choosing and starting the TensorFlow.js backend.
 *
 * 'auto' prefers tfjs-node (native TensorFlow) when it is installed, then the
 * WebAssembly backend (shipped with qtsc; under Node it finds its .wasm files
 * in node_modules by itself), then the pure-JS CPU backend.
 */
import * as tf from '@tensorflow/tfjs';
import { installWasmSamePadding } from './wasm-same-padding.js';

export type BackendChoice = 'auto' | 'node' | 'wasm' | 'cpu';

/** tfjs' own name of the active backend: 'tensorflow' (tfjs-node), 'wasm' or 'cpu'. */
export type BackendName = string;

let pending: Promise<BackendName> | undefined;
let pendingChoice: BackendChoice | undefined;

async function tryNode(): Promise<boolean> {
  // The specifier lives in a variable so that TypeScript and bundlers do not
  // require the optional package to be present.
  const spec = '@tensorflow/tfjs-node';
  try {
    await import(spec);
  } catch {
    return false;
  }
  try {
    return await tf.setBackend('tensorflow');
  } catch {
    return false;
  }
}

async function tryWasm(): Promise<boolean> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) return false;
    installWasmSamePadding();
    return true;
  } catch {
    return false;
  }
}

async function start(choice: BackendChoice): Promise<BackendName> {
  // The CPU backend prints a banner suggesting tfjs-node on first use under
  // Node; qtsc chooses its backend deliberately, so keep output clean.
  if (choice === 'node') {
    if (!(await tryNode())) throw new Error("backend 'node' requested but @tensorflow/tfjs-node could not be loaded (npm install @tensorflow/tfjs-node)");
  } else if (choice === 'wasm') {
    if (!(await tryWasm())) throw new Error("backend 'wasm' requested but @tensorflow/tfjs-backend-wasm could not be initialised");
  } else if (choice === 'cpu') {
    await setCpu();
  } else {
    if (!(await tryNode()) && !(await tryWasm())) await setCpu();
  }
  await tf.ready();
  return tf.getBackend();
}

async function setCpu(): Promise<void> {
  const warn = console.warn;
  // The banner is printed on the first tensor write; silence exactly that one.
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('install our node')) return;
    warn(...args);
  };
  try {
    if (!(await tf.setBackend('cpu'))) throw new Error("tfjs backend 'cpu' could not be initialised");
    await tf.ready();
    tf.tidy(() => tf.scalar(0).dataSync());
  } finally {
    console.warn = warn;
  }
}

/**
 * Initialises TensorFlow.js once and returns the active backend's name.
 * Calling it again with the same choice (or 'auto' after any choice) returns
 * the same backend; an explicit different choice switches to it.
 */
export function initTf(opts: { backend?: BackendChoice } = {}): Promise<BackendName> {
  const choice = opts.backend ?? 'auto';
  if (pending && (choice === 'auto' || choice === pendingChoice)) return pending;
  pendingChoice = choice;
  const p = start(choice);
  // A failed start must not poison later attempts.
  p.catch(() => {
    if (pending === p) {
      pending = undefined;
      pendingChoice = undefined;
    }
  });
  pending = p;
  return p;
}

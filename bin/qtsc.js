#!/usr/bin/env node
// The qtsc command. An installed package runs its built JavaScript (dist/,
// made by `npm run build` before packing). A source checkout runs its
// TypeScript sources through tsx, so what runs is always what src/ says,
// never a stale build.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
const built = new URL('../dist/cli/main.js', import.meta.url);

if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else if (existsSync(built)) {
  await import(built.href);
} else {
  console.error('qtsc: this package has neither src/ nor dist/: it was packed without running `npm run build`');
  process.exit(2);
}

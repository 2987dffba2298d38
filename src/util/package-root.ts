/**
 * The root of the qtsc package: the directory holding its package.json. The
 * files read at run time (hw/, templates/, sim/, examples/) live there, both
 * in a source checkout (this file is src/util/package-root.ts) and in an
 * installed package (this file is dist/util/package-root.js), so the root is
 * found by walking up to the package.json named qtsc rather than by counting
 * directories from this file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_NAME = 'qtsc';

/** The nearest directory at or above `start` whose package.json is named qtsc, or null. */
export function findPackageRoot(start: string): string | null {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        if ((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME) return dir;
      } catch {
        // a malformed package.json further down is not ours: keep walking
      }
    }
    if (path.dirname(dir) === dir) return null;
  }
}

function locate(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = findPackageRoot(here);
  // Not a user error: the package itself is broken.
  if (root === null) throw new Error(`qtsc: no package.json named ${PACKAGE_NAME} at or above ${here}`);
  return root;
}

/** The package root (the directory holding qtsc's package.json). */
export const packageRoot: string = locate();

/** The package's version, from its package.json. */
export const packageVersion: string = (JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** Whether the package is a source checkout (has src/) rather than an installed, built package. */
export const isSourceCheckout: boolean = fs.existsSync(path.join(packageRoot, 'src', 'cli', 'main.ts'));

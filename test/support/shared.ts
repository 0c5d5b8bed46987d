/**
 * Locates ../shared (conformance vectors, kernel oracle). Tests that need it
 * skip cleanly where it does not exist (a user's checkout has none).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Absolute path of ../shared, or undefined where it is absent. */
export const SHARED_DIR: string | undefined = (() => {
  const p = process.env.BPFSIM_SHARED ?? join(REPO_ROOT, '..', 'shared');
  return existsSync(p) ? p : undefined;
})();

/** A path inside ../shared, or undefined where it is absent. */
export function sharedPath(...parts: string[]): string | undefined {
  if (SHARED_DIR === undefined) return undefined;
  const p = join(SHARED_DIR, ...parts);
  return existsSync(p) ? p : undefined;
}

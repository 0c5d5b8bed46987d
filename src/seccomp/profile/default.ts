/**
 * The embedded default profile (data/default-profile.json: the container
 * runtimes' default allowlist, see data/README.md) and file loading helpers.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../errors.js';
import type { Policy } from '../policy.js';
import { parseProfile } from './parse.js';
import { profileToPolicy, type TranslateOptions } from './translate.js';
import type { SeccompProfile } from './types.js';

/** Path of the embedded default profile (works from src/ and dist/). */
export const DEFAULT_PROFILE_PATH: string = fileURLToPath(new URL('../../../data/default-profile.json', import.meta.url));

let cached: SeccompProfile | undefined;

/** The embedded default profile, parsed (cached). */
export function defaultProfile(): SeccompProfile {
  cached ??= loadProfileFile(DEFAULT_PROFILE_PATH);
  return cached;
}

/**
 * Reads and parses a profile file.
 * @throws InputError when the file cannot be read or is invalid.
 */
export function loadProfileFile(path: string): SeccompProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read profile: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file: path });
  }
  return parseProfile(text, path);
}

/**
 * Loads a profile (`'default'` or empty = the embedded one, else a file path)
 * and translates it for a target.
 * @throws InputError on unreadable/invalid profiles or targets.
 */
export function loadPolicy(pathOrDefault: string | undefined, opts: TranslateOptions = {}): Policy {
  const prof = pathOrDefault === undefined || pathOrDefault === '' || pathOrDefault === 'default'
    ? defaultProfile() : loadProfileFile(pathOrDefault);
  return profileToPolicy(prof, opts);
}

/**
 * Parses and validates a Docker/OCI seccomp profile (JSON) into
 * {@link SeccompProfile}. Every error is an InputError naming the JSON path
 * (`$.syscalls[3].args[0].op`); arbitrary input never raises anything else.
 * Rules enforced are those of the runtimes (moby profiles/seccomp, runc
 * libcontainer/seccomp): `name` and `names` are exclusive, `architectures` and
 * `archMap` are exclusive, argument index ≤ 5, ops and actions from the
 * SCMP_* sets, flags from SECCOMP_FILTER_FLAG_*.
 */
import { InputError } from '../../errors.js';
import { archByName } from '../arch.js';
import { parseU64, describeJsonValue, type CompareOp } from '../policy.js';
import { parseJsonExact, type JsonValue } from './json.js';
import type {
  ProfileActionName, ProfileArg, ProfileArchMap, ProfileFilter, ProfileSyscall, SeccompProfile,
} from './types.js';

const ACTIONS: ReadonlySet<string> = new Set<ProfileActionName>([
  'SCMP_ACT_KILL', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE', 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY',
]);
const OPS: Readonly<Record<string, CompareOp>> = {
  SCMP_CMP_NE: 'NE', SCMP_CMP_LT: 'LT', SCMP_CMP_LE: 'LE', SCMP_CMP_EQ: 'EQ',
  SCMP_CMP_GE: 'GE', SCMP_CMP_GT: 'GT', SCMP_CMP_MASKED_EQ: 'MASKED_EQ',
};
/** SECCOMP_FILTER_FLAG_* names a profile may list. */
export const PROFILE_FLAGS: readonly string[] = [
  'SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW',
  'SECCOMP_FILTER_FLAG_NEW_LISTENER', 'SECCOMP_FILTER_FLAG_TSYNC_ESRCH', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV',
];

type Obj = { [k: string]: JsonValue };

function err(msg: string, path: string): InputError {
  return new InputError(msg, { path });
}
function isObj(v: JsonValue | undefined): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v !== 'bigint';
}
function obj(v: JsonValue | undefined, path: string): Obj {
  if (!isObj(v)) throw err(`expected an object, got ${describeJsonValue(v)}`, path);
  return v;
}
function str(v: JsonValue | undefined, path: string): string {
  if (typeof v !== 'string') throw err(`expected a string, got ${describeJsonValue(v)}`, path);
  return v;
}
/** An array, where JSON null means empty (Go's nil slice). */
function arr(v: JsonValue | undefined, path: string): JsonValue[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw err(`expected an array, got ${describeJsonValue(v)}`, path);
  return v;
}
function strs(v: JsonValue | undefined, path: string): string[] {
  return arr(v, path).map((x, i) => str(x, `${path}[${i}]`));
}
function uint(v: JsonValue | undefined, path: string, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw err(`expected a non-negative integer, got ${describeJsonValue(v)}`, path);
  }
  if (v > max) throw err(`value ${v} out of range (max ${max})`, path);
  return v;
}
function actionName(v: JsonValue | undefined, path: string): ProfileActionName {
  const s = str(v, path);
  if (!ACTIONS.has(s)) throw err(`unknown action '${s}' (expected one of ${[...ACTIONS].join(', ')})`, path);
  return s as ProfileActionName;
}
function known(o: Obj, keys: readonly string[], path: string, warnings: string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) warnings.push(`${path}.${k}: unknown field ignored`);
}
function scmpArch(v: JsonValue | undefined, path: string): string {
  const s = str(v, path);
  if (!/^SCMP_ARCH_/i.test(s) || archByName(s) === undefined) throw err(`unknown architecture '${s}'`, path);
  return s;
}

function parseFilter(v: JsonValue | undefined, path: string, warnings: string[]): ProfileFilter | undefined {
  if (v === undefined || v === null) return undefined;
  const o = obj(v, path);
  known(o, ['caps', 'arches', 'minKernel'], path, warnings);
  const f: { caps?: string[]; arches?: string[]; minKernel?: string } = {};
  if (o.caps !== undefined && o.caps !== null) f.caps = strs(o.caps, `${path}.caps`);
  if (o.arches !== undefined && o.arches !== null) f.arches = strs(o.arches, `${path}.arches`);
  if (o.minKernel !== undefined && o.minKernel !== null && o.minKernel !== '') {
    const s = str(o.minKernel, `${path}.minKernel`);
    if (!/^\d+\.\d+$/.test(s)) throw err(`invalid kernel version '${s}' (expected "major.minor")`, `${path}.minKernel`);
    f.minKernel = s;
  }
  return f;
}

/** A JSON integer 0..2^64-1 (Go's uint64); absent = 0. */
function u64(v: JsonValue | undefined, path: string): bigint {
  if (v === undefined) return 0n;
  if (typeof v !== 'number' && typeof v !== 'bigint') {
    throw err(`expected an unsigned 64-bit integer, got ${describeJsonValue(v)}`, path);
  }
  return parseU64(v, path);
}

function parseArg(v: JsonValue, path: string, warnings: string[]): ProfileArg {
  const o = obj(v, path);
  known(o, ['index', 'value', 'valueTwo', 'op'], path, warnings);
  if (o.index === undefined) throw err('missing field "index"', path);
  const index = uint(o.index, `${path}.index`, 0xffffffff);
  if (index > 5) throw err(`argument index ${index} out of range (0..5)`, `${path}.index`);
  if (o.op === undefined) throw err('missing field "op"', path);
  const opName = str(o.op, `${path}.op`);
  const op = OPS[opName];
  if (op === undefined) throw err(`unknown comparison operator '${opName}' (expected one of ${Object.keys(OPS).join(', ')})`, `${path}.op`);
  const value = u64(o.value, `${path}.value`);
  const valueTwo = u64(o.valueTwo, `${path}.valueTwo`);
  return { index, op, value, valueTwo };
}

function parseSyscall(v: JsonValue, path: string, warnings: string[]): ProfileSyscall {
  const o = obj(v, path);
  known(o, ['names', 'name', 'action', 'errnoRet', 'errno', 'args', 'comment', 'includes', 'excludes'], path, warnings);
  const hasNames = o.names !== undefined && o.names !== null;
  const hasName = o.name !== undefined && o.name !== null && o.name !== '';
  if (hasNames && hasName) throw err(`use either 'name' or 'names', not both`, path);
  let names: string[] = [];
  if (hasNames) names = strs(o.names, `${path}.names`);
  else if (hasName) names = [str(o.name, `${path}.name`)];
  else warnings.push(`${path}: entry has no syscall names`);
  if (o.action === undefined) throw err('missing field "action"', path);
  const action = actionName(o.action, `${path}.action`);
  const s: {
    names: string[]; action: ProfileActionName; errnoRet?: number; args: ProfileArg[]; comment?: string;
    includes?: ProfileFilter; excludes?: ProfileFilter; path: string;
  } = { names, action, args: arr(o.args, `${path}.args`).map((a, i) => parseArg(a, `${path}.args[${i}]`, warnings)), path };
  if (o.errnoRet !== undefined && o.errnoRet !== null) {
    s.errnoRet = uint(o.errnoRet, `${path}.errnoRet`, 0xffff);
    if (action !== 'SCMP_ACT_ERRNO' && action !== 'SCMP_ACT_TRACE') {
      throw err(`errnoRet is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not ${action}`, `${path}.errnoRet`);
    }
  }
  if (o.errno !== undefined && o.errno !== null) str(o.errno, `${path}.errno`);
  if (o.comment !== undefined && o.comment !== null) s.comment = str(o.comment, `${path}.comment`);
  const inc = parseFilter(o.includes, `${path}.includes`, warnings);
  if (inc) s.includes = inc;
  const exc = parseFilter(o.excludes, `${path}.excludes`, warnings);
  if (exc) s.excludes = exc;
  return s;
}

/**
 * Parses a profile from JSON text or an already-parsed value.
 * @param file name for error messages.
 * @throws InputError naming the JSON path (or line, for JSON syntax errors).
 */
export function parseProfile(input: string | JsonValue, file?: string): SeccompProfile {
  const root = typeof input === 'string' ? parseJsonExact(input, file) : input;
  const warnings: string[] = [];
  const o = obj(root, '$');
  known(o, ['defaultAction', 'defaultErrnoRet', 'defaultErrno', 'architectures', 'archMap', 'flags', 'listenerPath',
    'listenerMetadata', 'syscalls', 'comment'], '$', warnings);
  if (o.defaultAction === undefined) throw err('missing field "defaultAction"', '$');
  const defaultAction = actionName(o.defaultAction, '$.defaultAction');
  const architectures = arr(o.architectures, '$.architectures').map((a, i) => scmpArch(a, `$.architectures[${i}]`));
  const archMap: ProfileArchMap[] = arr(o.archMap, '$.archMap').map((e, i) => {
    const p = `$.archMap[${i}]`;
    const m = obj(e, p);
    known(m, ['architecture', 'subArchitectures'], p, warnings);
    if (m.architecture === undefined) throw err('missing field "architecture"', p);
    return {
      architecture: scmpArch(m.architecture, `${p}.architecture`),
      subArchitectures: arr(m.subArchitectures, `${p}.subArchitectures`).map((a, j) => scmpArch(a, `${p}.subArchitectures[${j}]`)),
    };
  });
  if (architectures.length > 0 && archMap.length > 0) {
    throw err(`both 'architectures' and 'archMap' are specified; use one of them`, '$.archMap');
  }
  const flags = strs(o.flags, '$.flags');
  flags.forEach((f, i) => {
    if (!PROFILE_FLAGS.includes(f)) throw err(`unknown seccomp flag '${f}'`, `$.flags[${i}]`);
  });
  const profile: {
    defaultAction: ProfileActionName; defaultErrnoRet?: number; architectures: string[]; archMap: ProfileArchMap[];
    flags: string[]; listenerPath?: string; listenerMetadata?: string; syscalls: ProfileSyscall[]; warnings: string[];
  } = {
    defaultAction, architectures, archMap, flags,
    syscalls: arr(o.syscalls, '$.syscalls').map((s, i) => parseSyscall(s, `$.syscalls[${i}]`, warnings)),
    warnings,
  };
  if (o.defaultErrnoRet !== undefined && o.defaultErrnoRet !== null) {
    profile.defaultErrnoRet = uint(o.defaultErrnoRet, '$.defaultErrnoRet', 0xffff);
  }
  if (o.defaultErrno !== undefined && o.defaultErrno !== null) str(o.defaultErrno, '$.defaultErrno');
  if (o.listenerPath !== undefined && o.listenerPath !== null) profile.listenerPath = str(o.listenerPath, '$.listenerPath');
  if (o.listenerMetadata !== undefined && o.listenerMetadata !== null) {
    profile.listenerMetadata = str(o.listenerMetadata, '$.listenerMetadata');
  }
  return profile;
}

/**
 * The system-call JSON shared by `bpfsim cbpf run --seccomp/--batch` and `bpfsim seccomp eval --batch`:
 * parsing one call object `{"id","nr","arch","ip","args"}` into struct seccomp_data, and the JSON line of
 * a filter's return value.
 */
import { BpfError, InputError } from '../errors.js';
import { decodeAction } from '../seccomp/actions.js';
import { AUDIT_ARCH, type ArchInfo, archByName, archByValue, resolveSyscall } from '../seccomp/arch.js';
import { buildSeccompData } from '../seccomp/data.js';

/** A 64-bit value from JSON: number (safe integer), decimal or 0x-hex string; negatives wrap. */
function u64(v: unknown, path: string, line?: number): bigint {
  const where = { path, ...(line === undefined ? {} : { line }) };
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new InputError(`expected an integer, got ${v}`, where);
    if (!Number.isSafeInteger(v)) throw new InputError(`JSON number ${v} is beyond 2^53 and has lost precision; give it as a string`, where);
    return BigInt.asUintN(64, BigInt(v));
  }
  if (typeof v === 'string') {
    const s = v.trim();
    if (/^-?(0x[0-9a-f]+|\d+)$/i.test(s)) {
      const neg = s.startsWith('-');
      const b = BigInt(neg ? s.slice(1) : s);
      if (b >= 1n << 64n) throw new InputError(`value ${s} does not fit in 64 bits`, where);
      return BigInt.asUintN(64, neg ? -b : b);
    }
    throw new InputError(`expected a number or a decimal/0x-hex string, got ${JSON.stringify(v)}`, where);
  }
  throw new InputError(`expected a number or a decimal/0x-hex string, got ${JSON.stringify(v)}`, where);
}

/** Parses one system call object (--seccomp or a --batch line). */
export function parseCall(o: unknown, line?: number): { id: unknown; data: Uint8Array } {
  const where = (path: string) => ({ path, ...(line === undefined ? {} : { line }) });
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new InputError('expected a JSON object', where('$'));
  const r = o as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!['id', 'nr', 'arch', 'ip', 'args'].includes(k)) throw new InputError(`unknown key '${k}'`, where(`$.${k}`));
  let arch: number = AUDIT_ARCH.X86_64;
  let named: ArchInfo | undefined;
  if (r.arch !== undefined) {
    if (typeof r.arch === 'string' && !/^(0x[0-9a-f]+|\d+)$/i.test(r.arch.trim())) {
      const a = archByName(r.arch);
      if (a === undefined) throw new InputError(`unknown architecture '${r.arch}'`, where('$.arch'));
      arch = a.audit;
      named = a; // x32 names resolve with the x32 table (numbers carry 0x40000000)
    } else {
      const v = u64(r.arch, '$.arch', line);
      if (v > 0xffffffffn) throw new InputError('arch is a 32-bit AUDIT_ARCH value', where('$.arch'));
      arch = Number(v);
    }
  }
  if (r.nr === undefined) throw new InputError('missing nr', where('$.nr'));
  let nr: number;
  if (typeof r.nr === 'string' && /^[a-z_][a-z0-9_]*$/i.test(r.nr.trim())) {
    const info = named ?? archByValue(arch);
    if (info === undefined) throw new InputError(`cannot resolve syscall name '${r.nr}' on arch 0x${arch.toString(16)}`, where('$.nr'));
    try {
      nr = resolveSyscall(info, r.nr);
    } catch (e) {
      throw new InputError((e as BpfError).detail ?? String(e), where('$.nr'));
    }
  } else {
    const v = u64(r.nr, '$.nr', line);
    const s = BigInt.asIntN(64, v);
    if (s < -(1n << 31n) || v > 0xffffffffn && s >= 0n) throw new InputError('nr must fit in 32 bits (seccomp_data.nr is an int)', where('$.nr'));
    nr = Number(BigInt.asIntN(32, v));
  }
  const ip = r.ip === undefined ? 0n : u64(r.ip, '$.ip', line);
  let args: bigint[] = [];
  if (r.args !== undefined) {
    if (!Array.isArray(r.args)) throw new InputError('args must be an array', where('$.args'));
    if (r.args.length > 6) throw new InputError(`at most 6 args, got ${r.args.length}`, where('$.args'));
    args = r.args.map((a, i) => u64(a, `$.args[${i}]`, line));
  }
  return { id: r.id, data: buildSeccompData({ nr, arch, ip, args }) };
}

/**
 * The JSON line of one filter result: `{id?, ret: "0x…", action, data, effective?, errno?, ...extra}` (key
 * order fixed). `effective` (what an UNKNOWN action acts as) only with `opts.effective`.
 */
export function seccompResultJson(id: unknown, ret: number, opts: { effective?: boolean; extra?: Record<string, unknown> } = {}): string {
  const v = decodeAction(ret);
  const o: Record<string, unknown> = {};
  if (id !== undefined) o.id = id;
  o.ret = '0x' + v.ret.toString(16).padStart(8, '0');
  o.action = v.action;
  o.data = v.data;
  if (opts.effective && v.action === 'UNKNOWN') o.effective = v.effective;
  if (v.errno !== undefined) o.errno = v.errno;
  return JSON.stringify({ ...o, ...opts.extra });
}

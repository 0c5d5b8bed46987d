/**
 * Seccomp filter return values (include/uapi/linux/seccomp.h) and how the
 * kernel acts on them (kernel/seccomp.c: `seccomp_run_filters` picks the
 * least permissive action with `ACTION_ONLY`, a signed compare of the
 * action bits; `__seccomp_filter` caps ERRNO data at MAX_ERRNO and treats
 * any action it does not know like SECCOMP_RET_KILL_PROCESS — its `default:`
 * branch shares the KILL_PROCESS path, and since the action is not
 * KILL_THREAD the whole process gets the core-dumping SIGSYS).
 */
import { InputError } from '../errors.js';

/** SECCOMP_RET_* action values (the high 16 bits of a filter's return value). */
export const SECCOMP_RET = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0x00000000,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  USER_NOTIF: 0x7fc00000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const;

/** Name of a known action. */
export type SeccompActionName = keyof typeof SECCOMP_RET;

/** SECCOMP_RET_ACTION_FULL: the bits `seccomp_run_filters` compares. */
export const SECCOMP_RET_ACTION_FULL = 0xffff0000;
/** SECCOMP_RET_ACTION (legacy mask without the KILL_PROCESS bit). */
export const SECCOMP_RET_ACTION = 0x7fff0000;
/** SECCOMP_RET_DATA: the low 16 bits. */
export const SECCOMP_RET_DATA = 0x0000ffff;
/** MAX_ERRNO (include/linux/err.h): ERRNO data above it is delivered as 4095. */
export const MAX_ERRNO = 4095;

const BY_VALUE = new Map<number, SeccompActionName>(
  (Object.entries(SECCOMP_RET) as [SeccompActionName, number][]).map(([n, v]) => [v, n]),
);

/** The action bits of a return value as the kernel compares them: `(s32)(ret & ACTION_FULL)`. */
export function actionOnly(ret: number): number {
  return (ret & SECCOMP_RET_ACTION_FULL) | 0;
}

/** True when `a` is strictly less permissive than `b` (the kernel's `ACTION_ONLY(a) < ACTION_ONLY(b)`). */
export function lessPermissive(a: number, b: number): boolean {
  return actionOnly(a) < actionOnly(b);
}

/** What the kernel does with a filter's 32-bit return value. */
export interface SeccompVerdict {
  /** The raw u32 return value. */
  ret: number;
  /** The known action, or 'UNKNOWN'. */
  action: SeccompActionName | 'UNKNOWN';
  /** What the kernel actually does: an unknown action acts as KILL_PROCESS. */
  effective: SeccompActionName;
  /** SECCOMP_RET_DATA (raw, 0..65535). */
  data: number;
  /** For ERRNO: the errno the system call returns (data capped at 4095). */
  errno?: number;
}

/** Decodes a filter return value (u32, taken modulo 2^32) into the kernel's verdict. */
export function decodeAction(ret: number): SeccompVerdict {
  const r = ret >>> 0;
  const act = (r & SECCOMP_RET_ACTION_FULL) >>> 0;
  const data = r & SECCOMP_RET_DATA;
  const name = BY_VALUE.get(act);
  const v: SeccompVerdict = { ret: r, action: name ?? 'UNKNOWN', effective: name ?? 'KILL_PROCESS', data };
  if (name === 'ERRNO') v.errno = Math.min(data, MAX_ERRNO);
  return v;
}

/**
 * Formats a return value like koracle / seccomp-tools: `ALLOW`, `ERRNO(1)`,
 * `TRAP(n)`, `TRACE(n)`, `KILL_PROCESS`, `KILL_THREAD`, `LOG`, `USER_NOTIF`,
 * `UNKNOWN(0x7ffe0000)`.
 */
export function formatAction(ret: number): string {
  const v = decodeAction(ret);
  switch (v.action) {
    case 'TRAP': case 'ERRNO': case 'TRACE': return `${v.action}(${v.data})`;
    case 'UNKNOWN': return `UNKNOWN(0x${v.ret.toString(16).padStart(8, '0')})`;
    default: return v.action;
  }
}

/**
 * Parses an action: a name (`ALLOW`, `errno(1)`, `SECCOMP_RET_TRAP`, `KILL`
 * = KILL_THREAD as in libseccomp's SCMP_ACT_KILL, `ERRNO(EPERM)` is not
 * resolved — give numbers), with optional `(data)` in decimal or 0x-hex, or a
 * plain number (`0x7fff0000`).
 * @throws InputError for unknown names, data above 0xffff, or malformed text.
 */
export function parseAction(text: string): number {
  const s = text.trim();
  if (/^(0x[0-9a-f]+|\d+)$/i.test(s)) {
    const n = Number(s);
    if (n > 0xffffffff) throw new InputError(`action value ${s} does not fit in 32 bits`);
    return n >>> 0;
  }
  const m = /^(?:SECCOMP_RET_|SCMP_ACT_)?([A-Z_]+)\s*(?:\(\s*(0x[0-9a-f]+|\d+)\s*\))?$/i.exec(s);
  if (!m) throw new InputError(`cannot parse seccomp action ${JSON.stringify(text)}`);
  let name = m[1]!.toUpperCase();
  if (name === 'KILL') name = 'KILL_THREAD';
  if (!(name in SECCOMP_RET)) throw new InputError(`unknown seccomp action ${JSON.stringify(m[1])}`);
  const data = m[2] === undefined ? 0 : Number(m[2]);
  if (data > SECCOMP_RET_DATA) throw new InputError(`seccomp action data ${m[2]} is above 0xffff`);
  return (SECCOMP_RET[name as SeccompActionName] | data) >>> 0;
}

/**
 * The policy model: what a seccomp profile means once a container runtime has
 * translated it for one target (architecture list, capabilities, kernel).
 *
 * Plain, serialisable-through-{@link policyToJSON} data: per ABI, an ordered
 * list of rules (syscall number, action, ANDed argument conditions) and one
 * default action. {@link evaluatePolicy} is the reference semantics every
 * compiled form (classic linear, classic tree, eBPF array) must reproduce:
 *
 * - seccomp_data.arch (and, for AUDIT_ARCH_X86_64, the x32 bit of nr) picks the
 *   ABI; an ABI not in the policy gets `badArchAction` (libseccomp's default
 *   SCMP_ACT_KILL = KILL_THREAD);
 * - the first rule for nr, in policy order, whose conditions all hold decides;
 * - otherwise the default action.
 *
 * Argument comparisons follow libseccomp (`enum scmp_compare`): unsigned 64-bit
 * for 64-bit ABIs, low 32 bits only for 32-bit ABIs; MASKED_EQ is
 * `(arg & value) == (valueTwo & value)` (libseccomp masks the datum as well).
 * Action values: include/uapi/linux/seccomp.h.
 */
import { InputError } from '../errors.js';
import type { ArchName } from './arch.js';
import { AUDIT_ARCH, X32_SYSCALL_BIT, archByValue, requireArch } from './arch.js';
import { SECCOMP_RET } from './actions.js';

/** Seccomp action kinds (SECCOMP_RET_*), in the kernel's order of precedence (most restrictive first). */
export type ActionKind = 'KILL_PROCESS' | 'KILL_THREAD' | 'TRAP' | 'ERRNO' | 'USER_NOTIF' | 'TRACE' | 'LOG' | 'ALLOW';

/** SECCOMP_RET_* action bits (the cbpf-owned table in ./actions.ts). */
export const ACTION_BITS: Readonly<Record<ActionKind, number>> = SECCOMP_RET;

/** One action with its 16-bit data (errno for ERRNO, message for TRACE, si_errno for TRAP). */
export interface PolicyAction {
  readonly kind: ActionKind;
  /** SECCOMP_RET_DATA, 0..0xffff. */
  readonly data: number;
}

/** Comparison operators of libseccomp / the OCI profile (SCMP_CMP_*). */
export type CompareOp = 'NE' | 'LT' | 'LE' | 'EQ' | 'GE' | 'GT' | 'MASKED_EQ';

/** One argument condition; values are unsigned 64-bit. */
export interface ArgCondition {
  /** Argument index 0..5. */
  readonly index: number;
  readonly op: CompareOp;
  /** The datum (for MASKED_EQ: the mask). */
  readonly value: bigint;
  /** MASKED_EQ: the value the masked argument must equal; ignored otherwise. */
  readonly valueTwo: bigint;
}

/** One rule: all conditions ANDed. */
export interface PolicyRule {
  readonly nr: number;
  readonly name: string;
  readonly action: PolicyAction;
  readonly conditions: readonly ArgCondition[];
  /** Where the rule came from (JSON path of the profile entry), for explanations. */
  readonly origin?: string;
  /** For a socketcall / ipc rule libseccomp derives from a socket or IPC call: that call and its own conditions. */
  readonly via?: { readonly name: string; readonly conditions: readonly ArgCondition[] };
}

/** The rules for one ABI. */
export interface ArchPolicy {
  readonly arch: ArchName;
  readonly rules: readonly PolicyRule[];
}

/** A translated policy, ready to compile or evaluate. */
export interface Policy {
  readonly defaultAction: PolicyAction;
  /** Action for calls from an ABI the policy does not list (libseccomp default: KILL_THREAD). */
  readonly badArchAction: PolicyAction;
  /** ABIs in filter order (the native one first). */
  readonly arches: readonly ArchPolicy[];
  /** SECCOMP_FILTER_FLAG_* names from the profile, kept. */
  readonly flags: readonly string[];
  readonly listenerPath?: string;
  readonly listenerMetadata?: string;
  /** Translation notes (skipped unknown syscalls, dropped rules...). */
  readonly warnings: readonly string[];
  /**
   * runc's -ENOSYS stub (libcontainer/seccomp/patchbpf), run before the filter:
   * per ABI, numbers above the largest syscall the profile names get
   * ERRNO(ENOSYS); absent when the runtime would not generate it.
   */
  readonly enosys?: readonly EnosysGuard[];
}

/** One ABI's entry of the -ENOSYS stub. */
export interface EnosysGuard {
  readonly arch: ArchName;
  /** Largest syscall number the profile names on this ABI (as seccomp_data.nr, x32 bit included). */
  readonly max: number;
}

/** SECCOMP_RET_ERRNO | ENOSYS (38): the stub's return value. */
export const ENOSYS_RET = 0x00050026;

/**
 * Does runc's -ENOSYS stub answer this call? (x86_64 and x32 are told apart by
 * bit 30 of nr, as the stub's `jset` does; s390/s390x also refuse nr 0, the
 * `setup` multiplexer.)
 */
export function enosysStubHits(guards: readonly EnosysGuard[] | undefined, archValue: number, nr: number): boolean {
  if (!guards || guards.length === 0) return false;
  const audit = archValue >>> 0;
  const n = nr >>> 0;
  const x32 = (n & X32_SYSCALL_BIT) !== 0;
  for (const g of guards) {
    const a = requireArch(g.arch);
    if (a.audit !== audit) continue;
    if (a.audit === AUDIT_ARCH.X86_64 && (a.nrBit !== 0) !== x32) continue;
    if ((a.name === 's390' || a.name === 's390x') && n === 0) return true;
    return n > g.max >>> 0;
  }
  return false;
}

/** 64-bit-clean call as seccomp sees it (the model's input). */
export interface SyscallCall {
  /** seccomp_data.nr (u32; x32 carries 0x40000000). */
  readonly nr: number;
  /** seccomp_data.arch (u32 AUDIT_ARCH value). */
  readonly arch: number;
  /** Up to six u64 arguments (missing = 0). */
  readonly args?: readonly bigint[];
  /** Instruction pointer (unused by profiles). */
  readonly ip?: bigint;
}

/** Makes an action, masking data to 16 bits (SECCOMP_RET_DATA). */
export function action(kind: ActionKind, data = 0): PolicyAction {
  return { kind, data: kind === 'ERRNO' || kind === 'TRACE' || kind === 'TRAP' ? data & 0xffff : 0 };
}

/** The u32 filter return value of an action. */
export function actionValue(a: PolicyAction): number {
  return (ACTION_BITS[a.kind] | (a.data & 0xffff)) >>> 0;
}

/** Decodes a u32 filter return value into an action (unknown action bits → KILL_PROCESS, as the kernel treats them). */
export function actionFromValue(ret: number): PolicyAction {
  const r = ret >>> 0;
  if ((r & 0x80000000) !== 0) return { kind: 'KILL_PROCESS', data: 0 };
  const full = (r & 0xffff0000) >>> 0;
  for (const [k, v] of Object.entries(ACTION_BITS) as [ActionKind, number][]) {
    if (v === full && k !== 'KILL_PROCESS') return { kind: k, data: r & 0xffff };
  }
  return { kind: 'KILL_PROCESS', data: 0 };
}

/** Human form: `ALLOW`, `ERRNO(1)`, `TRACE(5)`. */
export function describeAction(a: PolicyAction): string {
  return a.kind === 'ERRNO' || a.kind === 'TRACE' || a.kind === 'TRAP' ? `${a.kind}(${a.data})` : a.kind;
}

/** Same kind and data. */
export function sameAction(a: PolicyAction, b: PolicyAction): boolean {
  return a.kind === b.kind && a.data === b.data;
}

const U64 = (1n << 64n) - 1n;
const U32 = 0xffffffffn;

/** Does one condition hold for an argument value (already truncated to the ABI width)? */
export function conditionHolds(c: ArgCondition, arg: bigint, bits: 32 | 64): boolean {
  const m = bits === 64 ? U64 : U32;
  const a = arg & m;
  const v = c.value & m;
  switch (c.op) {
    case 'EQ': return a === v;
    case 'NE': return a !== v;
    case 'LT': return a < v;
    case 'LE': return a <= v;
    case 'GT': return a > v;
    case 'GE': return a >= v;
    case 'MASKED_EQ': return (a & v) === (c.valueTwo & v); // libseccomp masks the datum too
  }
}

/** The ABI a call belongs to in this policy, or undefined (bad arch). */
export function policyArchFor(policy: Policy, archValue: number, nr: number): ArchPolicy | undefined {
  if ((archValue >>> 0) === AUDIT_ARCH.X86_64) {
    // libseccomp's x32 split: unsigned nr >= 0x40000000 is x32, except -1 (a tracer
    // skipping the call), which passes the checks of either ABI
    const n = nr >>> 0;
    const x64 = policy.arches.find((p) => p.arch === 'x86_64');
    const x32 = policy.arches.find((p) => p.arch === 'x32');
    if (n === 0xffffffff) return x64 ?? x32;
    return n >= X32_SYSCALL_BIT ? x32 : x64;
  }
  const abi = archByValue(archValue, nr);
  if (abi === undefined) return undefined;
  return policy.arches.find((p) => p.arch === abi.name);
}

/** Result of evaluating the model. */
export interface Decision {
  readonly action: PolicyAction;
  /** The u32 return value. */
  readonly ret: number;
  /** The matching rule, if any (undefined: default or bad-arch action). */
  readonly rule?: PolicyRule;
  /** True when the ABI is not in the policy. */
  readonly badArch: boolean;
  /** True when runc's -ENOSYS stub answered (the number is above the profile's largest). */
  readonly enosysStub?: boolean;
}

/**
 * Reference evaluation of a policy for one call.
 * @returns the decision (action, u32 value, matching rule).
 */
export function evaluatePolicy(policy: Policy, call: SyscallCall): Decision {
  if (enosysStubHits(policy.enosys, call.arch, call.nr)) {
    return { action: { kind: 'ERRNO', data: 38 }, ret: ENOSYS_RET, badArch: false, enosysStub: true };
  }
  const ap = policyArchFor(policy, call.arch, call.nr);
  if (ap === undefined) return { action: policy.badArchAction, ret: actionValue(policy.badArchAction), badArch: true };
  const bits = requireArch(ap.arch).bits;
  const nr = call.nr >>> 0;
  for (const r of ap.rules) {
    if (r.nr !== nr) continue;
    let ok = true;
    for (const c of r.conditions) {
      if (!conditionHolds(c, call.args?.[c.index] ?? 0n, bits)) { ok = false; break; }
    }
    if (ok) return { action: r.action, ret: actionValue(r.action), rule: r, badArch: false };
  }
  return { action: policy.defaultAction, ret: actionValue(policy.defaultAction), badArch: false };
}

/**
 * The outcome of a syscall independent of arguments, when there is one.
 * @returns the action when every argument value gives the same action; undefined when it depends on arguments.
 */
export function constantOutcome(ap: ArchPolicy, nr: number, defaultAction: PolicyAction): PolicyAction | undefined {
  const rules = ap.rules.filter((r) => r.nr === nr);
  if (rules.length === 0) return defaultAction;
  if (rules[0]!.conditions.length === 0) return rules[0]!.action;
  if (rules.every((r) => sameAction(r.action, defaultAction))) return defaultAction;
  return undefined;
}

/** JSON-safe form of a policy (bigints as 0x strings). */
export function policyToJSON(p: Policy): unknown {
  return JSON.parse(JSON.stringify(p, (_k, v: unknown) => (typeof v === 'bigint' ? '0x' + v.toString(16) : v)));
}


/**
 * Parses a u64 given as number, bigint, decimal or 0x-hex string.
 * @param allowNegative accept -2^63..-1 as their two's-complement u64 (CLI convenience).
 * @throws InputError naming `path` when the value is not an integer in 0..2^64-1.
 */
export function parseU64(v: unknown, path: string, allowNegative = false): bigint {
  let b: bigint | undefined;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v);
  else if (typeof v === 'string' && /^\s*(0x[0-9a-f]+|-?\d+)\s*$/i.test(v)) b = BigInt(v.trim());
  if (b === undefined) throw new InputError(`expected an unsigned 64-bit integer, got ${describe(v)}`, { path });
  if (b < 0n) {
    if (!allowNegative) throw new InputError(`expected an unsigned 64-bit integer, got ${b}`, { path });
    if (b < -(1n << 63n)) throw new InputError(`value ${b} out of 64-bit range`, { path });
    b &= U64; // two's complement, as Go's uint64(int64) conversion would store it
  }
  if (b > U64) throw new InputError(`value ${b} out of 64-bit range`, { path });
  return b;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}
export { describe as describeJsonValue };

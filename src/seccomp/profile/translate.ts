/**
 * Profile → policy: the container runtimes' translation of a Docker/OCI
 * profile for one target (facts from moby profiles/seccomp/seccomp_linux.go
 * `setupSeccomp` and runc libcontainer/seccomp/seccomp_linux.go, libseccomp's
 * rule database):
 *
 * - ABIs: the native one first, then `architectures`, or the `archMap` entry of
 *   the native arch with its `subArchitectures` (libseccomp always keeps the
 *   native arch in the filter);
 * - an entry is skipped when `excludes` matches (an arch listed, any listed
 *   capability held, kernel ≥ minKernel) or `includes` does not (arch not
 *   listed, a listed capability missing, kernel < minKernel); arches in
 *   includes/excludes are compared with the native arch (Go GOARCH names such
 *   as `amd64` or libseccomp names);
 * - actions: ERRNO/TRACE without errnoRet use EPERM (1), as runc does;
 *   SCMP_ACT_KILL is KILL_THREAD;
 * - a rule whose action equals the default action is dropped (libseccomp
 *   refuses it);
 * - names unknown to every architecture are skipped with a warning; a name is
 *   added on each ABI where it exists; on ABIs with socketcall / ipc (x86,
 *   s390(x), ppc*, mips o32) socket and IPC calls also get a rule on the
 *   multiplexer with `a0 == SYS_*` replacing any condition on a0, as libseccomp
 *   adds it;
 * - conditions on different argument indexes are ANDed in one rule; when an
 *   index repeats, every condition becomes a rule of its own (OR), as runc
 *   does for libseccomp;
 * - per syscall, an unconditional rule overrides all conditional ones, and the
 *   first rule added for a syscall/condition set wins (libseccomp's database);
 * - runc's -ENOSYS stub (libcontainer/seccomp/patchbpf): unless the default
 *   errno is ENOSYS or the default action is ALLOW/LOG/TRACE, numbers above the
 *   largest syscall the profile names (per ABI) return ERRNO(ENOSYS) before the
 *   filter runs.
 */
import { release } from 'node:os';
import { InputError, ErrorCode } from '../../errors.js';
import { archByName, isKnownSyscallName, requireArch, syscallNumber, type ArchInfo, type ArchName } from '../arch.js';
import { action, sameAction, type ArgCondition, type ArchPolicy, type EnosysGuard, type Policy, type PolicyAction, type PolicyRule } from '../policy.js';
import type { ProfileActionName, ProfileFilter, SeccompProfile } from './types.js';

/** Docker's default capability set (moby oci/caps/defaults.go). */
export const DEFAULT_CAPS: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** Target of a translation. */
export interface TranslateOptions {
  /** Native architecture (default x86_64). */
  readonly arch?: ArchName | string;
  /** Capabilities the container holds (bounding set), `CAP_` prefix optional. Default: Docker's defaults. */
  readonly caps?: readonly string[];
  /** Kernel version "major.minor[.patch...]" (default: the running kernel). */
  readonly kernel?: string;
  /** Bad-arch action (default KILL_THREAD, libseccomp's SCMP_ACT_KILL). */
  readonly badArchAction?: PolicyAction;
  /**
   * Model runc's -ENOSYS stub (default true: runc is Docker's default
   * runtime). Set false for libseccomp's filter alone (e.g. to compare with
   * libseccomp's own output).
   */
  readonly enosysStub?: boolean;
}

/** Go GOARCH spelling of each native arch (moby compares includes.arches with runtime.GOARCH). */
const GOARCH: Readonly<Record<ArchName, string>> = {
  x86_64: 'amd64', x86: '386', x32: 'amd64', aarch64: 'arm64', arm: 'arm', riscv64: 'riscv64', s390x: 's390x',
  s390: 's390', ppc64le: 'ppc64le', ppc64: 'ppc64', ppc: 'ppc', mips: 'mips', mipsel: 'mipsle', mips64: 'mips64',
  mipsel64: 'mips64le', mips64n32: 'mips64p32', mipsel64n32: 'mips64p32le',
};

/** socketcall(2) sub-call numbers (include/uapi/linux/net.h SYS_*). */
const SOCKETCALLS: Readonly<Record<string, number>> = {
  socket: 1, bind: 2, connect: 3, listen: 4, accept: 5, getsockname: 6, getpeername: 7, socketpair: 8, send: 9, recv: 10,
  sendto: 11, recvfrom: 12, shutdown: 13, setsockopt: 14, getsockopt: 15, sendmsg: 16, recvmsg: 17, accept4: 18,
  recvmmsg: 19, sendmmsg: 20,
};
/** ipc(2) call numbers (include/uapi/linux/ipc.h). */
const IPCCALLS: Readonly<Record<string, number>> = {
  semop: 1, semget: 2, semctl: 3, semtimedop: 4, msgsnd: 11, msgrcv: 12, msgget: 13, msgctl: 14, shmat: 21, shmdt: 22,
  shmget: 23, shmctl: 24,
};
/** ABIs on which libseccomp also filters socketcall / ipc for these calls (its sys_socketcall / sys_ipc arches). */
const MULTIPLEXING: ReadonlySet<ArchName> = new Set<ArchName>(['x86', 's390', 's390x', 'ppc', 'ppc64', 'ppc64le', 'mips', 'mipsel']);

/** The multiplexer rule libseccomp adds for a socket / IPC call on an ABI that has socketcall / ipc. */
function multiplexed(abi: ArchInfo, name: string): { nr: number; name: string; call: number } | undefined {
  if (!MULTIPLEXING.has(abi.name)) return undefined;
  const sock = SOCKETCALLS[name];
  const ipc = IPCCALLS[name];
  const mux = sock !== undefined ? 'socketcall' : ipc !== undefined ? 'ipc' : undefined;
  if (mux === undefined) return undefined;
  const nr = syscallNumber(abi, mux);
  return nr === undefined ? undefined : { nr, name: mux, call: (sock ?? ipc)! };
}

/** Maps a profile action name and errno to a policy action. */
export function profileAction(name: ProfileActionName, errnoRet: number | undefined): PolicyAction {
  switch (name) {
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD': return action('KILL_THREAD');
    case 'SCMP_ACT_KILL_PROCESS': return action('KILL_PROCESS');
    case 'SCMP_ACT_TRAP': return action('TRAP');
    case 'SCMP_ACT_ERRNO': return action('ERRNO', errnoRet ?? 1);
    case 'SCMP_ACT_TRACE': return action('TRACE', errnoRet ?? 1);
    case 'SCMP_ACT_ALLOW': return action('ALLOW');
    case 'SCMP_ACT_LOG': return action('LOG');
    case 'SCMP_ACT_NOTIFY': return action('USER_NOTIF');
  }
}

function kernelAtLeast(kernel: string, min: string): boolean {
  const [a = 0, b = 0] = kernel.split(/[.-]/).map((x) => parseInt(x, 10) || 0);
  const [c = 0, d = 0] = min.split('.').map((x) => parseInt(x, 10) || 0);
  return a > c || (a === c && b >= d);
}

function archMatches(list: readonly string[], native: ArchInfo): boolean {
  return list.some((s) => s === GOARCH[native.name] || archByName(s)?.name === native.name || s === native.name);
}

function capName(c: string): string {
  const u = c.trim().toUpperCase();
  return u.startsWith('CAP_') ? u : `CAP_${u}`;
}

/** Does an entry apply to this target? (moby's includes/excludes logic) */
function applies(inc: ProfileFilter | undefined, exc: ProfileFilter | undefined, native: ArchInfo, caps: ReadonlySet<string>, kernel: string): boolean {
  if (exc) {
    if (exc.arches && exc.arches.length > 0 && archMatches(exc.arches, native)) return false;
    if (exc.caps && exc.caps.some((c) => caps.has(capName(c)))) return false;
    if (exc.minKernel !== undefined && kernelAtLeast(kernel, exc.minKernel)) return false;
  }
  if (inc) {
    if (inc.arches && inc.arches.length > 0 && !archMatches(inc.arches, native)) return false;
    if (inc.caps && inc.caps.some((c) => !caps.has(capName(c)))) return false;
    if (inc.minKernel !== undefined && !kernelAtLeast(kernel, inc.minKernel)) return false;
  }
  return true;
}

/** The ABIs a profile filters for a native arch (native first, no duplicates). */
export function profileArches(profile: SeccompProfile, native: ArchInfo): ArchInfo[] {
  let listed: string[] = [...profile.architectures];
  if (profile.archMap.length > 0) {
    const e = profile.archMap.find((m) => archByName(m.architecture)?.name === native.name);
    listed = e ? [e.architecture, ...e.subArchitectures] : [];
  }
  const out: ArchInfo[] = [native];
  for (const s of listed) {
    const a = requireArch(s);
    if (!out.some((x) => x.name === a.name)) out.push(a);
  }
  return out;
}

/**
 * Translates a parsed profile into a policy for one target.
 * @throws InputError (code SECCOMP) for an unknown target architecture.
 */
export function profileToPolicy(profile: SeccompProfile, opts: TranslateOptions = {}): Policy {
  const native = requireArch(opts.arch ?? 'x86_64');
  const caps = new Set((opts.caps ?? DEFAULT_CAPS).map(capName));
  const kernel = opts.kernel ?? release();
  if (!/^\d+\.\d+/.test(kernel)) throw new InputError(`invalid kernel version '${kernel}'`, {}, ErrorCode.Seccomp);
  const warnings: string[] = [...profile.warnings];
  const defaultAction = profileAction(profile.defaultAction, profile.defaultErrnoRet);
  const abis = profileArches(profile, native);
  const perArch = new Map<ArchName, PolicyRule[]>(abis.map((a) => [a.name, []]));
  const unknown = new Set<string>();
  const largest = new Map<ArchName, number>();
  for (const sc of profile.syscalls) {
    if (!applies(sc.includes, sc.excludes, native, caps, kernel)) continue;
    // runc's findLastSyscalls: every name of every entry the runtime passes on, whatever its action,
    // resolved by libseccomp (which answers socketcall / ipc for multiplexed calls)
    for (const name of sc.names) {
      for (const abi of abis) {
        const nr = multiplexed(abi, name)?.nr ?? syscallNumber(abi, name);
        if (nr !== undefined && nr > (largest.get(abi.name) ?? 0)) largest.set(abi.name, nr);
      }
    }
    const act = profileAction(sc.action, sc.errnoRet);
    if (sameAction(act, defaultAction)) continue; // libseccomp refuses rules with the default action
    const conds: ArgCondition[] = sc.args.map((a) => ({ index: a.index, op: a.op, value: a.value, valueTwo: a.valueTwo }));
    const counts = new Array<number>(6).fill(0);
    for (const c of conds) counts[c.index]!++;
    const groups: ArgCondition[][] = counts.some((n) => n > 1) ? conds.map((c) => [c]) : [conds];
    for (const name of sc.names) {
      if (!isKnownSyscallName(name)) {
        if (!unknown.has(name)) warnings.push(`${sc.path}: unknown syscall '${name}' skipped`);
        unknown.add(name);
        continue;
      }
      for (const abi of abis) {
        const nr = syscallNumber(abi, name);
        const mux = multiplexed(abi, name);
        if (nr === undefined && mux === undefined) continue;
        const list = perArch.get(abi.name)!;
        for (const g of groups) {
          if (nr !== undefined) list.push({ nr, name, action: act, conditions: g, origin: sc.path });
          // libseccomp also filters the multiplexer: a0 == the sub-call replaces any a0 condition
          if (mux !== undefined) {
            const conds: ArgCondition[] = [{ index: 0, op: 'EQ', value: BigInt(mux.call), valueTwo: 0n }, ...g.filter((c) => c.index !== 0)];
            list.push({ nr: mux.nr, name: mux.name, action: act, conditions: conds, origin: sc.path, via: { name, conditions: g } });
          }
        }
      }
    }
  }
  const arches: ArchPolicy[] = abis.map((a) => ({ arch: a.name, rules: normalizeRules(perArch.get(a.name)!) }));
  const p: {
    defaultAction: PolicyAction; badArchAction: PolicyAction; arches: ArchPolicy[]; flags: string[];
    listenerPath?: string; listenerMetadata?: string; warnings: string[];
  } = {
    defaultAction, badArchAction: opts.badArchAction ?? action('KILL_THREAD'), arches, flags: [...profile.flags], warnings,
  };
  // runc (libcontainer/seccomp/patchbpf generatePatch): no stub when the default errno is already
  // ENOSYS or the default action lets calls through (ALLOW, LOG, TRACE)
  const permissive = ['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE'].includes(profile.defaultAction);
  if (opts.enosysStub !== false && profile.defaultErrnoRet !== 38 && !permissive) {
    const guards = abis.filter((a) => (largest.get(a.name) ?? 0) > 0).map((a) => ({ arch: a.name, max: largest.get(a.name)! }));
    if (guards.length > 0) (p as { enosys?: EnosysGuard[] }).enosys = guards;
  }
  if (profile.listenerPath !== undefined) p.listenerPath = profile.listenerPath;
  if (profile.listenerMetadata !== undefined) p.listenerMetadata = profile.listenerMetadata;
  return p;
}

function condKey(c: readonly ArgCondition[]): string {
  return c.map((x) => `${x.index}:${x.op}:${x.value}:${x.valueTwo}`).sort().join('&');
}

/**
 * libseccomp's database semantics per syscall: the first unconditional rule
 * overrides every conditional one; a rule with the same condition set as an
 * earlier one is ignored. Rule order is otherwise kept.
 */
export function normalizeRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const uncond = new Map<number, PolicyRule>();
  for (const r of rules) if (r.conditions.length === 0 && !uncond.has(r.nr)) uncond.set(r.nr, r);
  const seen = new Set<string>();
  const out: PolicyRule[] = [];
  for (const r of rules) {
    const u = uncond.get(r.nr);
    if (u !== undefined && r !== u) continue;
    const k = `${r.nr}|${condKey(r.conditions)}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(r);
  }
  return out;
}

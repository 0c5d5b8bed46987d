/**
 * Audit architectures and syscall tables for seccomp.
 *
 * The kernel reports the calling convention of every system call in
 * `seccomp_data.arch` as an AUDIT_ARCH_* value (include/uapi/linux/audit.h:
 * ELF machine number | __AUDIT_ARCH_64BIT 0x80000000 | __AUDIT_ARCH_LE 0x40000000
 * [| __AUDIT_ARCH_CONVENTION_MIPS64_N32 0x20000000]). x32 is not an audit arch
 * of its own: x32 tasks report AUDIT_ARCH_X86_64 and set __X32_SYSCALL_BIT
 * (0x40000000) in the syscall number (arch/x86/include/uapi/asm/unistd.h).
 *
 * Names follow libseccomp (`scmp_arch_resolve_name`) and the Docker/OCI
 * profile spelling (`SCMP_ARCH_X86_64`). Syscall numbers come from
 * libseccomp's tables through the generated {@link SYSCALL_NUMBERS}
 * (scripts/gen-syscalls.py).
 */
import { InputError, ErrorCode } from '../errors.js';
import { SYSCALL_NAMES, SYSCALL_NUMBERS } from './syscall-table.generated.js';

/** AUDIT_ARCH_* values (include/uapi/linux/audit.h). */
export const AUDIT_ARCH = {
  X86_64: 0xc000003e,
  I386: 0x40000003,
  AARCH64: 0xc00000b7,
  ARM: 0x40000028,
  RISCV64: 0xc00000f3,
  S390X: 0x80000016,
  S390: 0x00000016,
  PPC64LE: 0xc0000015,
  PPC64: 0x80000015,
  PPC: 0x00000014,
  MIPS: 0x00000008,
  MIPSEL: 0x40000008,
  MIPS64: 0x80000008,
  MIPSEL64: 0xc0000008,
  MIPS64N32: 0xa0000008,
  MIPSEL64N32: 0xe0000008,
} as const;

/** __X32_SYSCALL_BIT: set in seccomp_data.nr by x32 tasks. */
export const X32_SYSCALL_BIT = 0x40000000;

/** The architecture names bpfsim accepts (libseccomp's spelling, lower case). */
export type ArchName =
  | 'x86_64' | 'x86' | 'x32' | 'aarch64' | 'arm' | 'riscv64' | 's390x' | 's390'
  | 'ppc64le' | 'ppc64' | 'ppc' | 'mips' | 'mipsel' | 'mips64' | 'mipsel64'
  | 'mips64n32' | 'mipsel64n32';

/** One architecture (ABI) as seccomp sees it. */
export interface ArchInfo {
  /** libseccomp name, e.g. `x86_64`. */
  readonly name: ArchName;
  /** Docker/OCI spelling, e.g. `SCMP_ARCH_X86_64`. */
  readonly scmpName: string;
  /** Value of seccomp_data.arch for calls in this ABI (x32: AUDIT_ARCH_X86_64). */
  readonly audit: number;
  /** Bits every syscall number of this ABI carries (x32: 0x40000000), else 0. */
  readonly nrBit: number;
  /** libseccomp's SCMP_ARCH_* token (differs from `audit` only for x32). */
  readonly scmpToken: number;
  /** 64-bit ABI (syscall arguments are 64 bits wide). */
  readonly bits: 32 | 64;
  /** Byte order of the ABI (decides which half of seccomp_data.args[i] is at the lower offset). */
  readonly endian: 'little' | 'big';
}

function arch(name: ArchName, scmpName: string, audit: number, bits: 32 | 64, nrBit = 0, scmpToken = audit): ArchInfo {
  return Object.freeze({ name, scmpName, audit, nrBit, scmpToken, bits, endian: (audit & 0x40000000) !== 0 ? 'little' : 'big' });
}

/** Every architecture bpfsim knows, in a stable order. */
export const ARCHES: readonly ArchInfo[] = Object.freeze([
  arch('x86_64', 'SCMP_ARCH_X86_64', AUDIT_ARCH.X86_64, 64),
  arch('x86', 'SCMP_ARCH_X86', AUDIT_ARCH.I386, 32),
  { ...arch('x32', 'SCMP_ARCH_X32', AUDIT_ARCH.X86_64, 32, X32_SYSCALL_BIT, 0x4000003e), endian: 'little' as const },
  arch('aarch64', 'SCMP_ARCH_AARCH64', AUDIT_ARCH.AARCH64, 64),
  arch('arm', 'SCMP_ARCH_ARM', AUDIT_ARCH.ARM, 32),
  arch('riscv64', 'SCMP_ARCH_RISCV64', AUDIT_ARCH.RISCV64, 64),
  arch('s390x', 'SCMP_ARCH_S390X', AUDIT_ARCH.S390X, 64),
  arch('s390', 'SCMP_ARCH_S390', AUDIT_ARCH.S390, 32),
  arch('ppc64le', 'SCMP_ARCH_PPC64LE', AUDIT_ARCH.PPC64LE, 64),
  arch('ppc64', 'SCMP_ARCH_PPC64', AUDIT_ARCH.PPC64, 64),
  arch('ppc', 'SCMP_ARCH_PPC', AUDIT_ARCH.PPC, 32),
  arch('mips', 'SCMP_ARCH_MIPS', AUDIT_ARCH.MIPS, 32),
  arch('mipsel', 'SCMP_ARCH_MIPSEL', AUDIT_ARCH.MIPSEL, 32),
  arch('mips64', 'SCMP_ARCH_MIPS64', AUDIT_ARCH.MIPS64, 64),
  arch('mipsel64', 'SCMP_ARCH_MIPSEL64', AUDIT_ARCH.MIPSEL64, 64),
  arch('mips64n32', 'SCMP_ARCH_MIPS64N32', AUDIT_ARCH.MIPS64N32, 32),
  arch('mipsel64n32', 'SCMP_ARCH_MIPSEL64N32', AUDIT_ARCH.MIPSEL64N32, 32),
].map((a) => Object.freeze(a)));

const BY_NAME = new Map<string, ArchInfo>();
for (const a of ARCHES) {
  BY_NAME.set(a.name, a);
  BY_NAME.set(a.scmpName.toLowerCase(), a);
}
// Common aliases (uname -m, Go GOARCH, OCI platform names).
for (const [alias, name] of [
  ['amd64', 'x86_64'], ['i386', 'x86'], ['i686', 'x86'], ['386', 'x86'], ['arm64', 'aarch64'],
  ['armhf', 'arm'], ['armel', 'arm'], ['ppc64el', 'ppc64le'], ['mips64le', 'mipsel64'], ['mipsle', 'mipsel'],
] as const) BY_NAME.set(alias, BY_NAME.get(name)!);

/**
 * Looks an architecture up by libseccomp name (`x86_64`), Docker name
 * (`SCMP_ARCH_X86_64`, any case) or common alias (`amd64`, `arm64`).
 * @returns the architecture, or undefined when unknown.
 */
export function archByName(name: string): ArchInfo | undefined {
  return BY_NAME.get(name.trim().toLowerCase());
}

/**
 * Like {@link archByName} but throws.
 * @throws InputError (code SECCOMP) naming the unknown architecture.
 */
export function requireArch(name: string | ArchInfo, path?: string): ArchInfo {
  if (typeof name !== 'string') return name;
  const a = archByName(name);
  if (a === undefined) {
    throw new InputError(`unknown architecture '${name}' (known: ${ARCHES.map((x) => x.name).join(', ')})`,
      path === undefined ? {} : { path }, ErrorCode.Seccomp);
  }
  return a;
}

/**
 * The architecture (ABI) of a call given seccomp_data.arch and, to tell x32
 * from x86_64, seccomp_data.nr.
 * @param audit AUDIT_ARCH value (u32).
 * @param nr syscall number as the kernel reports it (u32 or signed int).
 * @returns the ABI, or undefined for an audit arch bpfsim does not know.
 */
export function archByValue(audit: number, nr?: number): ArchInfo | undefined {
  const a = audit >>> 0;
  if (a === AUDIT_ARCH.X86_64 && nr !== undefined && ((nr >>> 0) & X32_SYSCALL_BIT) !== 0) return BY_NAME.get('x32');
  for (const x of ARCHES) if (x.audit === a && x.nrBit === 0) return x;
  return undefined;
}

interface Table {
  readonly byName: Map<string, number>;
  readonly byNr: Map<number, string>;
  readonly list: readonly { name: string; nr: number }[];
}
const TABLES = new Map<ArchName, Table>();

function table(a: ArchInfo): Table {
  let t = TABLES.get(a.name);
  if (t) return t;
  const nums = SYSCALL_NUMBERS[a.name];
  const byName = new Map<string, number>();
  const byNr = new Map<number, string>();
  const list: { name: string; nr: number }[] = [];
  if (nums) {
    for (let i = 0; i < SYSCALL_NAMES.length; i++) {
      const nr = nums[i]!;
      if (nr < 0) continue;
      const name = SYSCALL_NAMES[i]!;
      byName.set(name, nr);
      if (!byNr.has(nr)) byNr.set(nr, name);
      list.push({ name, nr });
    }
  }
  list.sort((x, y) => x.nr - y.nr || (x.name < y.name ? -1 : 1));
  t = { byName, byNr, list: Object.freeze(list.map((e) => Object.freeze(e))) };
  TABLES.set(a.name, t);
  return t;
}

/**
 * The number of a syscall on an architecture, as seccomp_data.nr carries it
 * (x32 numbers include 0x40000000).
 * @returns the number, or undefined when the syscall does not exist there.
 * @throws InputError for an unknown architecture name.
 */
export function syscallNumber(arch: ArchName | string | ArchInfo, name: string): number | undefined {
  return table(requireArch(arch)).byName.get(name);
}

/**
 * The name of syscall number `nr` on an architecture.
 * @returns the name, or undefined when libseccomp's table has no such number.
 * @throws InputError for an unknown architecture name.
 */
export function syscallName(arch: ArchName | string | ArchInfo, nr: number): string | undefined {
  return table(requireArch(arch)).byNr.get(nr >>> 0);
}

/**
 * Every syscall of an architecture, sorted by number.
 * @throws InputError for an unknown architecture name.
 */
export function syscallsOf(arch: ArchName | string | ArchInfo): readonly { name: string; nr: number }[] {
  return table(requireArch(arch)).list;
}

/** True when any architecture knows a syscall of this name. */
export function isKnownSyscallName(name: string): boolean {
  return KNOWN.has(name);
}
const KNOWN = new Set(SYSCALL_NAMES);

/**
 * Resolves `name` or a number (decimal / 0x string or number) on an architecture.
 * @throws InputError (code SECCOMP) when the name is unknown on that arch.
 */
export function resolveSyscall(arch: ArchName | string | ArchInfo, nameOrNr: string | number): number {
  const a = requireArch(arch);
  if (typeof nameOrNr === 'number') return nameOrNr >>> 0;
  const s = nameOrNr.trim();
  if (/^(0x[0-9a-f]+|\d+)$/i.test(s)) return Number(s) >>> 0;
  const nr = syscallNumber(a, s);
  if (nr === undefined) throw new InputError(`unknown syscall '${s}' on ${a.name}`, {}, ErrorCode.Seccomp);
  return nr;
}

/** The highest syscall number of an architecture (without its nrBit / offset removed). */
export function maxSyscallNumber(arch: ArchName | string | ArchInfo): number {
  const l = syscallsOf(arch);
  return l.length ? l[l.length - 1]!.nr : 0;
}

/**
 * The Docker/OCI seccomp profile as plain spec data (what `parseProfile`
 * returns): the OCI runtime-spec `LinuxSeccomp` fields plus moby's extensions
 * (`archMap`, per-syscall `name`, `comment`, `includes`/`excludes`) and
 * containers-common's `defaultErrno`/`errno` names.
 * Sources (facts only): opencontainers/runtime-spec config-linux.md §Seccomp,
 * moby profiles/seccomp/seccomp.go, containers/common pkg/seccomp/types.go.
 */
import type { CompareOp } from '../policy.js';

/** Profile action names (SCMP_ACT_*). */
export type ProfileActionName =
  | 'SCMP_ACT_KILL' | 'SCMP_ACT_KILL_THREAD' | 'SCMP_ACT_KILL_PROCESS' | 'SCMP_ACT_TRAP' | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_TRACE' | 'SCMP_ACT_ALLOW' | 'SCMP_ACT_LOG' | 'SCMP_ACT_NOTIFY';

/** One argument condition as written in a profile. */
export interface ProfileArg {
  readonly index: number;
  readonly value: bigint;
  readonly valueTwo: bigint;
  readonly op: CompareOp;
}

/** includes / excludes filter of a syscall entry. */
export interface ProfileFilter {
  readonly caps?: readonly string[];
  readonly arches?: readonly string[];
  /** "major.minor" */
  readonly minKernel?: string;
}

/** One `syscalls[]` entry. */
export interface ProfileSyscall {
  readonly names: readonly string[];
  readonly action: ProfileActionName;
  readonly errnoRet?: number;
  readonly args: readonly ProfileArg[];
  readonly comment?: string;
  readonly includes?: ProfileFilter;
  readonly excludes?: ProfileFilter;
  /** JSON path of the entry (`$.syscalls[4]`). */
  readonly path: string;
}

/** An archMap entry. */
export interface ProfileArchMap {
  readonly architecture: string;
  readonly subArchitectures: readonly string[];
}

/** A parsed, validated profile. */
export interface SeccompProfile {
  readonly defaultAction: ProfileActionName;
  readonly defaultErrnoRet?: number;
  readonly architectures: readonly string[];
  readonly archMap: readonly ProfileArchMap[];
  readonly flags: readonly string[];
  readonly listenerPath?: string;
  readonly listenerMetadata?: string;
  readonly syscalls: readonly ProfileSyscall[];
  /** Non-fatal findings while parsing (unknown keys...). */
  readonly warnings: readonly string[];
}

/**
 * The verifier's per-run environment (after `struct bpf_verifier_env`): the
 * program, maps, options, id generator, log, statistics, and the rejection
 * error used internally.
 */
import type { Program } from '../isa/insn.js';
import type { ProgTypeName } from '../isa/prog-types.js';
import type { MapSpec } from '../maps/spec.js';
import type { Checkpoint } from './state.js';

/** Internal: a rejection at an instruction (converted to a VerifyResult). */
export class Reject extends Error {
  constructor(readonly msg: string, readonly pc: number | undefined, readonly errno: 'EACCES' | 'EINVAL' | 'E2BIG' | 'EFAULT' = 'EACCES', readonly logged = false) {
    super(msg);
  }
}

/** Options of {@link verify}. */
export interface VerifyOptions {
  /** Program type (kernel name, `seccomp` or `raw`); default socket_filter. */
  progType?: ProgTypeName;
  /** Maps referenced by ld_imm64 (imm = index into this list). */
  maps?: readonly MapSpec[];
  /** 0: no log; 1: instructions of the failing path; 2: register state per instruction. */
  logLevel?: 0 | 1 | 2;
  /** BPF_F_STRICT_ALIGNMENT (1), BPF_F_ANY_ALIGNMENT (2), ... */
  progFlags?: number;
  /** Raw type: size of the buffer r1 points to (default 64). */
  rawMemSize?: number;
  /** Instruction budget (default 1,000,000: BPF_COMPLEXITY_LIMIT_INSNS). */
  insnLimit?: number;
}

/** The per-run environment. */
export interface Env {
  prog: Program;
  maps: readonly MapSpec[];
  progType: ProgTypeName;
  logLevel: 0 | 1 | 2;
  strictAlign: boolean;
  rawMemSize: number;
  insnLimit: number;
  log: string[];
  idGen: number;
  insnProcessed: number;
  totalStates: number;
  peakStates: number;
  curStates: number;
  maxStatesPerInsn: number;
  explored: Map<number, Checkpoint[]>;
  prunePoint: Uint8Array;
  /** Subprogram start slots, ascending (index 0 = main). */
  subprogs: number[];
  /** Max stack depth reached per subprogram start. */
  stackDepth: Map<number, number>;
  /** Static call graph edges: subprog start → callee starts. */
  callees: Map<number, Set<number>>;
  /** Pointer type each load/store instruction was first seen with (save_aux_ptr_type). */
  auxPtrType: Map<number, string>;
  /** Conditional jumps processed; checkpoint pacing (the kernel's add_new_state heuristic). */
  jmpsProcessed: number;
  lastCheckpointInsn: number;
  lastCheckpointJmps: number;
}

/** BPF_MAX_VAR_OFF: bound on pointer offsets. */
export const BPF_MAX_VAR_OFF = 1 << 29;
/** BPF_MAX_VAR_SIZ: bound on helper memory sizes. */
export const BPF_MAX_VAR_SIZ = 1 << 29;
/** MAX_CALL_FRAMES. */
export const MAX_CALL_FRAMES = 8;

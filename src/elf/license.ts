/**
 * License rules of BPF_PROG_LOAD: a program whose license string is not GPL-compatible may not call a helper the
 * kernel marks `gpl_only` (kernel/bpf/verifier.c check_helper_call: "cannot call GPL-restricted function from
 * non-GPL compatible program", EINVAL; include/linux/license.h license_is_gpl_compatible).
 *
 * Provenance of the tables: measured on Linux 6.18 (this machine) with koracle `ebpf-load`: for each program type
 * below and each helper id 1..219, `call N` under license "Proprietary", recording which loads the verifier
 * refused with that message; and the license strings accepted with helper 6 (trace_printk). Program types not
 * measured use the set common to all measured types (the networking base set).
 */
import { ElfError, ErrorCode } from '../errors.js';
import { helperName } from '../isa/helper-ids.js';
import type { ProgramSpec } from './spec.js';

/** The license strings the kernel treats as GPL-compatible (exact, case-sensitive match). */
export const GPL_COMPATIBLE_LICENSES: readonly string[] = ['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL'];

/** Whether the kernel treats `license` as GPL-compatible. */
export function isGplCompatible(license: string): boolean {
  return GPL_COMPATIBLE_LICENSES.includes(license);
}

const BASE = [6, 22, 25, 35, 55, 112, 113, 114, 115, 158, 165, 169, 170, 171, 172, 175, 176, 177, 191];
const XDP_TC = [...BASE, 69, 100, 110, 163, 204, 205, 206, 207];
const TRACE = [...BASE, 4, 27, 45, 67, 173];
const GPL_ONLY: Readonly<Record<string, ReadonlySet<number>>> = {
  socket_filter: new Set(BASE), cgroup_skb: new Set(BASE), sk_skb: new Set(BASE), lwt_in: new Set(BASE),
  xdp: new Set(XDP_TC), sched_cls: new Set(XDP_TC), sched_act: new Set(XDP_TC),
  kprobe: new Set(TRACE), tracepoint: new Set(TRACE), raw_tracepoint: new Set(TRACE),
  perf_event: new Set([...TRACE.filter((x) => x !== 27), 56, 119]),
};
const DEFAULT_GPL_ONLY: ReadonlySet<number> = new Set(BASE);

/** The helper ids that are `gpl_only` for a program type on Linux 6.18 (see the module comment for provenance). */
export function gplOnlyHelpers(progType: string): ReadonlySet<number> {
  return GPL_ONLY[progType] ?? DEFAULT_GPL_ONLY;
}

/**
 * Refuses, as BPF_PROG_LOAD does, a program with a non-GPL-compatible license that calls a `gpl_only` helper.
 * @throws ElfError (code ELF) naming the program's section, symbol, the helper and the instruction's byte offset
 */
export function checkLicense(ps: ProgramSpec): void {
  if (isGplCompatible(ps.license)) return;
  const gpl = gplOnlyHelpers(ps.type);
  const b = ps.insns;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i + 8 <= b.length; i += 8) {
    if (b[i] === 0x18) { i += 8; continue; }
    if (b[i] !== 0x85 || b[i + 1]! >> 4 !== 0) continue;
    const id = v.getInt32(i + 4, true);
    if (!gpl.has(id)) continue;
    throw new ElfError(
      `program '${ps.name}': cannot call GPL-restricted function bpf_${helperName(id) ?? id}#${id} from non-GPL compatible program (license '${ps.license}'; GPL-compatible: ${GPL_COMPATIBLE_LICENSES.map((l) => `'${l}'`).join(', ')})`,
      ps.section, i, ErrorCode.Elf);
  }
}

/** Builds libseccomp's own filter for a policy through python3-seccomp (test/seccomp/support/libseccomp.py). */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { decodeFilter, type SockFilter } from '../../../src/cbpf/insn.js';
import { hexToBytes } from '../../../src/isa/insn.js';
import { actionValue, requireArch, syscallNumber, type Policy } from '../../../src/seccomp/index.js';

const PY = '/usr/bin/python3';
const SCRIPT = new URL('./libseccomp.py', import.meta.url).pathname;

/** True when python3-seccomp can be used. */
export function libseccompAvailable(): boolean {
  if (!existsSync(PY)) return false;
  try {
    execFileSync(PY, ['-c', 'import seccomp'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** libseccomp's filter for a policy whose rules are the same by name on every ABI (profile-derived). */
export function libseccompFilter(policy: Policy, optimize: 1 | 2 = 1): SockFilter[] {
  const native = policy.arches[0]!;
  const rules: { name: string; action: number; conds: [number, string, string, string][] }[] = [];
  const key = new Set<string>();
  const add = (ap: (typeof policy.arches)[number], onlyForeign: boolean): void => {
    for (const r0 of ap.rules) {
      // libseccomp derives socketcall / ipc rules itself: hand it the original call
      const r = r0.via ? { ...r0, name: r0.via.name, conditions: r0.via.conditions } : r0;
      if (onlyForeign && syscallNumber(native.arch, r.name) !== undefined) continue;
      const conds = r.conditions.map((c) => [c.index, c.op, c.value.toString(), c.valueTwo.toString()] as [number, string, string, string]);
      const k = JSON.stringify([r.name, conds, actionValue(r.action)]);
      if (key.has(k)) continue;
      key.add(k);
      rules.push({ name: r.name, action: actionValue(r.action), conds });
    }
  };
  add(native, false);
  for (const ap of policy.arches.slice(1)) add(ap, true);
  const spec = {
    arches: policy.arches.map((a) => a.arch), default: actionValue(policy.defaultAction),
    badArch: actionValue(policy.badArchAction), optimize, rules,
  };
  const hex = execFileSync(PY, [SCRIPT], { input: JSON.stringify(spec), encoding: 'utf8' });
  const bytes = hexToBytes(hex);
  // seccomp_export_bpf writes the filter in the byte order of the filter's arches
  if (requireArch(policy.arches[0]!.arch).endian === 'big') {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    for (let o = 0; o < bytes.length; o += 8) {
      dv.setUint16(o, dv.getUint16(o, false), true);
      dv.setUint32(o + 4, dv.getUint32(o + 4, false), true);
    }
  }
  return decodeFilter(bytes);
}

/**
 * Minimisation of eBPF programs for findings: delete instruction slots (fixing
 * the relative offsets of every jump and call that crosses them) while a
 * predicate still holds, then print hex and kernel-style disassembly.
 */
import { type Insn, disasm, encodeInsns, bytesToHex } from '../../../src/index.js';

function isJmpClass(code: number): boolean { const c = code & 7; return c === 5 || c === 6; }
function isLddw(code: number): boolean { return code === 0x18; }

/** Slot `i` starts an ld_imm64 second half? */
function isHi(insns: readonly Insn[], i: number): boolean { return i > 0 && isLddw(insns[i - 1]!.code) && !isHi(insns, i - 1); }

/**
 * Removes `n` slots at `at`, re-targeting relative jumps/calls that cross the gap.
 * Returns undefined when some branch targets a removed slot.
 */
export function removeSlots(insns: readonly Insn[], at: number, n: number): Insn[] | undefined {
  const out: Insn[] = [];
  for (let i = 0; i < insns.length; i++) {
    if (i >= at && i < at + n) continue;
    const x = insns[i]!;
    if (isJmpClass(x.code) && !isHi(insns, i)) {
      const op = x.code & 0xf0;
      const usesImm = (x.code === 0x06) || (op === 0x80 && x.src === 1);
      if (op === 0x90 || (op === 0x80 && x.src !== 1)) { out.push(x); continue; }
      const rel = usesImm ? x.imm : x.off;
      const tgt = i + 1 + rel;
      if (tgt >= at && tgt < at + n) return undefined;
      const ni = i >= at + n ? i - n : i;
      const nt = tgt >= at + n ? tgt - n : tgt;
      const nrel = nt - ni - 1;
      out.push(usesImm ? { ...x, imm: nrel } : { ...x, off: nrel });
    } else out.push(x);
  }
  return out;
}

/**
 * Greedy minimisation: repeatedly tries to delete single instructions (ld_imm64
 * as a pair) and halves of the program while `fails` holds. `budget` caps the
 * number of predicate calls.
 */
export function minimize(insns: readonly Insn[], fails: (p: Insn[]) => boolean, budget = 400): Insn[] {
  let cur = [...insns];
  let calls = 0;
  let progress = true;
  while (progress && calls < budget) {
    progress = false;
    for (let chunk = Math.max(1, cur.length >> 1); chunk >= 1 && calls < budget; chunk >>= 1) {
      for (let i = 0; i + chunk <= cur.length && calls < budget;) {
        let n = chunk;
        if (isHi(cur, i)) { i++; continue; }
        if (isLddw(cur[i + n - 1]!.code) && !isHi(cur, i + n - 1)) n++;
        const cand = removeSlots(cur, i, n);
        if (cand !== undefined && cand.length > 0) {
          calls++;
          let ok = false;
          try { ok = fails(cand); } catch { ok = false; }
          if (ok) { cur = cand; progress = true; continue; }
        }
        i += 1;
      }
    }
  }
  return cur;
}

/** Hex + numbered kernel-style disassembly of a program (for findings). */
export function describeProgram(insns: readonly Insn[] | Uint8Array): string {
  const bytes = insns instanceof Uint8Array ? insns : encodeInsns(insns);
  let text: string;
  try { text = disasm(bytes, { numbered: true, validate: false }).join('\n'); } catch (e) { text = `(disasm failed: ${(e as Error).message})`; }
  return `hex ${bytesToHex(bytes)}\n${text}`;
}

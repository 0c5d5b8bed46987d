/**
 * The helpers that bpf_conformance's plugins register (the uBPF test
 * helpers, ids 0–5), so that `bpfsim plugin` and the conformance tests run
 * the `call_*` / `callx` vectors exactly as the public runner's uBPF plugin
 * does. They override Linux helper ids 0–5 and are not registered by default.
 *
 * - 0 gather_bytes(a, b, c, d, e) = a<<32 | (u8)b<<24 | (u8)c<<16 | (u8)d<<8 | (u8)e
 * - 1 memfrob(ptr, n): XOR n bytes with 42, returns 0
 * - 2 no_op() = 0
 * - 3 sqrti(x) = floor(sqrt(x)) (32-bit)
 * - 4 strcmp_ext(a, b): strcmp of two NUL-terminated strings
 * - 5 unwind(x) = x; when x is 0 the program ends at once with r0 = 0
 *   (uBPF's "unwind" helper index, set by the plugin)
 */

import { helperRead, helperWrite } from './helpers.js';
import type { HelperCall, HelperDef } from './types.js';

function cstr(call: HelperCall, addr: bigint): number[] {
  const out: number[] = [];
  for (let i = 0n; i < 65536n; i++) {
    const b = helperRead(call, addr + i, 1)[0]!;
    if (b === 0) break;
    out.push(b);
  }
  return out;
}

/** The bpf_conformance / uBPF test helpers (ids 0–5). */
export function conformanceHelpers(): HelperDef[] {
  return [
    {
      id: 0, name: 'gather_bytes',
      fn: (_c, a, b, c, d, e) => BigInt.asUintN(64, (a << 32n) | ((b & 0xffn) << 24n) | ((c & 0xffn) << 16n) | ((d & 0xffn) << 8n) | (e & 0xffn)),
    },
    {
      id: 1, name: 'memfrob',
      fn: (call, ptr, n) => {
        const len = Number(n & 0xffffffffn);
        const bytes = helperRead(call, ptr, len);
        for (let i = 0; i < bytes.length; i++) bytes[i]! ^= 42;
        helperWrite(call, ptr, bytes);
        return 0n;
      },
    },
    { id: 2, name: 'no_op', fn: () => 0n },
    { id: 3, name: 'sqrti', fn: (_c, x) => BigInt(Math.floor(Math.sqrt(Number(x & 0xffffffffn)))) },
    {
      id: 4, name: 'strcmp_ext',
      fn: (call, a, b) => {
        const x = cstr(call, a), y = cstr(call, b);
        for (let i = 0; ; i++) {
          const p = x[i] ?? 0, q = y[i] ?? 0;
          if (p !== q) return BigInt.asUintN(64, BigInt(p - q));
          if (p === 0) return 0n;
        }
      },
    },
    {
      id: 5, name: 'unwind',
      fn: (call, x) => {
        if (x === 0n) call.requestExit?.();
        return x;
      },
    },
  ];
}

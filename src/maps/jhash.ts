/**
 * Bob Jenkins' lookup3 hash as the kernel uses it for hash maps
 * (`include/linux/jhash.h`: jhash, jhash2; `kernel/bpf/hashtab.c`:
 * htab_map_hash picks jhash2 for key sizes that are a multiple of 4).
 * Written from the published algorithm; 32-bit arithmetic with `| 0` / `>>> 0`.
 */

const INITVAL = 0xdeadbeef;

function rol(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The final mix of lookup3; returns c. */
function final(a: number, b: number, c: number): number {
  c = (c ^ b) >>> 0; c = (c - rol(b, 14)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rol(c, 11)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rol(a, 25)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rol(b, 16)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rol(c, 4)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rol(a, 14)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rol(b, 24)) >>> 0;
  return c;
}

/** Mixes three words in place (the state array s = [a, b, c]). */
function mix(s: Uint32Array): void {
  let a = s[0]!, b = s[1]!, c = s[2]!;
  a = (a - c) >>> 0; a = (a ^ rol(c, 4)) >>> 0; c = (c + b) >>> 0;
  b = (b - a) >>> 0; b = (b ^ rol(a, 6)) >>> 0; a = (a + c) >>> 0;
  c = (c - b) >>> 0; c = (c ^ rol(b, 8)) >>> 0; b = (b + a) >>> 0;
  a = (a - c) >>> 0; a = (a ^ rol(c, 16)) >>> 0; c = (c + b) >>> 0;
  b = (b - a) >>> 0; b = (b ^ rol(a, 19)) >>> 0; a = (a + c) >>> 0;
  c = (c - b) >>> 0; c = (c ^ rol(b, 4)) >>> 0; b = (b + a) >>> 0;
  s[0] = a; s[1] = b; s[2] = c;
}

const st = new Uint32Array(3);

function u32le(k: Uint8Array, i: number): number {
  return (k[i]! | (k[i + 1]! << 8) | (k[i + 2]! << 16) | (k[i + 3]! << 24)) >>> 0;
}

/** jhash(key, length, initval) over bytes. */
export function jhash(k: Uint8Array, initval: number): number {
  let len = k.length;
  const v = (INITVAL + len + initval) >>> 0;
  st[0] = v; st[1] = v; st[2] = v;
  let i = 0;
  while (len > 12) {
    st[0] = (st[0]! + u32le(k, i)) >>> 0;
    st[1] = (st[1]! + u32le(k, i + 4)) >>> 0;
    st[2] = (st[2]! + u32le(k, i + 8)) >>> 0;
    mix(st);
    len -= 12; i += 12;
  }
  if (len === 0) return st[2]!;
  let a = st[0]!, b = st[1]!, c = st[2]!;
  // The tail: bytes i .. i+len-1 go into a (0..3), b (4..7), c (8..11), lowest byte first.
  for (let j = len - 1; j >= 0; j--) {
    const v = (k[i + j]! << ((j & 3) * 8)) >>> 0;
    if (j >= 8) c = (c + v) >>> 0;
    else if (j >= 4) b = (b + v) >>> 0;
    else a = (a + v) >>> 0;
  }
  return final(a, b, c);
}

/** jhash2(words, length in words, initval) over a key whose size is a multiple of 4 (little-endian words). */
export function jhash2(k: Uint8Array, initval: number): number {
  let words = k.length >>> 2;
  const v = (INITVAL + (words << 2) + initval) >>> 0;
  st[0] = v; st[1] = v; st[2] = v;
  let i = 0;
  while (words > 3) {
    st[0] = (st[0]! + u32le(k, i)) >>> 0;
    st[1] = (st[1]! + u32le(k, i + 4)) >>> 0;
    st[2] = (st[2]! + u32le(k, i + 8)) >>> 0;
    mix(st);
    words -= 3; i += 12;
  }
  if (words === 0) return st[2]!;
  let a = st[0]!, b = st[1]!, c = st[2]!;
  if (words === 3) c = (c + u32le(k, i + 8)) >>> 0;
  if (words >= 2) b = (b + u32le(k, i + 4)) >>> 0;
  a = (a + u32le(k, i)) >>> 0;
  return final(a, b, c);
}

/** htab_map_hash: the bucket hash of a key. */
export function htabHash(key: Uint8Array, seed: number): number {
  return key.length % 4 === 0 ? jhash2(key, seed) : jhash(key, seed);
}

/**
 * Minimised verifier disagreements from docs/kernel-diff-findings.md, as data:
 * each vector is run through the kernel (koracle ebpf-load) and bpfsim's
 * verify; `open: true` marks the ones still open when written (the quick test
 * runs them with `it.fails`, so fixing one makes the test fail until the flag
 * is removed here).
 */
export interface VerdictVector {
  id: string;
  finding: string;
  progType: 'socket_filter' | 'xdp' | 'sched_cls' | 'tracepoint' | 'cgroup_skb';
  hex: string;
  /** One array map (key 4, value 64, 1 entry) as map index 0. */
  arrayMap?: boolean;
  /** Compare the error line too (both reject). */
  message?: boolean;
  open: boolean;
}

export const VERDICT_VECTORS: readonly VerdictVector[] = [
  { id: 'alu32-div-zext', finding: 'V10', progType: 'socket_filter', hex: 'b70800002f0000003408000003000000' + '55080100562bf1ef79a0080000000000b7000000000000009500000000000000', open: false },
  { id: 'alu32-mod-zext', finding: 'V10', progType: 'socket_filter', hex: 'b70800002f0000009408000003000000' + '55080100562bf1ef79a0080000000000b7000000000000009500000000000000', open: false },
  { id: 'alu32-sdiv-zext', finding: 'V10', progType: 'socket_filter', hex: 'b70800002f0000003408010003000000' + '55080100562bf1ef79a0080000000000b7000000000000009500000000000000', open: false },
  { id: 'alu32-var-lsh-zext', finding: 'V10', progType: 'socket_filter', hex: 'b70800002f00000061120000000000006c280000000000005508' + '0100562bf1ef79a0080000000000b7000000000000009500000000000000', open: false },
  { id: 'alu32-mul-agrees', finding: 'V10 (control)', progType: 'socket_filter', hex: 'b70800002f00000061120000000000002c2800000000000055080100562bf1ef79a0080000000000b7000000000000009500000000000000', open: false },
  { id: 'loop-imprecise-scalar-pruning', finding: 'V12', progType: 'socket_filter', arrayMap: true, hex: '18210000000000000000000000000000b70800001e000000b706000000000000611000000000000067060000010000004600010001000000470600000100000004080000ffffffff5608faff00000000b7000000000000009500000000000000', open: false },
  { id: 'dead-reserved-mov', finding: 'V1', progType: 'socket_filter', hex: 'b7000000000000001500010000000000b7010200000000009500000000000000', open: false },
  { id: 'dead-bad-register', finding: 'V1', progType: 'socket_filter', hex: 'b7000000000000001500010000000000bfb00000000000009500000000000000', open: false },
  { id: 'sk-narrow-read', finding: 'V2', progType: 'socket_filter', hex: 'b7000000000000006912ac00000000009500000000000000', open: false },
  { id: 'helper-get-current-task', finding: 'V3', progType: 'socket_filter', hex: '8500000023000000b7000000000000009500000000000000', open: false },
  { id: 'xdp-egress-ifindex', finding: 'V4', progType: 'xdp', hex: 'b70000000000000061121400000000009500000000000000', open: false },
  { id: 'tc-tstamp-type', finding: 'V6', progType: 'sched_cls', hex: 'b7000000000000007112b400000000009500000000000000', open: false },
  { id: 'may-goto', finding: 'V11', progType: 'socket_filter', hex: 'b700000000000000e5000000000000009500000000000000', open: true },
  { id: 'callx-dead', finding: 'V11', progType: 'socket_filter', hex: 'b70000000000000015000100000000008d000000000000009500000000000000', open: false },
  { id: 'ldx-bad-mode-message', finding: 'V11', progType: 'socket_filter', hex: 'b70000000000000001000000000000009500000000000000', message: true, open: false },
  { id: 'atomic-size-message', finding: 'V11', progType: 'socket_filter', hex: 'b7000000000000007a0af8ff00000000cba0f8ff000000009500000000000000', message: true, open: false },
];

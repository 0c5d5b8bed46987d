/**
 * Program-type contexts: the layout of the ctx object r1 points to at entry,
 * and the ctx-access hook for fields the kernel rewrites.
 *
 * In the kernel, `struct xdp_md` and `struct __sk_buff` expose `data`,
 * `data_end` and `data_meta` as u32 fields, but the verifier rewrites each
 * 32-bit load of them (convert_ctx_access) into a load of the real 64-bit
 * pointer (xdp_buff->data, skb->data, ...). bpfsim models this with a
 * per-offset table ({@link CtxLayout.fields}): the interpreter checks, for a
 * 32-bit load whose address lies in the run's ctx region, whether that
 * offset is a rewritten field, and if so loads the full packet pointer
 * (packet region id in the high half) instead of the stored bytes. Loads of
 * other sizes and of other offsets read the ctx bytes as they are.
 */

import { ProgType, type ProgTypeName } from '../isa/prog-types.js';
import { CtxField } from './exec.js';

/** How a program type's ctx looks. */
export interface CtxLayout {
  /** The C struct the ctx stands for. */
  readonly struct: string;
  /** Size in bytes of the default ctx. */
  readonly size: number;
  /** Rewritten u32 fields: byte offset → {@link CtxField}. */
  readonly fields: ReadonlyArray<readonly [number, number]>;
  /** Whether the program may store to the ctx (some __sk_buff fields are writable). */
  readonly writable: boolean;
  /** Fills the default ctx for a packet of `packetLen` bytes. */
  init(ctx: DataView, packetLen: number): void;
}

/** `struct xdp_md` (include/uapi/linux/bpf.h): data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex. */
const XDP_MD: CtxLayout = {
  struct: 'xdp_md',
  size: 24,
  fields: [[0, CtxField.DATA], [4, CtxField.DATA_END], [8, CtxField.DATA_META]],
  writable: false,
  init(ctx) {
    ctx.setUint32(12, 1, true); // ingress_ifindex: loopback
  },
};

/** `struct __sk_buff`: len at 0, data at 76, data_end at 80, data_meta at 140; 192 bytes in Linux 6.18. */
const SK_BUFF: CtxLayout = {
  struct: '__sk_buff',
  size: 192,
  fields: [[76, CtxField.DATA], [80, CtxField.DATA_END], [140, CtxField.DATA_META]],
  writable: true,
  init(ctx, packetLen) {
    ctx.setUint32(0, packetLen, true); // len
  },
};

const SKB_TYPES = new Set<string>(['socket_filter', 'sched_cls', 'sched_act', 'cgroup_skb', 'lwt_in', 'lwt_out', 'lwt_xmit', 'lwt_seg6local', 'sk_skb']);

/** The ctx layout bpfsim builds for a program type, or undefined (raw, tracing types: ctx is what the caller passes). */
export function ctxLayout(progType: ProgTypeName | string): CtxLayout | undefined {
  if (progType === 'xdp') return XDP_MD;
  if (SKB_TYPES.has(progType)) return SK_BUFF;
  return undefined;
}

/** True for names bpfsim accepts as a program type. */
export function isProgTypeName(name: string): name is ProgTypeName {
  return name === 'raw' || name === 'seccomp' || Object.prototype.hasOwnProperty.call(ProgType, name);
}

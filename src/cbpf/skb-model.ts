/**
 * The layout of the socket-buffer model that translated classic socket
 * filters (./translate.ts) run against in the eBPF VM: a small
 * `struct sk_buff` stand-in (ctx), a `struct net_device` stand-in, and the
 * call immediates of the kernel-internal functions bpf_convert_filter calls
 * (bpf_skb_load_helper_{8,16,32}, bpf_skb_get_pay_offset, bpf_get_raw_cpu_id,
 * bpf_user_rnd_u32; net/core/filter.c).
 *
 * The kernel's sk_buff layout depends on its configuration; the field
 * OFFSETS here are this model's own (the instruction sequences are the
 * kernel's). The internal functions are called with `call imm` where imm is
 * one of {@link CBPF_KFUNC} (ids 0xcb01..0xcb08, far above the kernel helper ids; the kernel uses `func - __bpf_call_base`).
 * Building the model in VM memory and the functions themselves are
 * src/vm/cbpf-skb.ts (cbpf builds on isa only).
 */

/** Field offsets of the model sk_buff (ctx). */
export const SKB = {
  len: 0, data_len: 4, data: 8, hash: 16, mark: 20, protocol: 24, queue_mapping: 26, vlan_tci: 28, vlan_proto: 30,
  pkt_type: 32, vlan_all: 36, dev: 40,
} as const;
/** Size of the model sk_buff. */
export const SKB_SIZE = 48;
/** Field offsets of the model net_device. */
export const NETDEV = { ifindex: 0, type: 4 } as const;

/** Call immediates of the kernel-internal functions used by converted classic programs. */
export const CBPF_KFUNC = {
  skb_load_helper_8: 0xcb01,
  skb_load_helper_16: 0xcb02,
  skb_load_helper_32: 0xcb03,
  skb_get_pay_offset: 0xcb04,
  skb_get_nlattr: 0xcb05,
  skb_get_nlattr_nest: 0xcb06,
  get_raw_cpu_id: 0xcb07,
  user_rnd_u32: 0xcb08,
} as const;

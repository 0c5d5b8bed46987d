/** `enum bpf_prog_type` (include/uapi/linux/bpf.h), plus bpfsim's own types. */

/** The kernel's program type numbers, by lower-case name without BPF_PROG_TYPE_. */
export const ProgType = {
  unspec: 0, socket_filter: 1, kprobe: 2, sched_cls: 3, sched_act: 4, tracepoint: 5, xdp: 6,
  perf_event: 7, cgroup_skb: 8, cgroup_sock: 9, lwt_in: 10, lwt_out: 11, lwt_xmit: 12, sock_ops: 13,
  sk_skb: 14, cgroup_device: 15, sk_msg: 16, raw_tracepoint: 17, cgroup_sock_addr: 18,
  lwt_seg6local: 19, lirc_mode2: 20, sk_reuseport: 21, flow_dissector: 22, cgroup_sysctl: 23,
  raw_tracepoint_writable: 24, cgroup_sockopt: 25, tracing: 26, struct_ops: 27, ext: 28, lsm: 29,
  sk_lookup: 30, syscall: 31, netfilter: 32,
} as const;

/**
 * Program type names bpfsim knows: the kernel's, plus `seccomp` (the eBPF
 * seccomp type of the 2018 proposal, never merged into Linux) and `raw`
 * (r1 = pointer to a flat buffer, r2 = its length, as in conformance suites).
 */
export type ProgTypeName = keyof typeof ProgType | 'seccomp' | 'raw';

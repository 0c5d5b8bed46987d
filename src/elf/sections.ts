/**
 * Program section names → program types, following libbpf's SEC()
 * conventions (tools/lib/bpf/libbpf.c: section_defs), plus `seccomp` for
 * bpfsim's eBPF seccomp type. An exact name (`xdp`) or a prefix followed by
 * `/` (`kprobe/do_sys_open`) matches; the part after the slash is the attach
 * target. A leading `?` (libbpf: autoload off) is ignored.
 */
import type { ProgTypeName } from '../isa/prog-types.js';

/** [section name or prefix, program type]. Longer prefixes first where they overlap. */
const SECTION_TYPES: ReadonlyArray<readonly [string, ProgTypeName]> = [
  ['socket', 'socket_filter'], ['sk_reuseport/migrate', 'sk_reuseport'], ['sk_reuseport', 'sk_reuseport'],
  ['kprobe', 'kprobe'], ['uprobe', 'kprobe'], ['uprobe.s', 'kprobe'], ['kretprobe', 'kprobe'], ['uretprobe', 'kprobe'],
  ['uretprobe.s', 'kprobe'], ['kprobe.multi', 'kprobe'], ['kretprobe.multi', 'kprobe'], ['uprobe.multi', 'kprobe'],
  ['uretprobe.multi', 'kprobe'], ['ksyscall', 'kprobe'], ['kretsyscall', 'kprobe'], ['usdt', 'kprobe'],
  ['tc/ingress', 'sched_cls'], ['tc/egress', 'sched_cls'], ['tcx/ingress', 'sched_cls'], ['tcx/egress', 'sched_cls'],
  ['netkit/primary', 'sched_cls'], ['netkit/peer', 'sched_cls'], ['tc', 'sched_cls'], ['classifier', 'sched_cls'],
  ['action', 'sched_act'],
  ['tracepoint', 'tracepoint'], ['tp', 'tracepoint'], ['raw_tracepoint', 'raw_tracepoint'], ['raw_tp', 'raw_tracepoint'],
  ['raw_tracepoint.w', 'raw_tracepoint_writable'], ['raw_tp.w', 'raw_tracepoint_writable'],
  ['tp_btf', 'tracing'], ['fentry', 'tracing'], ['fmod_ret', 'tracing'], ['fexit', 'tracing'], ['fentry.s', 'tracing'],
  ['fmod_ret.s', 'tracing'], ['fexit.s', 'tracing'], ['iter', 'tracing'], ['iter.s', 'tracing'],
  ['freplace', 'ext'], ['lsm', 'lsm'], ['lsm.s', 'lsm'], ['lsm_cgroup', 'lsm'],
  ['xdp.frags/devmap', 'xdp'], ['xdp/devmap', 'xdp'], ['xdp.frags/cpumap', 'xdp'], ['xdp/cpumap', 'xdp'],
  ['xdp.frags', 'xdp'], ['xdp', 'xdp'], ['perf_event', 'perf_event'],
  ['lwt_in', 'lwt_in'], ['lwt_out', 'lwt_out'], ['lwt_xmit', 'lwt_xmit'], ['lwt_seg6local', 'lwt_seg6local'],
  ['sockops', 'sock_ops'], ['sk_skb/stream_parser', 'sk_skb'], ['sk_skb/stream_verdict', 'sk_skb'],
  ['sk_skb/verdict', 'sk_skb'], ['sk_skb', 'sk_skb'], ['sk_msg', 'sk_msg'], ['lirc_mode2', 'lirc_mode2'],
  ['flow_dissector', 'flow_dissector'],
  ['cgroup_skb/ingress', 'cgroup_skb'], ['cgroup_skb/egress', 'cgroup_skb'], ['cgroup/skb', 'cgroup_skb'],
  ['cgroup/sock_create', 'cgroup_sock'], ['cgroup/sock_release', 'cgroup_sock'], ['cgroup/sock', 'cgroup_sock'],
  ['cgroup/post_bind4', 'cgroup_sock'], ['cgroup/post_bind6', 'cgroup_sock'], ['cgroup/dev', 'cgroup_device'],
  ['cgroup/bind4', 'cgroup_sock_addr'], ['cgroup/bind6', 'cgroup_sock_addr'], ['cgroup/connect4', 'cgroup_sock_addr'],
  ['cgroup/connect6', 'cgroup_sock_addr'], ['cgroup/connect_unix', 'cgroup_sock_addr'],
  ['cgroup/sendmsg4', 'cgroup_sock_addr'], ['cgroup/sendmsg6', 'cgroup_sock_addr'], ['cgroup/sendmsg_unix', 'cgroup_sock_addr'],
  ['cgroup/recvmsg4', 'cgroup_sock_addr'], ['cgroup/recvmsg6', 'cgroup_sock_addr'], ['cgroup/recvmsg_unix', 'cgroup_sock_addr'],
  ['cgroup/getpeername4', 'cgroup_sock_addr'], ['cgroup/getpeername6', 'cgroup_sock_addr'],
  ['cgroup/getsockname4', 'cgroup_sock_addr'], ['cgroup/getsockname6', 'cgroup_sock_addr'],
  ['cgroup/sysctl', 'cgroup_sysctl'], ['cgroup/getsockopt', 'cgroup_sockopt'], ['cgroup/setsockopt', 'cgroup_sockopt'],
  ['struct_ops', 'struct_ops'], ['struct_ops.s', 'struct_ops'], ['sk_lookup', 'sk_lookup'],
  ['syscall', 'syscall'], ['netfilter', 'netfilter'],
  ['seccomp', 'seccomp'],
];

/** Program type and attach target of a section name, or undefined when no SEC() convention matches. */
export function programTypeOfSection(section: string): { type: ProgTypeName; attachTo?: string } | undefined {
  // libbpf: a leading '?' (SEC("?xdp")) only turns autoload off; the rest is the usual section name.
  if (section.startsWith('?')) section = section.slice(1);
  let best: readonly [string, ProgTypeName] | undefined;
  for (const row of SECTION_TYPES) {
    const [p] = row;
    if ((section === p || section.startsWith(p + '/')) && (best === undefined || p.length > best[0].length)) best = row;
  }
  if (best === undefined) return undefined;
  const rest = section.slice(best[0].length + 1);
  return rest ? { type: best[1], attachTo: rest } : { type: best[1] };
}

/**
 * The socket-buffer model of src/cbpf/skb-model.ts built in VM memory, and
 * the kernel-internal functions bpf_convert_filter calls (net/core/filter.c:
 * bpf_skb_load_helper_{8,16,32}, bpf_skb_get_pay_offset, bpf_get_raw_cpu_id,
 * bpf_user_rnd_u32) as VM helpers: what a translated classic socket filter
 * (src/cbpf/translate.ts) needs to run in the eBPF VM. Packet loads use the
 * classic interpreter's own `packetLoad`, so both paths agree.
 */
import { Memory, Perm, regionAddress } from './memory.js';
import type { HelperDef } from './types.js';
import { type PacketContext, packetLen, packetLoad } from '../cbpf/interpreter.js';
import { CBPF_KFUNC, NETDEV, SKB, SKB_SIZE } from '../cbpf/skb-model.js';
import { BpfError, ErrorCode } from '../errors.js';

const EFAULT = 14n;

/**
 * Adds the packet, net_device and sk_buff regions for `pctx` to `mem` and
 * returns the ctx address (the value of r1 at entry).
 */
export function installPacketContext(mem: Memory, pctx: PacketContext): bigint {
  const skb = buildSkbModel(mem, pctx);
  const ctx = mem.add(skb, Perm.READ, 'ctx', 'sk_buff', pctx);
  return regionAddress(ctx.id);
}

/**
 * Adds the packet and net_device regions for `pctx` to `mem` and returns the
 * bytes of the model sk_buff that points at them (for a VM that creates the
 * ctx region itself).
 */
export function buildSkbModel(mem: Memory, pctx: PacketContext): Uint8Array {
  const pkt = mem.add(pctx.bytes, Perm.READ, 'packet', 'packet');
  const m = pctx.meta ?? {};
  let devAddr = 0n;
  if (m.hasDev !== false) {
    const dev = new Uint8Array(8);
    const dv = new DataView(dev.buffer);
    dv.setUint32(NETDEV.ifindex, (m.ifindex ?? 0) >>> 0, true);
    dv.setUint16(NETDEV.type, (m.hatype ?? 0) & 0xffff, true);
    devAddr = regionAddress(mem.add(dev, Perm.READ, 'other', 'net_device').id);
  }
  const skb = new Uint8Array(SKB_SIZE);
  const v = new DataView(skb.buffer);
  v.setUint32(SKB.len, packetLen(pctx), true);
  v.setUint32(SKB.data_len, 0, true);
  v.setBigUint64(SKB.data, regionAddress(pkt.id, pctx.dataOffset ?? 0), true);
  v.setUint32(SKB.hash, (m.rxhash ?? 0) >>> 0, true);
  v.setUint32(SKB.mark, (m.mark ?? 0) >>> 0, true);
  v.setUint16(SKB.protocol, (m.protocol ?? 0) & 0xffff, false); // __be16
  v.setUint16(SKB.queue_mapping, (m.queue ?? 0) & 0xffff, true);
  v.setUint16(SKB.vlan_tci, (m.vlanTci ?? 0) & 0xffff, true);
  v.setUint16(SKB.vlan_proto, (m.vlanTpid ?? 0) & 0xffff, false); // __be16
  skb[SKB.pkt_type] = (m.pkttype ?? 0) & 7;
  v.setUint32(SKB.vlan_all, m.vlanPresent ? 1 : 0, true);
  v.setBigUint64(SKB.dev, devAddr, true);
  return skb;
}

function ownerOf(mem: Memory, skb: bigint): PacketContext {
  const r = mem.regionOf(Number(skb >> 32n));
  if (r === undefined || r.kind !== 'ctx' || typeof r.owner !== 'object' || r.owner === null || (r.owner as PacketContext).kind !== 'packet') {
    throw new BpfError(ErrorCode.Helper, 'classic packet helper called without the model sk_buff in r1');
  }
  return r.owner as PacketContext;
}

/**
 * The kernel-internal functions as VM helpers (register them with the VM
 * running a translated program). With `pctx`, the helpers use that packet;
 * otherwise they find it as the owner of the ctx region r1 points to
 * ({@link installPacketContext}).
 */
export function cbpfKernelFunctions(pctx?: PacketContext): HelperDef[] {
  const ownerPacket = (mem: Memory, skb: bigint): PacketContext => pctx ?? ownerOf(mem, skb);
  const loader = (size: number) => (call: { mem: Memory }, skb: bigint, _data: bigint, _headlen: bigint, offset: bigint): bigint => {
    const v = packetLoad(ownerPacket(call.mem, skb), Number(BigInt.asIntN(32, offset)), size);
    return v < 0 ? BigInt.asUintN(64, -EFAULT) : BigInt(v);
  };
  const nlattr = (): bigint => { throw new BpfError(ErrorCode.Unsupported, 'netlink attribute ancillary loads (#nla, #nlan) are not simulated'); };
  return [
    { id: CBPF_KFUNC.skb_load_helper_8, name: 'skb_load_helper_8', fn: (c, a, b, d, e) => loader(1)(c, a, b, d, e) },
    { id: CBPF_KFUNC.skb_load_helper_16, name: 'skb_load_helper_16', fn: (c, a, b, d, e) => loader(2)(c, a, b, d, e) },
    { id: CBPF_KFUNC.skb_load_helper_32, name: 'skb_load_helper_32', fn: (c, a, b, d, e) => loader(4)(c, a, b, d, e) },
    { id: CBPF_KFUNC.skb_get_pay_offset, name: 'skb_get_pay_offset', fn: (c, skb) => BigInt((ownerPacket(c.mem, skb).meta?.payOffset ?? 0) >>> 0) },
    { id: CBPF_KFUNC.skb_get_nlattr, name: 'skb_get_nlattr', fn: nlattr },
    { id: CBPF_KFUNC.skb_get_nlattr_nest, name: 'skb_get_nlattr_nest', fn: nlattr },
    { id: CBPF_KFUNC.get_raw_cpu_id, name: 'get_raw_cpu_id', fn: (c, skb) => BigInt((ownerPacket(c.mem, skb).meta?.cpu ?? 0) >>> 0) },
    { id: CBPF_KFUNC.user_rnd_u32, name: 'user_rnd_u32', fn: (c, skb) => BigInt((ownerPacket(c.mem, skb).meta?.random ?? 0) >>> 0) },
  ];
}

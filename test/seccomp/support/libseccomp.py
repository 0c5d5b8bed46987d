#!/usr/bin/python3
"""Test helper: builds a filter with libseccomp (python3-seccomp) from a JSON spec on stdin
and prints the exported classic BPF as hex. Spec: {"arches": [...], "default": u32, "badArch": u32,
"optimize": 1|2, "rules": [{"name": str, "action": u32, "conds": [[index, op, a, b], ...]}]}"""
import json, os, sys, tempfile
import seccomp

OPS = {'NE': seccomp.NE, 'LT': seccomp.LT, 'LE': seccomp.LE, 'EQ': seccomp.EQ, 'GE': seccomp.GE,
       'GT': seccomp.GT, 'MASKED_EQ': seccomp.MASKED_EQ}
ARCH = {'x86_64': seccomp.Arch.X86_64, 'x86': seccomp.Arch.X86, 'x32': seccomp.Arch.X32,
        'aarch64': seccomp.Arch.AARCH64, 'arm': seccomp.Arch.ARM, 'riscv64': seccomp.Arch.RISCV64,
        's390x': seccomp.Arch.S390X, 'ppc64le': seccomp.Arch.PPC64LE, 'mips64': seccomp.Arch.MIPS64,
        'mipsel64': seccomp.Arch.MIPSEL64, 's390': seccomp.Arch.S390, 'ppc64': seccomp.Arch.PPC64,
        'ppc': seccomp.Arch.PPC, 'mips': seccomp.Arch.MIPS}

spec = json.load(sys.stdin)


def s32(v):
    return v - (1 << 32) if v >= (1 << 31) else v


try:
    seccomp.set_api(6)
except Exception:
    pass
f = seccomp.SyscallFilter(s32(spec['default']))
f.set_attr(seccomp.Attr.ACT_BADARCH, s32(spec['badArch']))
if spec.get('optimize', 1) != 1:
    f.set_attr(seccomp.Attr.CTL_OPTIMIZE, spec['optimize'])
arches = spec['arches']
# libseccomp refuses to mix byte orders in one filter: drop the native arch first when unused
if 'x86_64' not in arches:
    f.remove_arch(seccomp.Arch.X86_64)
for a in arches:
    if a != 'x86_64':
        f.add_arch(ARCH[a])
for r in spec['rules']:
    args = [seccomp.Arg(c[0], OPS[c[1]], int(c[2]), int(c[3])) for c in r['conds']]
    try:
        f.add_rule(s32(r['action']), r['name'], *args)
    except Exception as e:
        sys.stderr.write('rule %r: %s\n' % (r, e))
        raise
fd, path = tempfile.mkstemp()
with os.fdopen(fd, 'wb') as out:
    f.export_bpf(out)
sys.stdout.write(open(path, 'rb').read().hex())
os.unlink(path)

/*
 * kmapops: runs a script of bpf(2) map commands against the running kernel
 * (test oracle for bpfsim's user-space map semantics). One command per stdin
 * line, one result line per command:
 *   create TYPE KEY_SIZE VALUE_SIZE MAX_ENTRIES FLAGS   -> OK | ERRNAME
 *   update KEYHEX VALHEX FLAGS | lookup KEYHEX | delete KEYHEX
 *   next KEYHEX|-  | freeze | close
 * Results: "OK", "OK <hex>" (lookup value, next key) or the errno name.
 * Build: cc -O2 -o kmapops kmapops.c (needs root / CAP_BPF).
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int fd = -1;
static unsigned ksz, vsz;

static const char *ename(int e) {
  switch (e) {
  case EPERM: return "EPERM"; case ENOENT: return "ENOENT"; case E2BIG: return "E2BIG";
  case EBADF: return "EBADF"; case ENOMEM: return "ENOMEM"; case EACCES: return "EACCES";
  case EFAULT: return "EFAULT"; case EBUSY: return "EBUSY"; case EEXIST: return "EEXIST";
  case EINVAL: return "EINVAL"; case ENOSPC: return "ENOSPC"; case ERANGE: return "ERANGE";
  case EOPNOTSUPP: return "EOPNOTSUPP"; case 524: return "ENOTSUPP";
  }
  static char b[32]; snprintf(b, sizeof b, "E%d", e); return b;
}

static long sys(int cmd, union bpf_attr *a) { return syscall(__NR_bpf, cmd, a, sizeof *a); }

static size_t unhex(const char *h, unsigned char *out, size_t max) {
  size_t n = 0;
  if (!strcmp(h, "-")) return 0;
  while (h[0] && h[1] && n < max) { unsigned v; sscanf(h, "%2x", &v); out[n++] = (unsigned char)v; h += 2; }
  return n;
}

static void phex(const unsigned char *b, size_t n) { for (size_t i = 0; i < n; i++) printf("%02x", b[i]); }

int main(void) {
  char line[65536], op[32], a1[16384], a2[16384];
  static unsigned char k[8192], v[1 << 20], nk[8192];
  while (fgets(line, sizeof line, stdin)) {
    union bpf_attr at; memset(&at, 0, sizeof at);
    a1[0] = a2[0] = 0; op[0] = 0;
    unsigned long long f = 0;
    int n = sscanf(line, "%31s %16383s %16383s %llu", op, a1, a2, &f);
    if (n <= 0) continue;
    long r = 0; int show = 0; unsigned char *out = NULL; size_t outn = 0;
    if (!strcmp(op, "create")) {
      unsigned t, ks, vs, me, fl;
      sscanf(line, "%*s %u %u %u %u %u", &t, &ks, &vs, &me, &fl);
      if (fd >= 0) close(fd);
      at.map_type = t; at.key_size = ks; at.value_size = vs; at.max_entries = me; at.map_flags = fl;
      r = sys(BPF_MAP_CREATE, &at); fd = r < 0 ? -1 : (int)r; ksz = ks; vsz = vs;
      if (r > 0) r = 0;
    } else if (!strcmp(op, "update")) {
      unhex(a1, k, sizeof k); unhex(a2, v, sizeof v);
      at.map_fd = fd; at.key = (uintptr_t)k; at.value = (uintptr_t)v; at.flags = f;
      r = sys(BPF_MAP_UPDATE_ELEM, &at);
    } else if (!strcmp(op, "lookup")) {
      unhex(a1, k, sizeof k); memset(v, 0, sizeof v);
      at.map_fd = fd; at.key = (uintptr_t)k; at.value = (uintptr_t)v;
      r = sys(BPF_MAP_LOOKUP_ELEM, &at); show = 1; out = v; outn = strtoul(a2[0] ? a2 : "0", 0, 10);
    } else if (!strcmp(op, "delete")) {
      unhex(a1, k, sizeof k);
      at.map_fd = fd; at.key = (uintptr_t)k;
      r = sys(BPF_MAP_DELETE_ELEM, &at);
    } else if (!strcmp(op, "next")) {
      size_t kn = unhex(a1, k, sizeof k);
      at.map_fd = fd; at.key = kn ? (uintptr_t)k : 0; at.next_key = (uintptr_t)nk;
      r = sys(BPF_MAP_GET_NEXT_KEY, &at); show = 1; out = nk; outn = ksz;
    } else if (!strcmp(op, "freeze")) {
      at.map_fd = fd; r = sys(BPF_MAP_FREEZE, &at);
    } else { printf("BADOP\n"); fflush(stdout); continue; }
    if (r < 0) printf("%s\n", ename(errno));
    else { printf("OK"); if (show) { printf(" "); phex(out, outn); } printf("\n"); }
    fflush(stdout);
  }
  return 0;
}

/** Bad input never surfaces as TypeError/RangeError: every entry point throws a BpfError or succeeds. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  assembleCbpf, parseCbpfFile, runCbpf, checkSeccompFilter, translateCbpf, disassembleCbpf, decodeFilter,
} from '../../src/cbpf/index.js';
import { buildSeccompData, parseAction, SeccompFilterStack } from '../../src/seccomp/index.js';
import { BpfError } from '../../src/errors.js';
import { seccompListing } from '../../src/seccomp/listing.js';
import { mutatedProgram } from './gen.js';

function onlyBpfErrors(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof BpfError)) throw e;
  }
}

const asmWords = fc.constantFrom('ld', 'ldh', 'ldb', 'ldx', 'ldxb', 'st', 'stx', 'jeq', 'jne', 'jgt', 'ja', 'ret', 'add', 'neg', 'tax',
  '#', '[', ']', 'x', '+', ',', 'M[', 'L1', 'L1:', '4*([', '&0xf)', '0x', '-1', '99999999999', ';', '/*', '*/', '\n', ' ', '.insn', '#len', '#proto', 'a');

describe('robustness', () => {
  it('file parsing and the assembler', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (b) => onlyBpfErrors(() => parseCbpfFile(b))), { numRuns: 500 });
    fc.assert(fc.property(fc.array(asmWords, { maxLength: 30 }), (w) => onlyBpfErrors(() => assembleCbpf(w.join(' ')))), { numRuns: 1000 });
    fc.assert(fc.property(fc.string({ maxLength: 60 }), (s) => onlyBpfErrors(() => assembleCbpf(s))), { numRuns: 500 });
    fc.assert(fc.property(fc.string({ maxLength: 20 }), (s) => onlyBpfErrors(() => parseAction(s))), { numRuns: 300 });
  });
  it('checks, runs, translation and listings of arbitrary programs', () => {
    fc.assert(fc.property(fc.oneof(mutatedProgram('seccomp'), mutatedProgram('packet'), fc.uint8Array({ maxLength: 64 }).map((b) => decodeFilter(b.slice(0, b.length & ~7)))),
      fc.uint8Array({ minLength: 0, maxLength: 40 }), (p, bytes) => {
        expect(typeof checkSeccompFilter(p).ok).toBe('boolean');
        onlyBpfErrors(() => runCbpf(p, { kind: 'packet', bytes }));
        onlyBpfErrors(() => runCbpf(p, { kind: 'seccomp', data: buildSeccompData({ nr: 1, arch: 0xc000003e }) }));
        onlyBpfErrors(() => translateCbpf(p, 'packet'));
        onlyBpfErrors(() => translateCbpf(p, 'seccomp'));
        onlyBpfErrors(() => new SeccompFilterStack().attach(p));
        expect(typeof seccompListing(p)).toBe('string');
        expect(typeof disassembleCbpf(p)).toBe('string');
      }), { numRuns: 400 });
  });
});

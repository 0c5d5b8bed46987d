import { describe, expect, it } from 'vitest';
import { BPF_FUNC_MAX_ID, HELPER_NAMES, helperId, helperName } from '../../src/isa/helper-ids.js';

describe('helper ids (Linux 6.18 ___BPF_FUNC_MAPPER)', () => {
  it('has ids 0..211', () => {
    expect(BPF_FUNC_MAX_ID).toBe(212);
    expect(new Set(HELPER_NAMES).size).toBe(212);
  });
  it.each([
    [0, 'unspec'], [1, 'map_lookup_elem'], [2, 'map_update_elem'], [3, 'map_delete_elem'], [5, 'ktime_get_ns'],
    [6, 'trace_printk'], [12, 'tail_call'], [14, 'get_current_pid_tgid'], [130, 'ringbuf_output'],
    [131, 'ringbuf_reserve'], [209, 'user_ringbuf_drain'], [210, 'cgrp_storage_get'], [211, 'cgrp_storage_delete'],
  ])('id %i is %s', (id, name) => {
    expect(helperName(id)).toBe(name);
    expect(helperId(name)).toBe(id);
    expect(helperId('bpf_' + name)).toBe(id);
  });
  it('rejects unknown ids and names', () => {
    expect(helperName(212)).toBeUndefined();
    expect(helperName(-1)).toBeUndefined();
    expect(helperName(1.5)).toBeUndefined();
    expect(helperId('no_such_helper')).toBeUndefined();
  });
});

/** Trace readers (streaming): strace text output and bpfsim's JSON-lines format. */
export * from './types.js';
export * from './lines.js';
export * from './constants.js';
export * from './strace.js';
export * from './jsonl.js';
export * from './open.js';

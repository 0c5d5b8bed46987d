/** Docker/OCI seccomp profiles: parse, validate, translate to a policy. */
export * from './types.js';
export * from './json.js';
export * from './parse.js';
export * from './translate.js';
export * from './default.js';

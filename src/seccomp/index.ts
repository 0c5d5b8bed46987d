/**
 * seccomp: architectures and syscall tables, Docker/OCI profiles, the policy
 * model, compilers (classic linear / tree, eBPF array lookup), evaluation and
 * trace simulation.
 */
export * from './arch.js';
export * from './policy.js';
export * from './profile/index.js';
export * from './data.js';
export * from './actions.js';
export * from './compile/index.js';
export * from './action-cache.js';
export * from './filter-stack.js';
export * from './simulate.js';
export * from './forms.js';
export * from './testing.js';
export * from './listing.js';

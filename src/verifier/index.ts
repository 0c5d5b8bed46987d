/**
 * The static verifier: `verify(program, options)` → accepted / rejected with
 * the kernel's message, instruction count and log.
 */
export { verify, verifyOrThrow, type VerifyResult, type VerifyOptions } from './verifier.js';
export { HELPER_PROTOS, helperFor, funcIdName, type HelperProto } from './helpers.js';
export { ctxAccess, SECCOMP_ACTIONS } from './ctx.js';

/**
 * Long soundness run of the scalar domain (npm run fuzz): the property tests
 * of test/verifier/scalar/soundness.prop.test.ts with SCALAR_PROP_RUNS
 * (default 5000) runs per property.
 */
process.env.SCALAR_PROP_RUNS ??= '5000';
await import('../verifier/scalar/soundness.prop.test.js');

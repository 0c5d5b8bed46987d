/** Long ELF fuzz run (`npm run fuzz`): the malformed-ELF properties with many more runs. */
process.env.ELF_FUZZ_RUNS ??= '30000';
await import('../elf/malformed.test.js');

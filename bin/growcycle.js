#!/usr/bin/env node
// In a checkout the CLI runs from its TypeScript source through tsx (a dev dependency), so there is
// no build to forget; installed without dev dependencies, it runs from its build (cli/build.ts),
// which needs the production dependencies only.
const load = async () => {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    return import('../dist/growcycle.js');
  }
  register();
  return import('../cli/growcycle.ts');
};
const { run } = await load();
const io = { out: (l) => console.log(l), err: (l) => console.error(l), isTty: Boolean(process.stderr.isTTY) };
process.exit(await run(process.argv.slice(2), io));

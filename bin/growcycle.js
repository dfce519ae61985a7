#!/usr/bin/env node
// The package's bin: runs the TypeScript CLI through tsx, so there is no build step to forget.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../cli/growcycle.ts');
const io = { out: (l) => console.log(l), err: (l) => console.error(l), isTty: Boolean(process.stderr.isTTY) };
process.exit(await run(process.argv.slice(2), io));

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_START, runDemo } from './local/demo';
import { startStack } from './local/stack';

process.env.GROWCYCLE_LOG = 'silent';
const dataDir = mkdtempSync(path.join(tmpdir(), 'gc-'));
const stack = await startStack({
  ports: { api: 0, inbox: 0, sfn: 0, dynamodb: 8954 },
  dataDir,
  simulatedStart: DEMO_START,
});
await runDemo(stack, () => undefined, { plans: false, habits: 'everyone-on-time' });
const s = stack.lambda.stats;
console.log(
  Object.entries(s.msByFunction)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k.slice(0, 30)}\t${v} ms\t${s.byFunction[k]} calls`)
    .join('\n'),
);
await stack.stop();
process.exit(0);

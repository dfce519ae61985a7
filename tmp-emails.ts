import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_START, runDemo } from './local/demo';
import { startStack } from './local/stack';

const dataDir = mkdtempSync(path.join(tmpdir(), 'gc-'));
const stack = await startStack({
  ports: { api: 0, inbox: 0, sfn: 0, dynamodb: 8950 },
  dataDir,
  simulatedStart: DEMO_START,
});
const r = await runDemo(stack, () => undefined, { plans: false, habits: 'everyone-on-time' });
console.log(JSON.stringify(r.summary, null, 1));
const failed = stack.sfn
  .list()
  .filter((e) => e.status === 'FAILED')
  .slice(0, 1);
for (const e of failed)
  console.log(JSON.stringify(e.history.filter((h) => /Failed/.test(h.type))).slice(0, 3000));
await stack.stop();
process.exit(0);

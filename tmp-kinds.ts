import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_START, runDemo } from './local/demo';
import { emailKind, fetchInbox, itemsIn } from './local/people';
import { startStack } from './local/stack';

process.env.GROWCYCLE_LOG = 'silent';
const dataDir = mkdtempSync(path.join(tmpdir(), 'gc-'));
const stack = await startStack({
  ports: { api: 0, inbox: 0, sfn: 0, dynamodb: 8952 },
  dataDir,
  simulatedStart: DEMO_START,
});
await runDemo(stack, () => undefined, { plans: false, habits: 'everyone-on-time' });
const inbox = await fetchInbox(stack.urls.inbox);
const c: Record<string, number> = {};
for (const e of inbox) {
  const k =
    emailKind(e) === 'digest'
      ? 'digest:' + [...new Set(itemsIn(e).map((i) => i.kind))].sort().join('+')
      : emailKind(e);
  c[k] = (c[k] ?? 0) + 1;
}
console.log(c);
await stack.stop();
process.exit(0);

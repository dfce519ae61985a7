import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { db } from './domain/db';
import { DEMO_START, runDemo } from './local/demo';
import { fetchInbox, itemsIn } from './local/people';
import { startStack } from './local/stack';

process.env.GROWCYCLE_LOG = 'silent';
const dataDir = mkdtempSync(path.join(tmpdir(), 'gc-'));
const stack = await startStack({
  ports: { api: 0, inbox: 0, sfn: 0, dynamodb: 8951 },
  dataDir,
  simulatedStart: DEMO_START,
});
const r = await runDemo(stack, () => undefined, { plans: false, habits: 'everyone-on-time' });
const reqs = (await db().request.query.byCycle({ cycleId: r.cycleId }).go({ pages: 'all' })).data;
for (const q of reqs.filter((x) => x.remindersSent > 0))
  console.log(
    q.kind,
    q.requestId,
    q.status,
    'opened',
    q.openedAt,
    'invited',
    q.invitedAt,
    'submitted',
    q.submittedAt,
    'due',
    q.dueAt,
    'rem',
    q.remindersSent,
    q.reminderHoursBefore,
  );
const inbox = await fetchInbox(stack.urls.inbox);
for (const e of inbox)
  for (const it of itemsIn(e))
    if (it.kind.endsWith('reminder'))
      console.log(
        'REM',
        new Date(e.at * 1000).toISOString(),
        e.destination.to[0],
        it.title,
        it.link?.split('?')[0],
      );
await stack.stop();
process.exit(0);

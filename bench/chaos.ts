import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { db } from '../domain/platform/table';
import { failEachStepOnce, seededRandom } from '../local/faults';
import { fetchInbox } from '../local/people';
import { runFullCycle } from './full-cycle';
import { benchStack } from './stack';

/*
 * `npm run chaos`: a whole cycle of a generated organisation (bench/full-cycle.ts, 200 people by
 * default) on the local stack while SES throttles 30% of sends, DynamoDB throttles 10% of writes and
 * each step function fails once at a random moment, all from one seeded random source. It prints what
 * was injected and what must be zero: failed executions, answers taken but not stored, emails sent
 * twice and emails never sent. (The stack is not yet killed and restarted during the run: the
 * crash-resume test shows that part, on `npm start`, in real time.)
 */

const { values } = parseArgs({
  options: {
    participants: { type: 'string', default: '200' },
    seed: { type: 'string', default: '20271206' },
    json: { type: 'boolean', default: false },
  },
});
const participants = Number(values.participants);
const seed = Number(values.seed);
if (!Number.isInteger(participants) || participants < 1 || participants > 10_000) {
  console.error('--participants: a whole number from 1 to 10000');
  process.exit(2);
}
if (!Number.isInteger(seed)) {
  console.error('--seed: a whole number');
  process.exit(2);
}
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const random = seededRandom(seed);
const dir = mkdtempSync(path.join(tmpdir(), 'growcycle-chaos-'));
const stack = await benchStack(dir, { sesThrottleRate: 0.3, dynamoWriteThrottleRate: 0.1, random });
const steps = failEachStepOnce(stack.lambda, stack.app.functions.values(), random, 0.05);

const log = (line: string) => {
  if (!values.json) console.error(line);
};
const taken = new Set<string>();
try {
  const result = await runFullCycle(stack, participants, dir, log, taken);
  let lost = 0;
  for (const requestId of taken) {
    const request = (await db().request.get({ requestId }).go({ consistent: true })).data;
    if (request?.status !== 'submitted') lost += 1;
  }
  const outbox = (await db().outbox.scan.go({ pages: 'all' })).data;
  const delivered = await fetchInbox(stack.urls.inbox, 0);
  const deliveredIds = new Set(delivered.map((e) => e.messageId));
  const sent = outbox.filter((row) => row.status === 'sent');
  const rows = [
    {
      name: 'faults.injected',
      value: (stack.faults?.injected.ses ?? 0) + (stack.faults?.injected.dynamodb ?? 0) + steps.failed,
    },
    { name: 'faults.sesThrottled', value: stack.faults?.injected.ses ?? 0 },
    { name: 'faults.dynamodbWritesThrottled', value: stack.faults?.injected.dynamodb ?? 0 },
    { name: 'faults.stepFailures', value: steps.failed },
    { name: 'stack.restarts', value: 0 },
    { name: 'executions.failed', value: result.failedExecutions },
    { name: 'answers.lost', value: lost },
    // More deliveries than emails claimed and sent: one went out twice.
    { name: 'emails.duplicate', value: Math.max(0, delivered.length - sent.length) },
    {
      name: 'emails.missing',
      value:
        outbox.length -
        sent.length +
        sent.filter((row) => !row.messageId || !deliveredIds.has(row.messageId)).length,
    },
    { name: 'answers.taken', value: taken.size },
    { name: 'emails.delivered', value: delivered.length },
    { name: 'cycle.closed', value: result.closed ? 1 : 0 },
    { name: 'realSeconds', value: Math.round(result.realSeconds) },
  ];
  for (const row of rows)
    console.log(values.json ? JSON.stringify(row) : `${row.name.padEnd(32)} ${row.value}`);
} finally {
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../../domain/platform/table';
import { failEachStepOnce, seededRandom } from '../../local/faults';
import {
  answer,
  type CapturedEmail,
  emailKind,
  fetchInbox,
  fetchInboxItems,
  linkIn,
} from '../../local/people';
import { olaKariAndPer, practicePlan } from '../support/fixtures';
import {
  type ApiCall,
  cycleExecution,
  hrApi,
  runUntil,
  startTestStack,
  type TestStack,
} from '../support/local-stack';

/*
 * A cycle and a plan run to their ends while SES refuses 30% of sends with its throttling error,
 * DynamoDB refuses 10% of writes with its throughput error, and every step function fails once at a
 * random moment (a lost SES reply has a test of its own, lost-reply.test.ts). People answer when
 * asked, and send a form again when it answered with an error, as a person would. Nothing may be lost or sent twice: every execution succeeds, every answer taken is
 * stored, and every email is delivered exactly once.
 */

const START = new Date('2027-06-07T08:00:00Z'); // Monday
const DAY = 86_400_000;
const random = seededRandom(20_271_206);

const people = olaKariAndPer();

let stack: TestStack;
let hr: ApiCall;
let emails: CapturedEmail[] = [];
/** Each request whose form answered 200, by its link's request id. */
const taken = new Set<string>();
let steps: ReturnType<typeof failEachStepOnce> | undefined;

const requestIdOf = (link: string) => new URL(link).pathname.split('/')[2] ?? '';

beforeAll(async () => {
  stack = await startTestStack(new Date(START.getTime() - DAY), {
    faults: { sesThrottleRate: 0.3, dynamoWriteThrottleRate: 0.1, random },
  });
  hr = hrApi(stack);
  let status = 0;
  // HR's own calls meet the throttled writes too, after the SDK's retries: HR sends again on a 5xx.
  const hrUntilDone = async (method: string, path: string, body: unknown, key: string) => {
    for (let i = 0; i < 5; i++) {
      const res = await hr(method, path, body, key);
      status = res.status;
      if (status < 500) return res;
    }
    throw new Error(`${method} ${path} kept answering ${status}`);
  };
  expect((await hrUntilDone('PUT', '/employees', { employees: people }, 'people')).status).toBe(200);
  // Each step function fails once, at a moment the seeded random source picks.
  steps = failEachStepOnce(stack.lambda, stack.app.functions.values(), { random, chance: 0.2 });
  const cycle = await hrUntilDone(
    'POST',
    '/cycles',
    { name: 'Summer review', startAt: START.toISOString(), participants: ['ola', 'kari', 'per'] },
    'cycle',
  );
  expect(cycle.status).toBe(201);
  const cycleId = String(cycle.body.cycleId);
  const plan = await hrUntilDone(
    'POST',
    '/plans',
    practicePlan('kari', ['Run a design review', 'Write the runbook'], new Date(START.getTime() + 10 * DAY)),
    'plan',
  );
  expect(plan.status).toBe(201);

  const seen = new Set<string>();
  const pending = new Set<string>();
  await runUntil(
    stack,
    // The cycle starts from its schedule a day in: until then only the plan runs.
    () =>
      pending.size === 0 &&
      cycleExecution(stack, cycleId) !== undefined &&
      stack.sfn.list().every((e) => e.status !== 'RUNNING'),
    async () => {
      // Each item of a digest on its own, as a person clicks each.
      for (const email of await fetchInboxItems(stack.urls.inbox)) {
        if (seen.has(email.messageId)) continue;
        seen.add(email.messageId);
        const link = linkIn(email);
        if (link && emailKind(email).endsWith('.request')) pending.add(link);
      }
      for (const link of [...pending]) {
        const status = await answer(link, taken.size + 1);
        // Taken, or no longer open (answered before, closed): either way nothing more to do.
        if (status === 200) taken.add(requestIdOf(link));
        if (status < 500) pending.delete(link);
      }
    },
  );
  // Whole messages, as SES delivered them: a digest is one.
  emails = await fetchInbox(stack.urls.inbox, 0);
}, 400_000);

afterAll(async () => {
  await stack?.dispose();
});

describe('under throttling and failing steps', () => {
  it('injected every kind of fault', () => {
    expect(stack.faults?.injected.ses).toBeGreaterThan(0);
    expect(stack.faults?.injected.dynamodb).toBeGreaterThan(0);
    expect(steps?.failed.size).toBeGreaterThan(0);
  });

  it('fails no execution: every one succeeded', () => {
    const executions = stack.sfn.list();
    expect(executions.length).toBeGreaterThan(5);
    // Each with where and why it stopped, so a failure here says what to look at.
    const stopped = executions
      .filter((e) => e.status !== 'SUCCEEDED')
      .map((e) => `${e.name} ${e.status} at ${e.history.at(-1)?.stateName ?? '?'}: ${e.error} ${e.cause}`);
    expect(stopped).toEqual([]);
  });

  it('loses no answer: every form that answered 200 is stored as submitted', async () => {
    expect(taken.size).toBeGreaterThan(10);
    for (const requestId of taken) {
      const request = (await db().request.get({ requestId }).go({ consistent: true })).data;
      expect(request?.status, requestId).toBe('submitted');
    }
  });

  it('sends every email exactly once: one delivery per outbox row, none left unsent', async () => {
    const outbox = (await db().outbox.scan.go({ pages: 'all' })).data;
    expect(outbox.filter((row) => row.status !== 'sent').map((row) => row.key)).toEqual([]);
    const delivered = new Set(emails.map((e) => e.messageId));
    // An email sent twice is a delivery under an SES message id that no row keeps (the row keeps the last).
    const kept = new Set(outbox.map((row) => row.messageId));
    expect(emails.filter((e) => !kept.has(e.messageId)).map((e) => e.messageId)).toEqual([]);
    expect(emails).toHaveLength(outbox.length);
    expect(outbox.every((row) => row.messageId !== undefined && delivered.has(row.messageId))).toBe(true);
  });
});

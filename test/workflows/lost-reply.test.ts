import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../../domain/platform/table';
import { type CapturedEmail, fetchInbox } from '../../local/people';
import { monasTeam } from '../support/fixtures';
import { type ApiCall, hrApi, runUntil, startTestStack, type TestStack } from '../support/local-stack';

/*
 * The first email of a cycle goes out, but SES's reply never reaches the step that sent it (the
 * connection is reset): the step cannot tell it from a send that never arrived, and its outbox claim
 * stays. SES's Send event, published through the configuration set, marks the row sent, so the retry
 * that takes the claim over five minutes later finds it sent: one email, not two.
 */

const START = new Date('2027-04-05T08:00:00Z'); // Monday
const DAY = 86_400_000;

let stack: TestStack;
let emails: CapturedEmail[] = [];

beforeAll(async () => {
  // Only the first send loses its reply: the roll is 0 (< rate) once, then never again.
  let rolls = 0;
  stack = await startTestStack(START, {
    faults: { sesLostReplyRate: 0.5, random: () => (rolls++ === 0 ? 0 : 0.99) },
  });
  const api: ApiCall = hrApi(stack);
  const people = monasTeam({ title: 'Engineer', timeZone: 'UTC' }, [{ employeeId: 'ada', name: 'Ada' }]);
  expect((await api('PUT', '/employees', { employees: people })).status).toBe(200);
  const cycle = await api('POST', '/cycles', {
    name: 'Lost reply',
    startAt: START.toISOString(),
    participants: ['ada'],
    timings: { selfDays: 7, peerDays: 7, managerDays: 10, closeDays: 14 },
  });
  expect(cycle.status).toBe(201);
  // A day on: well past the five minutes after which a claim is taken over.
  await runUntil(stack, () => stack.clock !== undefined && stack.clock.nowMs() >= START.getTime() + DAY);
  emails = await fetchInbox(stack.urls.inbox, 0);
}, 120_000);

afterAll(async () => {
  await stack?.dispose();
});

describe('an email whose SES reply was lost', () => {
  it('was lost once, after SES accepted it', () => {
    expect(stack.faults?.injected.sesLost).toBe(1);
    expect(emails.length).toBeGreaterThan(0);
  });

  it('is delivered once: one delivery per outbox row, each row marked sent with its delivery', async () => {
    const outbox = (await db().outbox.scan.go({ pages: 'all' })).data;
    expect(outbox.filter((row) => row.status !== 'sent').map((row) => row.kind)).toEqual([]);
    expect(emails.map((e) => e.messageId).sort()).toEqual(outbox.map((row) => row.messageId).sort());
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmailInFlightError, EmailThrottledError, sendOnce } from '../../domain/mail/send';
import { sentInSecond } from '../../domain/mail/send-rate';
import { realSleep } from '../../local/clock';
import { emailKind, fetchInbox } from '../../local/people';
import { team } from '../support/fixtures';
import { type ApiCall, hrApi, runUntil, startTestStack, type TestStack } from '../support/local-stack';

/*
 * The shared email send rate against DynamoDB Local, through the synthesized workflows: more emails
 * than the rate allows are due in the same simulated second; every one goes out exactly once, and
 * no second ever carries more than the rate.
 */

const START = new Date('2027-05-03T08:00:00Z');
const RATE = 3;
const OWNERS = Array.from({ length: 12 }, (_, i) => `ic-${String(i).padStart(2, '0')}`);

let stack: TestStack;

const api: ApiCall = (...args) => hrApi(stack)(...args);

beforeAll(async () => {
  stack = await startTestStack(START, { emailSendRate: RATE });
  const people = team({ title: 'Staff' }, [
    { employeeId: 'mgr', name: 'Mona Manager' },
    ...OWNERS.map((id) => ({ employeeId: id, name: `Owner ${id}`, managerId: 'mgr' })),
  ]);
  expect((await api('PUT', '/employees', { employees: people })).status).toBe(200);
});

afterAll(async () => {
  await stack?.dispose();
});

describe('email send rate', () => {
  it(`a burst of ${OWNERS.length} emails at ${RATE} a second: each sent once, none lost, never more than ${RATE} in a second`, async () => {
    const firstSecond = Math.floor(Date.now() / 1000);
    // A cycle without a template keeps exact hours: every self-assessment request goes out at once.
    const cycle = await api('POST', '/cycles', {
      name: 'Burst',
      startAt: new Date(Date.now()).toISOString(),
      participants: OWNERS,
    });
    expect(cycle.status).toBe(201);
    const requests = async () =>
      (await fetchInbox(stack.urls.inbox)).filter((e) => emailKind(e) === 'self-assessment.request');
    await runUntil(stack, async () => (await requests()).length >= OWNERS.length);
    await stack.settle();

    // Every owner got their email exactly once.
    const recipients = (await requests()).flatMap((e) => e.destination.to).sort();
    expect(recipients).toEqual(OWNERS.map((id) => `${id}@example.com`));
    // The burst was held back and retried by the workflows, not dropped: none of them failed.
    const executions = stack.sfn.list();
    expect(executions.filter((e) => e.status === 'FAILED')).toEqual([]);
    const throttled = executions.flatMap((e) =>
      e.history.filter(
        (h) => (h.taskFailedEventDetails ?? h.lambdaFunctionFailedEventDetails)?.error === 'EmailThrottled',
      ),
    );
    expect(throttled.length).toBeGreaterThan(0);
    // The per-second counters: never above the rate, and one slot per email sent.
    const lastSecond = Math.floor(Date.now() / 1000);
    const perSecond = await Promise.all(
      Array.from({ length: lastSecond - firstSecond + 1 }, (_, i) => sentInSecond(firstSecond + i)),
    );
    expect(Math.max(...perSecond)).toBeLessThanOrEqual(RATE);
    // One slot per email sent: the burst and whatever the cycle sent after it (nothing else sends here).
    expect(perSecond.reduce((sum, n) => sum + n, 0)).toBe((await fetchInbox(stack.urls.inbox)).length);
  });

  it('two attempts racing for each email while the rate holds them back: each email is sent exactly once', async () => {
    const keys = Array.from({ length: 8 }, (_, i) => `race-${i}`);
    let throttled = 0;
    /** One attempt, retried as the workflow would retry the step: on EmailThrottled or EmailInFlight. */
    const attempt = async (key: string) => {
      for (;;) {
        try {
          return await sendOnce({
            key,
            kind: 'action-item.reminder',
            toId: 'mgr',
            toAddress: `${key}@example.com`,
            email: { subject: 'Reminder', html: '<p>Reminder</p>', text: 'Reminder' },
          });
        } catch (error) {
          if (!(error instanceof EmailThrottledError || error instanceof EmailInFlightError)) throw error;
          if (error instanceof EmailThrottledError) throttled += 1;
          await realSleep(50 + Math.random() * 200);
        }
      }
    };
    const before = (await fetchInbox(stack.urls.inbox)).length;

    const results = await Promise.all(keys.flatMap((key) => [attempt(key), attempt(key)]));

    expect(throttled).toBeGreaterThan(0);
    // Per email: one attempt sent it, the other found it sent; the inbox has it once.
    for (const [i] of keys.entries()) {
      expect([results[2 * i]?.duplicate, results[2 * i + 1]?.duplicate].sort()).toEqual([false, true]);
    }
    // The first test's cycle sends on meanwhile (its peers' requests, retried as time flows): only
    // this test's own emails are counted.
    const delivered = (await fetchInbox(stack.urls.inbox))
      .slice(before)
      .map((e) => `${emailKind(e)} to ${e.destination.to.join(', ')}`)
      .filter((line) => line.includes('race-'));
    expect(delivered.sort()).toEqual(keys.map((k) => `action-item.reminder to ${k}@example.com`).sort());
  });
});

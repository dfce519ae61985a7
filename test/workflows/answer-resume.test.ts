import type { SendTaskSuccessCommandInput } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sfn } from '../../domain/platform/clients';
import { answer, type CapturedEmail, emailKind, fetchInbox, linkIn } from '../../local/people';
import type { Execution } from '../../local/step-functions';
import { monasTeam } from '../support/fixtures';
import { type ApiCall, hrApi, runUntil, startTestStack, type TestStack } from '../support/local-stack';

/*
 * An answer stored while Step Functions refuses to resume the workflow (throttled, here once): the
 * person is told it was received, and the review goes on at its wait's next wake-up, which finds the
 * request answered, on the synthesized review workflow with the simulated clock.
 */

const START = new Date('2027-04-05T08:00:00Z'); // Monday
const HOUR = 3_600_000;

let stack: TestStack;
let cycleId = '';
const api: ApiCall = (...args) => hrApi(stack)(...args);

/** Tokens whose SendTaskSuccess was refused, as Step Functions refuses one when throttling. */
const refused: string[] = [];
let refuseNext = 0;

const reviewRun = (): Execution | undefined =>
  stack.sfn
    .list()
    .find((e) => e.stateMachineArn === stack.stateMachineArn('EmployeeReview') && e.input.includes(cycleId));
const seen = (state: string, event: 'Entered' | 'Exited') =>
  reviewRun()?.history.filter((h) => h.stateName === state && h.type.endsWith(`State${event}`)).length ?? 0;

beforeAll(async () => {
  stack = await startTestStack(START);
  // The forms Lambda runs in this process with the one SFN client: refuse its next SendTaskSuccess
  // before the SDK sends it, as the service does when throttling (after the SDK's own retries).
  sfn.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'SendTaskSuccessCommand' && refuseNext > 0) {
        refuseNext -= 1;
        refused.push(String((args.input as SendTaskSuccessCommandInput).taskToken));
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      }
      return next(args);
    },
    { step: 'initialize', name: 'refuseResume' },
  );
  const people = monasTeam({ title: 'Engineer', timeZone: 'UTC' }, [
    { employeeId: 'ada', name: 'Ada Lovelace' },
  ]);
  expect((await api('PUT', '/employees', { employees: people })).status).toBe(200);
  const cycle = await api('POST', '/cycles', {
    name: 'Resume',
    startAt: START.toISOString(),
    participants: ['ada'],
    timings: { selfDays: 7, peerDays: 7, managerDays: 10, closeDays: 14 },
  });
  expect(cycle.status).toBe(201);
  cycleId = String(cycle.body.cycleId);
});

afterAll(async () => {
  sfn.middlewareStack.remove('refuseResume');
  await stack?.dispose();
});

describe('an answer stored before resuming its workflow failed', () => {
  it('answers 200, and the review goes on at the wait’s next wake-up without a reminder', async () => {
    const selfRequest = async (): Promise<CapturedEmail | undefined> =>
      (await fetchInbox(stack.urls.inbox)).find((e) => emailKind(e) === 'self-assessment.request');
    await runUntil(stack, async () => (await selfRequest()) !== undefined);
    const link = linkIn((await selfRequest()) as CapturedEmail);
    await stack.settle();
    const answeredAt = Date.now();

    refuseNext = 1;
    expect(await answer(link ?? '', 0)).toBe(200);
    await stack.settle();

    // The resume was refused: the wait is still parked, the answer kept.
    expect(refused).toHaveLength(1);
    expect(seen('Wait for self-assessment', 'Exited')).toBe(0);
    expect(seen('Send manager appraisal request', 'Entered')).toBe(0);
    const review = await api('GET', `/cycles/${cycleId}/reviews/ada?view=hr`);
    expect(review.body.review).toHaveProperty('selfAssessment');

    // At the wait's next wake-up the check finds it answered, and the review goes on.
    await runUntil(stack, () => seen('Send manager appraisal request', 'Entered') > 0);
    expect(seen('Check on self-assessment', 'Entered')).toBeGreaterThan(0);
    expect(Date.now() - answeredAt).toBeLessThan(7 * 24 * HOUR);
    const reminders = (await fetchInbox(stack.urls.inbox)).filter(
      (e) => emailKind(e) === 'self-assessment.reminder',
    );
    expect(reminders).toEqual([]);
    expect(stack.sfn.list().filter((e) => e.status === 'FAILED')).toEqual([]);
  });
});

import type { SendTaskSuccessCommandInput } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sfn } from '../../domain/platform/clients';
import { requestWait, tokenOf } from '../../domain/platform/wait-tokens';
import { answer, type CapturedEmail, emailKind, fetchInbox, linkIn, readForm } from '../../local/people';
import type { Execution } from '../../local/step-functions';
import { monasTeam } from '../support/fixtures';
import { type ApiCall, hrApi, runUntil, startTestStack, type TestStack } from '../support/local-stack';

/*
 * An answer stored while Step Functions refuses to resume the workflow (throttled, here once): the
 * person is told it was received, and the review goes on at its wait's next wake-up, which finds the
 * request answered, on the synthesized review workflow with the simulated clock. Then ten copies of
 * one answer posted at once: one is stored, the workflow resumed once, the rest answered 409.
 */

const START = new Date('2027-04-05T08:00:00Z'); // Monday
const HOUR = 3_600_000;

let stack: TestStack;
let cycleId = '';
const api: ApiCall = (...args) => hrApi(stack)(...args);

/** Tokens whose SendTaskSuccess was refused, as Step Functions refuses one when throttling. */
const refused: string[] = [];
let refuseNext = 0;
/** Every token a SendTaskSuccess was sent for, refused or not. */
const resumed: string[] = [];

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
      if (context.commandName === 'SendTaskSuccessCommand')
        resumed.push(String((args.input as SendTaskSuccessCommandInput).taskToken));
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

describe('answering a form while Step Functions or another answer gets in the way', () => {
  it('answers 200 when the resume is refused, and the review goes on at the wait’s next wake-up without a reminder', async () => {
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

  it('stores one of ten copies of an answer posted at once, resumes the workflow once, and answers 409 to the rest', async () => {
    const appraisalRequest = async (): Promise<CapturedEmail | undefined> =>
      (await fetchInbox(stack.urls.inbox)).find((e) => emailKind(e) === 'manager-appraisal.request');
    await runUntil(stack, async () => (await appraisalRequest()) !== undefined);
    await stack.settle();
    const link = linkIn((await appraisalRequest()) as CapturedEmail) ?? '';
    const form = readForm(await (await fetch(link)).text());
    if (!form) throw new Error('no form on the manager appraisal page');
    const body = new URLSearchParams();
    for (const { name, values } of form.ratings) body.set(name, values[0] as string);
    for (const name of form.texts) body.set(name, 'Steady, careful work.');
    for (const { name, value } of form.inputs) body.set(name, value || 'A note');
    // The wait this request's answer resumes: its token is kept by request.
    const requestId = new URL(link).pathname.split('/')[2] ?? '';
    const token = await tokenOf(requestWait(requestId));
    expect(token).toEqual(expect.any(String));
    const before = resumed.length;

    const statuses = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const res = await fetch(new URL(form.action, link).href, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: body.toString(),
        });
        await res.text();
        return res.status;
      }),
    );
    await stack.settle();

    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(9);
    // One SendTaskSuccess for the answer's wait, and no wait resumed twice by the burst.
    const burst = resumed.slice(before);
    expect(burst.filter((t) => t === token)).toHaveLength(1);
    expect(new Set(burst).size).toBe(burst.length);
    const review = await api('GET', `/cycles/${cycleId}/reviews/ada?view=hr`);
    expect(review.body.review).toHaveProperty('managerAppraisal');
    expect(stack.sfn.list().filter((e) => e.status === 'FAILED')).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Execution } from '../../local/step-functions';
import { team } from '../support/fixtures';
import { type ApiCall, hrApi, runUntil, startTestStack, type TestStack } from '../support/local-stack';

/*
 * Launching a cycle's reviews at a size that takes more than one page: one execution per
 * participant under a deterministic name, a launch repeated by hand starts nothing twice, each
 * review waits for its own send slot, and the cycle's own history grows by page, not by person.
 */

const START = new Date('2027-06-07T08:00:00Z');
const PARTICIPANTS = Array.from({ length: 130 }, (_, i) => `ic-${String(i).padStart(3, '0')}`);

let stack: TestStack;

const api: ApiCall = (...args) => hrApi(stack)(...args);

beforeAll(async () => {
  stack = await startTestStack(START);
  const people = team({ title: 'Staff' }, [
    { employeeId: 'mgr', name: 'Mona Manager' },
    ...PARTICIPANTS.map((id) => ({ employeeId: id, managerId: 'mgr' })),
  ]);
  expect((await api('PUT', '/employees', { employees: people })).status).toBe(200);
});

afterAll(async () => {
  await stack?.dispose();
});

describe('launching a large cycle', () => {
  it('starts one review per participant across pages, and launching again starts none twice', async () => {
    const scheduled = await api('POST', '/cycles', {
      name: 'Two pages',
      startAt: new Date(Date.now() + 3_600_000).toISOString(),
      participants: PARTICIPANTS,
    });
    expect(scheduled.status).toBe(201);
    const cycleId = String(scheduled.body.cycleId);
    const ofCycle = (e: Execution) => e.input.includes(`"cycleId":"${cycleId}"`);
    const reviews = () =>
      stack.sfn
        .list()
        .filter((e) => e.stateMachineArn === stack.stateMachineArn('EmployeeReview') && ofCycle(e));
    const cycle = () =>
      stack.sfn
        .list()
        .find((e) => e.stateMachineArn === stack.stateMachineArn('AppraisalCycle') && ofCycle(e));
    const launched = () =>
      cycle()?.history.some((h) => h.stateName === 'Wait for all reviews or the close date') ?? false;
    await runUntil(stack, launched);

    expect(reviews()).toHaveLength(PARTICIPANTS.length);
    expect(new Set(reviews().map((e) => e.name)).size).toBe(PARTICIPANTS.length);
    const firstStarts = new Map(reviews().map((e) => [e.name, e.startDate]));

    // Launch both pages again, as a retried or repeated launch step would.
    const launch = stack.lambda.functionFor('functions/steps/launch-reviews.ts').logicalId;
    const page1 = (await stack.lambda.invoke(launch, { cycleId, cursor: null })) as { cursor: string | null };
    expect(page1.cursor).not.toBeNull();
    await stack.lambda.invoke(launch, { cycleId, cursor: page1.cursor });
    await stack.settle();

    expect(reviews()).toHaveLength(PARTICIPANTS.length);
    expect(new Map(reviews().map((e) => [e.name, e.startDate]))).toEqual(firstStarts);
    expect(reviews().filter((e) => e.status !== 'RUNNING')).toEqual([]);
  });

  it('gives each review its own send slot, spaced so its first emails stay within the send rate', async () => {
    const slots = stack.sfn
      .list()
      .filter((e) => e.stateMachineArn === stack.stateMachineArn('EmployeeReview'))
      .map((e) => Date.parse((JSON.parse(e.input) as { opensAt: string }).opensAt))
      .sort((a, b) => a - b);
    expect(slots).toHaveLength(PARTICIPANTS.length);
    // A self-assessment and three peer requests per review, at 14 emails a second.
    const gaps = slots.slice(1).map((t, i) => t - (slots[i] as number));
    for (const gap of gaps) expect(gap).toBeCloseTo((4 / 14) * 1000, -1);
    const waiting = stack.sfn
      .list()
      .filter((e) => e.stateMachineArn === stack.stateMachineArn('EmployeeReview'))
      .filter((e) => e.history.some((h) => h.stateName === 'Pause until its send slot'));
    expect(waiting.length).toBe(PARTICIPANTS.length);
  });

  it("keeps the cycle's own history to a few events per page of 100 reviews", () => {
    const cycle = stack.sfn.list().find((e) => e.stateMachineArn === stack.stateMachineArn('AppraisalCycle'));
    const pages = cycle?.history.filter(
      (h) => h.type === 'TaskStateEntered' && h.stateName?.startsWith('Launch'),
    );
    expect(pages).toHaveLength(2);
    expect(cycle?.awsHistoryEvents).toBeLessThan(40);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../../domain/platform/table';
import { planWait } from '../../domain/platform/wait-tokens';
import {
  answer,
  type CapturedEmail,
  emailKind,
  fetchInboxItems,
  inboxReader,
  linkIn,
} from '../../local/people';
import { olaKariAndPer, practicePlan } from '../support/fixtures';
import {
  type ApiCall,
  apiAs,
  cycleExecution,
  hrApi,
  runUntil,
  startTestStack,
  type TestStack,
} from '../support/local-stack';

/*
 * A step that fails after its retries, on the synthesized workflows: Per's review cannot start (a
 * dependency refuses it every time) and one item of Ola's plan cannot send its request. Each failure
 * is recorded, HR is told once, and the failed part is counted off: the cycle closes as soon as Ola's
 * and Kari's reviews are done, weeks before its close date, and the plan ends with its other item.
 */

const START = new Date('2027-05-03T08:00:00Z'); // Monday
const DAY = 86_400_000;

const people = olaKariAndPer();

let stack: TestStack;
let hr: ApiCall;
let cycleId = '';
let planId = '';
let askId = '';
let emails: CapturedEmail[] = [];

const executionsOf = (machine: string, id: string) =>
  stack.sfn
    .list()
    .filter((e) => e.stateMachineArn === stack.stateMachineArn(machine) && e.input.includes(id));
const failureEmails = () => emails.filter((e) => emailKind(e) === 'workflow.failure');

beforeAll(async () => {
  stack = await startTestStack(new Date(START.getTime() - DAY));
  hr = hrApi(stack);
  expect((await hr('PUT', '/employees', { employees: people })).status).toBe(200);
  // Not a throttle (those are retried for longer): an error that says the call will never work.
  stack.lambda.injectFault(stack.lambda.functionFor('functions/steps/start-review.ts').logicalId, {
    error: 'ValidationException',
    count: 100,
    when: (event) => (event as { employeeId?: string }).employeeId === 'per',
  });
  stack.lambda.injectFault(stack.lambda.functionFor('functions/steps/human-step.ts').logicalId, {
    error: 'MessageRejected',
    count: 100,
    when: async (event) => {
      const { action, requestId } = event as { action?: string; requestId?: string };
      if (action !== 'open' || !requestId) return false;
      return (await db().request.get({ requestId }).go()).data?.itemId === 'i2';
    },
  });
  // Two passing failures in one step, which must not fail it: the plan's last item ending fails once
  // on its own, then its retry fails in the resume function it calls to wake the plan.
  stack.lambda.injectFault(stack.lambda.functionFor('functions/steps/end-plan-item.ts').logicalId, {
    error: 'Error',
    count: 1,
  });
  stack.lambda.injectFault(stack.lambda.functionFor('functions/steps/resume.ts').logicalId, {
    error: 'Error',
    count: 1,
    when: (event) => (event as { waitId?: string }).waitId === planWait(planId),
  });
  // A request for feedback any time whose requests cannot be sent: no cycle or plan lists it.
  stack.lambda.injectFault(stack.lambda.functionFor('functions/steps/human-step.ts').logicalId, {
    error: 'MessageRejected',
    count: 100,
    when: async (event) => {
      const { action, requestIds = [] } = event as { action?: string; requestIds?: string[] };
      if (action !== 'openGroup' || !requestIds[0]) return false;
      return (await db().request.get({ requestId: requestIds[0] }).go()).data?.askId !== undefined;
    },
  });
  const asked = await apiAs(stack, 'kari')('POST', '/feedback/requests', {
    recipients: [{ employeeId: 'ola' }],
    question: 'What should I keep doing?',
    days: 3,
  });
  expect(asked.status, JSON.stringify(asked.body)).toBe(201);
  askId = (asked.body.request as { askId: string }).askId;
  const scheduled = await hr('POST', '/cycles', {
    name: 'Spring review',
    startAt: START.toISOString(),
    closeAt: new Date(START.getTime() + 42 * DAY).toISOString(),
    participants: ['ola', 'kari', 'per'],
  });
  expect(scheduled.status).toBe(201);
  cycleId = String(scheduled.body.cycleId);
  const plan = await hr(
    'POST',
    '/plans',
    practicePlan('ola', ['Run a design review', 'Write the runbook'], new Date(START.getTime() + 10 * DAY)),
  );
  expect(plan.status).toBe(201);
  planId = String(plan.body.planId);

  const fresh = inboxReader(stack.urls.inbox);
  let answered = 0;
  await runUntil(
    stack,
    () =>
      cycleExecution(stack, cycleId)?.status === 'SUCCEEDED' &&
      executionsOf('DevelopmentPlan', planId)[0]?.status === 'SUCCEEDED' &&
      executionsOf('FeedbackRequest', askId)[0]?.status === 'FAILED',
    async () => {
      for (const email of await fresh()) {
        const link = linkIn(email);
        if (link && emailKind(email).endsWith('.request')) expect(await answer(link, ++answered)).toBe(200);
      }
    },
  );
  emails = await fetchInboxItems(stack.urls.inbox);
}, 300_000);

afterAll(async () => {
  await stack?.dispose();
});

describe('a step that fails after its retries', () => {
  it('fails only its own execution, after the record step, with the state retried before it was caught', () => {
    const [per] = executionsOf('EmployeeReview', '"per"');
    expect(per?.status).toBe('FAILED');
    const entered = per?.history.filter((h) => h.type === 'TaskStateEntered').map((h) => h.stateName);
    expect(entered).toEqual(['Start the review', 'Record the failure and tell HR']);
    // Any error is tried twice more before it is caught: three attempts at the start.
    expect(
      per?.history.filter((h) => h.type === 'LambdaFunctionScheduled' && h.stateName === 'Start the review'),
    ).toHaveLength(3);
    const others = executionsOf('EmployeeReview', cycleId).filter((e) => !e.input.includes('"per"'));
    expect(others.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
  });

  it('never holds the cycle: it closes once the others are done, weeks before its close date', () => {
    const report = emails.find((e) => emailKind(e) === 'cycle.report');
    expect(report).toBeDefined();
    expect((report?.at ?? 0) * 1000).toBeLessThan(START.getTime() + 30 * DAY);
  });

  it('records each failure with ids and error names only, and lists it in the cycle’s status', async () => {
    const status = await hr('GET', `/cycles/${cycleId}`);
    expect(status.body.failures).toEqual([
      expect.objectContaining({
        workflow: 'review',
        employeeId: 'per',
        state: 'Start the review',
        error: 'ValidationException',
      }),
    ]);
    const plan = await hr('GET', `/plans/${planId}`);
    expect(plan.body.failures).toEqual([
      expect.objectContaining({
        workflow: 'plan-item',
        itemId: 'i2',
        state: 'Send the item’s request',
        error: 'MessageRejected',
      }),
    ]);
  });

  it('tells HR once per cycle and once per plan, naming the step, the person’s id and the error', () => {
    expect(failureEmails().map((e) => e.destination.to)).toEqual([
      ['hr@example.com'],
      ['hr@example.com'],
      ['hr@example.com'],
    ]);
    const aboutCycle = failureEmails().find((e) => e.subject.includes('Spring review'));
    expect(aboutCycle?.body.text).toContain(
      '“Start the review” of the review of per failed after its retries',
    );
    expect(aboutCycle?.body.text).toContain(`growcycle status ${cycleId}`);
    // Ids only: HR's email names nobody.
    expect(aboutCycle?.body.text).not.toContain('Per Peer');
  });

  it('never holds the plan: the failed item is counted off and the plan ends with the other', async () => {
    const items = executionsOf('PlanItem', planId);
    expect(items.map((e) => e.status).sort()).toEqual(['FAILED', 'SUCCEEDED']);
    const plan = await hr('GET', `/plans/${planId}`);
    expect((plan.body.plan as { status: string }).status).toBe('closed');
  });

  it('lets a step meet two passing failures, its own and then the resume function’s, and go on', () => {
    const [done] = executionsOf('PlanItem', planId).filter((e) => e.input.includes('"i1"'));
    expect(done?.status).toBe('SUCCEEDED');
    const failed = done?.history.filter(
      (h) => h.type === 'LambdaFunctionFailed' && h.stateName === 'Count the item off its plan',
    );
    expect(failed).toHaveLength(2);
  });

  it('tells HR of a failed request for feedback: whom it is about and which execution to look at', () => {
    const [execution] = executionsOf('FeedbackRequest', askId);
    const notice = failureEmails().find((e) => e.subject.includes('request for feedback'));
    expect(notice?.subject).toBe('A step failed in a request for feedback about kari');
    expect(notice?.body.text).toContain(
      `“Send the feedback requests” of the request ${askId} failed after its retries (MessageRejected)`,
    );
    expect(notice?.body.text).toContain(`execution “${execution?.name}”`);
    expect(notice?.body.text).toContain('growcycle feedback list kari');
    expect(notice?.body.text).not.toContain('undefined');
  });
});

import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMonths, seriesCycleName } from '../../domain/cycles/recurrence';
import { stableId } from '../../domain/platform/ids';
import { answer, type CapturedEmail, emailKind, fetchInbox, linkIn } from '../../local/people';
import { adaptDefinition } from '../../local/step-functions';
import { team } from '../support/fixtures';
import {
  type ApiCall,
  cycleExecution,
  hrApi,
  runUntil as runUntilIdle,
  startTestStack,
  type TestStack,
} from '../support/local-stack';

/*
 * One named scenario per workflow path, each on the synthesized state machines running on the local
 * engine with the simulated clock, asserted on the execution history and the emails it caused.
 */

const START = new Date('2027-03-01T08:00:00Z');
const DAY = 86_400_000;

let stack: TestStack;

const people = team({ title: 'Staff', timeZone: 'Europe/Oslo' }, [
  { employeeId: 'ceo', name: 'Chief Exec', level: 1 },
  { employeeId: 'mgr', name: 'Mona Manager', managerId: 'ceo', level: 2 },
  ...['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((x) => ({
    employeeId: `ic-${x}`,
    name: `Ic ${x.toUpperCase()}`,
    managerId: 'mgr',
  })),
]);

const api: ApiCall = (...args) => hrApi(stack)(...args);

const inboxOf = async (address: string): Promise<CapturedEmail[]> =>
  (await fetchInbox(stack.urls.inbox)).filter((e) => e.destination.to.includes(address));

const runUntil = (done: () => boolean | Promise<boolean>, onIdle?: () => Promise<void>) =>
  runUntilIdle(stack, done, onIdle);

/** Clicks the latest link of the given kind in the owner's inbox and submits the form. */
const complete = async (address: string, kind: string) => {
  const email = (await inboxOf(address)).reverse().find((e) => emailKind(e) === kind);
  return email ? answer(linkIn(email) as string, 1) : 0;
};

beforeAll(async () => {
  stack = await startTestStack(START);
  expect((await api('PUT', '/employees', { employees: people })).status).toBe(200);
});

afterAll(async () => {
  await stack?.dispose();
});

describe('appraisal cycle', () => {
  it('scheduled twice with one idempotency key: one execution, and a review under way is not reset', async () => {
    const body = {
      name: 'Idempotent cycle',
      startAt: new Date(Date.now()).toISOString(),
      participants: ['ic-f', 'ic-g', 'ic-h'],
    };
    const first = await api('POST', '/cycles', body, 'scenario-idempotent');
    expect(first.status).toBe(201);
    const cycleId = String(first.body.cycleId);
    await runUntil(async () =>
      (await inboxOf('ic-f@example.com')).some((e) => emailKind(e) === 'self-assessment.request'),
    );
    expect(await complete('ic-f@example.com', 'self-assessment.request')).toBe(200);
    await stack.settle();

    const second = await api('POST', '/cycles', body, 'scenario-idempotent');
    expect(second.status).toBe(201);
    expect(second.body.cycleId).toBe(cycleId);
    const cycleExecutions = stack.sfn
      .list()
      .filter((e) => e.stateMachineArn === stack.stateMachineArn('AppraisalCycle'));
    expect(cycleExecutions.filter((e) => e.input.includes(cycleId))).toHaveLength(1);
    const review = (await api('GET', `/cycles/${cycleId}/reviews/ic-f`)).body as {
      review: { status: string; selfAssessment?: unknown };
    };
    expect(review.review.status).toBe('in-progress');
    expect(review.review.selfAssessment).toBeDefined();
  });
});

describe('scheduling', () => {
  const cycleRun = (cycleId: string) => cycleExecution(stack, cycleId);
  const scheduleFor = async (name: string, startAt: Date) => {
    const res = await api('POST', '/cycles', {
      name,
      startAt: startAt.toISOString(),
      // Mona is in no other cycle here, so her emails cannot be mistaken for another scenario's.
      participants: ['mgr'],
    });
    expect(res.status).toBe(201);
    return String(res.body.cycleId);
  };

  it('scheduled for next month: nothing runs before the start date, then its one-time schedule starts it', async () => {
    // Schedules fire on whole seconds; a whole minute keeps the comparison below exact.
    const startAt = new Date(Math.ceil((Date.now() + 30 * DAY) / 60_000) * 60_000);
    const cycleId = await scheduleFor('Next month', startAt);
    expect(cycleRun(cycleId)).toBeUndefined();
    expect(stack.scheduler.list().map((s) => s.name)).toContain(`cycle-${cycleId}`);

    await runUntil(() => cycleRun(cycleId) !== undefined);

    expect(cycleRun(cycleId)?.startDate).toBeGreaterThanOrEqual(startAt.getTime());
    // One-time schedules delete themselves once they have fired.
    expect(stack.scheduler.list().map((s) => s.name)).not.toContain(`cycle-${cycleId}`);
  });

  it('cancelled before it starts: the schedule is deleted and the cycle never runs', async () => {
    const startAt = new Date(Date.now() + 10 * DAY);
    const cycleId = await scheduleFor('Called off', startAt);
    expect((await api('POST', `/cycles/${cycleId}/cancel`, { reason: 'Reorganisation' })).status).toBe(200);
    expect(stack.scheduler.list().map((s) => s.name)).not.toContain(`cycle-${cycleId}`);

    await runUntil(() => Date.now() > startAt.getTime());

    expect(Date.now()).toBeGreaterThan(startAt.getTime());
    expect(cycleRun(cycleId)).toBeUndefined();
    const status = (await api('GET', `/cycles/${cycleId}`)).body as { cycle: { status: string } };
    expect(status.cycle.status).toBe('cancelled');
  });
});

describe('recurring cycles', () => {
  it('every 3 months: opening a cycle schedules the next with the same people; cancelling that one ends the series', async () => {
    const first = await api('POST', '/cycles', {
      name: 'Quarterly check-in',
      startAt: new Date(Date.now()).toISOString(),
      // The CEO is in no other cycle here, so this series' emails are its own.
      participants: ['ceo'],
      repeatEveryMonths: 3,
    });
    expect(first.status).toBe(201);
    const firstId = String(first.body.cycleId);
    const firstStart = new Date(String((first.body.cycle as { startAt: string }).startAt));
    const secondId = stableId(firstId, '2');
    await runUntil(() => stack.scheduler.list().some((s) => s.name === `cycle-${secondId}`));

    const second = (await api('GET', `/cycles/${secondId}`)).body as {
      cycle: { status: string; startAt: string; name: string; repeat: { number: number } };
      reviews: { participants: number };
    };
    expect(second.cycle.status).toBe('scheduled');
    expect(second.cycle.startAt).toBe(addMonths(firstStart, 3).toISOString());
    expect(second.cycle.name).toBe(seriesCycleName('Quarterly check-in', addMonths(firstStart, 3)));
    expect(second.cycle.repeat.number).toBe(2);
    expect(second.reviews.participants).toBe(1);

    expect(
      (await api('POST', `/cycles/${secondId}/cancel`, { reason: 'Moving to half-yearly' })).status,
    ).toBe(200);
    await runUntil(() => Date.now() > Date.parse(second.cycle.startAt));

    const started = stack.sfn.list().filter((e) => e.input.includes(secondId));
    expect(started).toEqual([]);
    expect((await api('GET', `/cycles/${stableId(firstId, '3')}`)).status).toBe(404);
  });
});

describe('changes while a cycle runs', () => {
  const schedule = async (name: string, participants: string[]) => {
    const res = await api('POST', '/cycles', {
      name,
      startAt: new Date(Date.now()).toISOString(),
      participants,
    });
    expect(res.status).toBe(201);
    return String(res.body.cycleId);
  };
  const kindsTo = async (address: string) => (await inboxOf(address)).map(emailKind);

  it('deadline extended mid-wait: the running workflow reminds by the new date, not the old one', async () => {
    const cycleId = await schedule('Extended', ['ic-a']);
    await runUntil(async () => (await kindsTo('ic-a@example.com')).includes('self-assessment.request'));
    const sentAt = Date.now();
    expect(
      (
        await api('POST', `/cycles/${cycleId}/extend`, {
          days: 7,
          employeeId: 'ic-a',
          phase: 'self-assessment',
        })
      ).status,
    ).toBe(200);
    let remindedAt = 0;
    await runUntil(async () => {
      if ((await kindsTo('ic-a@example.com')).includes('self-assessment.reminder')) remindedAt ||= Date.now();
      return remindedAt > 0;
    });
    // Due 7 days after the start, moved by 7: the first reminder (3 days before) comes on day 11, not day 4.
    expect(Math.round((remindedAt - sentAt) / DAY)).toBe(11);
  });

  it('whole cycle extended: the cycle closes at the new close date, not the old one', async () => {
    const start = Date.now();
    const cycleId = await schedule('Extended cycle', ['ic-d']);
    await runUntil(async () => (await kindsTo('ic-d@example.com')).includes('self-assessment.request'));
    expect((await api('POST', `/cycles/${cycleId}/extend`, { days: 10 })).status).toBe(200);
    const cycleRun = () => cycleExecution(stack, cycleId);
    await runUntil(() => cycleRun()?.status === 'SUCCEEDED');
    // Closes 21 days after the start plus the grace hour, moved by 10 days.
    expect(Math.round(((cycleRun()?.stopDate ?? 0) - start) / DAY)).toBe(31);
    expect(cycleRun()?.history.some((h) => h.stateName === 'Check the close date')).toBe(true);
  });

  it('participant joins and another leaves mid-cycle: the joiner is asked, the leaver hears nothing more, the cycle still closes', async () => {
    const cycleId = await schedule('Joiners and leavers', ['ic-e', 'ic-g']);
    await runUntil(async () => (await kindsTo('ic-g@example.com')).includes('self-assessment.request'));
    expect(
      (await api('POST', `/cycles/${cycleId}/participants`, { employeeIds: ['ic-h', 'ic-e'] })).body,
    ).toEqual({ added: ['ic-h'], alreadyIn: ['ic-e'] });
    await runUntil(async () =>
      (await inboxOf('ic-h@example.com')).some(
        (e) => emailKind(e) === 'self-assessment.request' && e.subject.includes('Joiners'),
      ),
    );
    // The joiner's review is given its send slot too, now: every review waits for one, with no Choice before.
    const joiner = stack.sfn
      .list()
      .find(
        (e) =>
          e.stateMachineArn === stack.stateMachineArn('EmployeeReview') &&
          e.input.includes(cycleId) &&
          e.input.includes('"ic-h"'),
      );
    const opensAt = Date.parse((JSON.parse(joiner?.input ?? '{}') as { opensAt?: string }).opensAt ?? '');
    expect(Math.abs(opensAt - (joiner?.startDate ?? 0))).toBeLessThan(60_000);
    expect(joiner?.history.some((h) => h.stateName === 'Pause until its send slot')).toBe(true);
    const beforeLeave = (await inboxOf('ic-g@example.com')).length;
    expect((await api('DELETE', `/cycles/${cycleId}/participants/ic-g`)).status).toBe(200);
    expect((await api('DELETE', `/cycles/${cycleId}/participants/ic-g`)).status).toBe(409);
    const cycleRun = () => cycleExecution(stack, cycleId);
    await runUntil(() => cycleRun()?.status !== 'RUNNING');
    expect(cycleRun()?.status).toBe('SUCCEEDED');
    const leaverMail = (await inboxOf('ic-g@example.com'))
      .slice(beforeLeave)
      .filter((e) => e.subject.includes('Joiners'));
    expect(leaverMail).toEqual([]);
    const status = (await api('GET', `/cycles/${cycleId}`)).body as { reviews: Record<string, number> };
    expect(status.reviews).toMatchObject({ participants: 3, cancelled: 1 });
  });

  it('cancelled: every workflow of the cycle stops, links close, and no email goes out after', async () => {
    const cycleId = await schedule('Cancelled', ['ic-b', 'ic-c']);
    await runUntil(async () => (await kindsTo('ic-c@example.com')).includes('self-assessment.request'));
    const link = linkIn(
      (await inboxOf('ic-c@example.com'))
        .reverse()
        .find((e) => emailKind(e) === 'self-assessment.request') as CapturedEmail,
    );
    const before = (await fetchInbox(stack.urls.inbox)).length;
    const res = await api('POST', `/cycles/${cycleId}/cancel`, { reason: 'Reorganisation' });
    expect(res.status).toBe(200);
    const ofCycle = () => stack.sfn.list().filter((e) => e.input.includes(cycleId));
    await runUntil(() => ofCycle().every((e) => e.status !== 'RUNNING'));
    // Let a whole cycle's worth of simulated time pass: nothing may be sent.
    await stack.clock?.advance(30 * DAY);
    await stack.settle();
    expect(ofCycle().map((e) => e.status)).toEqual(['ABORTED', 'ABORTED', 'ABORTED']);
    expect(
      (await fetchInbox(stack.urls.inbox))
        .slice(before)
        .filter((e) => e.subject.includes('Cancelled') || e.destination.to.some((t) => /ic-[bc]@/.test(t))),
    ).toEqual([]);
    expect((await fetch(link as string)).status).toBe(410);
    expect((await api('POST', `/cycles/${cycleId}/cancel`, { reason: 'Again' })).status).toBe(409);
  });
});

describe('engine adaptation', () => {
  it('evaluates TimeoutSecondsPath against the state input, as AWS does', () => {
    const adapted = adaptDefinition({
      StartAt: 'Wait',
      States: {
        Wait: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: 'f', Payload: { 'token.$': '$$.Task.Token' } },
          TimeoutSecondsPath: '$.step.wakeInSeconds',
          End: true,
        },
      },
    });
    const state = adapted.States.Wait as Record<string, unknown>;
    expect(state.Parameters).toMatchObject({ '__growcycle_timeout_seconds.$': '$.step.wakeInSeconds' });
    expect(state.TimeoutSecondsPath).toBe('$.__growcycle_timeout_seconds');
  });
});

describe('the Step Functions endpoint, as the AWS CLI calls it', () => {
  let client: SFNClient;

  beforeAll(() => {
    client = new SFNClient({
      endpoint: stack.urls.sfn,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
  });

  afterAll(() => client.destroy());

  it('lists and describes the template’s state machines (list-state-machines, describe-state-machine)', async () => {
    const listed = await client.send(new ListStateMachinesCommand({}));
    expect(listed.stateMachines?.map((m) => m.stateMachineArn).sort()).toEqual(
      [...stack.sfn.stateMachineArns].sort(),
    );
    const arn = stack.stateMachineArn('AppraisalCycle');
    const item = listed.stateMachines?.find((m) => m.stateMachineArn === arn);
    expect(item).toMatchObject({ name: arn.split(':').at(-1), type: 'STANDARD' });
    expect(item?.creationDate).toBeInstanceOf(Date);
    const described = await client.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
    expect(described).toMatchObject({
      stateMachineArn: arn,
      name: item?.name,
      status: 'ACTIVE',
      type: 'STANDARD',
    });
    expect(described.roleArn).toMatch(/^arn:aws:iam::\d{12}:role\//);
    expect(JSON.parse(described.definition ?? '{}').States).toHaveProperty(['Wait until the cycle starts']);
    await expect(
      client.send(new DescribeStateMachineCommand({ stateMachineArn: `${arn}Gone` })),
    ).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
  });

  it('starts, lists, describes, stops and reads the history of an execution in AWS’s shapes', async () => {
    const arn = stack.stateMachineArn('AppraisalCycle');
    const input = JSON.stringify({ cycleId: 'sdk-probe', startAt: '2099-01-01T00:00:00Z' });
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: arn, name: 'sdk-probe', input }),
    );
    await stack.settle();
    const running = await client.send(
      new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: 'RUNNING' }),
    );
    expect(running.executions?.map((e) => e.executionArn)).toContain(executionArn);
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({
      executionArn,
      stateMachineArn: arn,
      name: 'sdk-probe',
      status: 'RUNNING',
      input,
    });
    expect(described.startDate).toBeInstanceOf(Date);

    const stopped = await client.send(
      new StopExecutionCommand({ executionArn, error: 'Probe', cause: 'Done looking' }),
    );
    expect(stopped.stopDate).toBeInstanceOf(Date);
    await stack.settle();
    expect(await client.send(new DescribeExecutionCommand({ executionArn }))).toMatchObject({
      status: 'ABORTED',
      error: 'Probe',
      cause: 'Done looking',
    });

    const { events } = await client.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events?.map((e) => e.type)).toEqual(['ExecutionStarted', 'WaitStateEntered', 'ExecutionAborted']);
    expect(events?.map((e) => [e.id, e.previousEventId])).toEqual([
      [1, 0],
      [2, 1],
      [3, 2],
    ]);
    expect(events?.[0]?.timestamp).toBeInstanceOf(Date);
    expect(JSON.parse(events?.[0]?.executionStartedEventDetails?.input ?? '{}')).toEqual(JSON.parse(input));
    expect(events?.[1]?.stateEnteredEventDetails?.name).toBe('Wait until the cycle starts');
    expect(events?.[2]?.executionAbortedEventDetails).toEqual({ error: 'Probe', cause: 'Done looking' });

    const newestFirst = await client.send(
      new GetExecutionHistoryCommand({
        executionArn,
        reverseOrder: true,
        maxResults: 1,
        includeExecutionData: false,
      }),
    );
    expect(newestFirst.events?.map((e) => e.type)).toEqual(['ExecutionAborted']);
    expect(newestFirst.nextToken).toBeDefined();
    const rest = await client.send(
      new GetExecutionHistoryCommand({
        executionArn,
        reverseOrder: true,
        includeExecutionData: false,
        nextToken: newestFirst.nextToken,
      }),
    );
    expect(rest.events?.map((e) => e.type)).toEqual(['WaitStateEntered', 'ExecutionStarted']);
    expect(rest.events?.[1]?.executionStartedEventDetails).not.toHaveProperty('input');
  });

  it('answers as AWS does: a token never minted is InvalidToken, a list without a state machine a ValidationException', async () => {
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: 'not-a-token', output: '{}' })),
    ).rejects.toMatchObject({ name: 'InvalidToken' });
    await expect(client.send(new ListExecutionsCommand({}))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });
});

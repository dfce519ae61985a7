import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Io, run } from '../../cli/growcycle';
import { START_EXECUTION_TARGET } from '../../domain/platform/schedules';
import { db } from '../../domain/platform/table';
import { olaKariAndPer } from '../support/fixtures';
import { cycleExecution, hrApi, startTestStack, type TestStack } from '../support/local-stack';

/*
 * `growcycle redrive` against the local stack's dead-letter queue, filled the three ways AWS fills
 * it: a digest delivery that failed all of Lambda's asynchronous attempts (its on-failure record), an
 * SES event the bus could not deliver (the event itself, naming its target), and a cycle's start its
 * schedule could not make (the StartExecution request, naming Scheduler's universal target).
 */

let stack: TestStack;
let digests = '';
let sesEvents = '';

const cli = async (args: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), isTty: false };
  const code = await run([...args, '--api', stack.urls.api], io, {});
  return { code, out: out.join('\n'), err: err.join('\n') };
};

const bounce = (configurationSet: string) => ({
  source: 'aws.ses',
  'detail-type': 'Email Bounced',
  time: '2027-01-04T08:00:00Z',
  detail: {
    eventType: 'Bounce',
    mail: { messageId: 'not-ours', tags: { 'ses:configuration-set': [configurationSet] } },
    bounce: {
      bounceType: 'Permanent',
      bouncedRecipients: [{ emailAddress: 'gone@example.com' }],
      timestamp: '2027-01-04T08:00:00Z',
    },
  },
});

const invocations = (logicalId: string) => stack.lambda.stats.byFunction[logicalId] ?? 0;

beforeAll(async () => {
  stack = await startTestStack(new Date('2027-01-04T08:00:00Z'));
  digests = stack.lambda.functionFor('functions/steps/deliver-digests.ts').logicalId;
  sesEvents = stack.lambda.functionFor('functions/events/ses-events.ts').logicalId;
  // Every attempt fails: Lambda's three, and the rule's retries.
  stack.lambda.injectFault(digests, { error: 'ThrottlingException', count: 3 });
  stack.lambda.injectFault(sesEvents, { error: 'ThrottlingException', count: 100 });
  await stack.lambda.invokeAsync(digests, { sweepHours: 25 });
  const configurationSet = stack.app.mail.eventDestinations[0]?.configurationSet ?? '';
  await stack.events.put(bounce(configurationSet));
}, 120_000);

afterAll(async () => {
  await stack?.dispose();
});

describe('growcycle redrive', () => {
  it('finds both failures in the dead-letter queue, each in the shape AWS writes', () => {
    expect(stack.failedInvocations.length).toBe(2);
  });

  it('with --dry-run says what it would send again and leaves the queue as it was', async () => {
    const { code, out } = await cli(['redrive', '--dry-run']);
    expect(code).toBe(0);
    expect(out).toContain(`would send again: ${digests} (it failed with ThrottlingException)`);
    expect(out).toContain(`would send again: ${sesEvents} (it failed with ThrottlingException)`);
    expect(out).toContain('2 to send again, 0 left in the queue');
    expect(stack.failedInvocations.length).toBe(2);
  });

  it('sends each back to its function with its event, once; one that fails again comes back to the queue', async () => {
    stack.lambda.clearFaults(sesEvents);
    const before = { digests: invocations(digests), sesEvents: invocations(sesEvents) };
    const { code, out } = await cli(['redrive', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ redriven: 2, left: 0, byFunction: { [digests]: 1, [sesEvents]: 1 } });
    await stack.settle();
    expect(invocations(digests)).toBe(before.digests + 1);
    // The bounce names a message no outbox row has: the handler refuses it, Lambda tries three times,
    // and its on-failure record is back in the queue rather than lost.
    expect(invocations(sesEvents)).toBe(before.sesEvents + 3);
    expect(stack.failedInvocations.length).toBe(1);
  });

  it('once the cause is fixed, a second redrive empties the queue', async () => {
    await db()
      .outbox.create({
        key: 'redrive-test',
        kind: 'digest',
        toId: 'ola',
        status: 'sent',
        createdAt: new Date().toISOString(),
        messageId: 'not-ours',
      })
      .go();
    const before = invocations(sesEvents);
    expect((await cli(['redrive'])).out).toContain('1 sent again, 0 left in the queue');
    await stack.settle();
    expect(invocations(sesEvents)).toBe(before + 1);
    expect(stack.failedInvocations.length).toBe(0);
    expect((await cli(['redrive'])).out).toContain('0 sent again, 0 left in the queue');
  });

  it('starts a cycle whose schedule could not, once, whatever the number of redrives', async () => {
    const hr = hrApi(stack);
    expect((await hr('PUT', '/employees', { employees: olaKariAndPer() })).status).toBe(200);
    const scheduled = await hr('POST', '/cycles', {
      name: 'Autumn review',
      startAt: '2027-02-01T08:00:00Z',
      closeAt: '2027-03-15T08:00:00Z',
      participants: ['ola', 'kari'],
    });
    expect(scheduled.status).toBe(201);
    const cycleId = String(scheduled.body.cycleId);
    // What Scheduler writes when the start failed after its retries; the schedule is gone by then.
    const [schedule] = stack.scheduler.list().filter((s) => s.name.includes(cycleId));
    if (!schedule) throw new Error('no schedule for the cycle');
    stack.scheduler.delete(schedule.name, schedule.groupName);
    const failure = { TARGET_ARN: START_EXECUTION_TARGET, ERROR_CODE: 'AWS.Scheduler.InternalServerError' };
    stack.failedInvocations.send(schedule.target.Input, failure);
    stack.failedInvocations.send(schedule.target.Input, failure);
    expect(cycleExecution(stack, cycleId)).toBeUndefined();

    const { code, out } = await cli(['redrive']);
    expect(code).toBe(0);
    expect(out).toContain(`sent again: start of ${schedule.target.Input.match(/"Name":"([^"]+)"/)?.[1]}`);
    expect(out).toContain('2 sent again, 0 left in the queue');
    expect(cycleExecution(stack, cycleId)?.status).toBe('RUNNING');
    const started = stack.sfn.list().filter((e) => e.input.includes(cycleId) && e.name.startsWith('cycle'));
    expect(started).toHaveLength(1);
    expect(stack.failedInvocations.length).toBe(0);
  });

  it('leaves a message it does not recognise in the queue, and exits 1 saying so', async () => {
    stack.failedInvocations.send('{"something":"else"}');
    const { code, err } = await cli(['redrive']);
    expect(code).toBe(1);
    expect(err).toContain('1 message(s) could not be sent again');
    expect(stack.failedInvocations.length).toBe(1);
  });

  it('without a local stack or a queue URL, is a usage error naming what it needs', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), isTty: false };
    const code = await run(['redrive', '--api', 'http://127.0.0.1:9'], io, {});
    expect(code).toBe(2);
    expect(err.join('\n')).toContain('--queue-url');
  });
});

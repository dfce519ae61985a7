import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogPath } from '../../cli/growcycle';
import { triggeredCycleId } from '../../domain/cycles/triggers';
import { addLocalDays } from '../../domain/platform/calendar';
import { emailKind, fetchInbox } from '../../local/people';
import { sampleCatalog } from '../support/catalog';
import { team } from '../support/fixtures';
import { type ApiCall, hrApi, runUntil, startTestStack, type TestStack } from '../support/local-stack';

/*
 * Per-person reviews from a review trigger ("end-of-probation review, 180 days after the start
 * date"), started by the template's daily schedule (05:00 UTC) on the local scheduler, on the
 * simulated clock. The stack starts on Monday 1 March 2027 at midnight.
 */

const START = new Date('2027-03-01T00:00:00Z');
const startedDaysBefore = (day: string) => addLocalDays(day, -180);

const people = team({ timeZone: 'Europe/Oslo' }, [
  { employeeId: 'mgr', name: 'Mona Manager', startDate: '2019-05-01' },
  // Day 180 is Wednesday 3 March: started by that morning's run.
  { employeeId: 'newbie', name: 'Nina New', managerId: 'mgr', startDate: startedDaysBefore('2027-03-03') },
  // Day 180 was Saturday 27 February, before the stack ran: caught up by the first run.
  { employeeId: 'recent', name: 'Rita Recent', managerId: 'mgr', startDate: startedDaysBefore('2027-02-27') },
  // Day 180 was a month ago: long past the catch-up week.
  {
    employeeId: 'veteran',
    name: 'Vera Veteran',
    managerId: 'mgr',
    startDate: startedDaysBefore('2027-01-30'),
  },
  // Day 180 is 20 March, after this test's horizon.
  { employeeId: 'future', name: 'Finn Future', managerId: 'mgr', startDate: startedDaysBefore('2027-03-20') },
]);

let stack: TestStack;

const api: ApiCall = (...args) => hrApi(stack)(...args);

const cycleRuns = () =>
  stack.sfn.list().filter((e) => e.stateMachineArn === stack.stateMachineArn('AppraisalCycle'));

beforeAll(async () => {
  stack = await startTestStack(START);
  expect((await api('PUT', '/employees', { employees: people })).status).toBe(200);
  for (const doc of sampleCatalog()) {
    expect((await api('PUT', catalogPath(doc.kind, doc.id), doc)).status).toBe(200);
  }
  const trigger = {
    kind: 'trigger',
    id: 'end-of-probation',
    name: 'End-of-probation review',
    templateId: 'annual-review',
    daysAfterStart: 180,
  };
  expect((await api('PUT', '/triggers/end-of-probation', trigger)).status).toBe(200);
  // The daily check is passive on the simulated clock: it fires as time passes while something
  // else runs. A development plan due in ten days is that something here.
  expect(
    (
      await api('POST', '/plans', {
        ownerId: 'mgr',
        title: 'Keep the clock running',
        items: [{ title: 'Read the onboarding guide', dueAt: '2027-03-11T12:00:00Z' }],
      })
    ).status,
  ).toBe(201);
  await runUntil(stack, () => Date.now() >= Date.parse('2027-03-05T12:00:00Z'));
}, 120_000);

afterAll(async () => {
  await stack?.dispose();
});

describe('review triggers', () => {
  it('refuses a trigger that names no template, naming the field', async () => {
    const res = await api('PUT', '/triggers/bad', {
      kind: 'trigger',
      id: 'bad',
      name: 'Bad',
      templateId: 'nope',
      daysAfterStart: 90,
    });
    expect(res.status).toBe(400);
    expect(res.body.detail).toBe('templateId: no template nope');
  });

  it('starts a one-person review on the day, from the trigger’s template', async () => {
    const cycleId = triggeredCycleId('end-of-probation', 'newbie');
    const run = cycleRuns().find((e) => e.input.includes(cycleId));
    // The morning run of Wednesday 3 March.
    expect(new Date(run?.startDate ?? 0).toISOString().slice(0, 16)).toBe('2027-03-03T05:00');
    const status = (await api('GET', `/cycles/${cycleId}`)).body as {
      cycle: { name: string; templateId: string };
      reviews: { participants: number };
    };
    expect(status.cycle).toMatchObject({ name: 'End-of-probation review', templateId: 'annual-review' });
    expect(status.reviews.participants).toBe(1);
    const inbox = await fetchInbox(stack.urls.inbox);
    // The template's first step: the newcomer is asked to set their goals.
    expect(
      inbox.some(
        (e) => e.destination.to[0] === 'newbie@example.com' && emailKind(e) === 'goal-setting.request',
      ),
    ).toBe(true);
  });

  it('catches up a day the daily run missed within the last week, but no older one and none to come', () => {
    const reviewed = cycleRuns()
      .map((e) => people.find((p) => e.input.includes(triggeredCycleId('end-of-probation', p.employeeId))))
      .map((p) => p?.employeeId)
      .sort();
    expect(reviewed).toEqual(['newbie', 'recent']);
  });

  it('starts each person’s review once, however many daily runs see them', () => {
    // Five daily runs (1–5 March) saw Rita within her catch-up week.
    const rita = cycleRuns().filter((e) => e.input.includes(triggeredCycleId('end-of-probation', 'recent')));
    expect(rita).toHaveLength(1);
    expect(new Date(rita[0]?.startDate ?? 0).toISOString().slice(0, 16)).toBe('2027-03-01T05:00');
  });
});

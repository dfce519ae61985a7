import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CapturedEmail, emailKind, fetchInbox, fetchInboxItems, submitForm } from '../../local/people';
import type { Execution } from '../../local/step-functions';
import { monasTeam } from '../support/fixtures';
import {
  type ApiCall,
  hrApi,
  runUntil as runUntilIdle,
  startTestStack,
  type TestStack,
} from '../support/local-stack';

/*
 * One named scenario per path of a development plan's follow-up, on the synthesized plan and
 * plan-item state machines with the simulated clock: the owner's one-click answers, the manager's
 * decisions, escalation up the default policy's chain, and changes while the plan runs.
 */

/** The local SES mailbox answers mail to this address with a permanent bounce. */
const BOUNCER = 'bounce+mentor@simulator.amazonses.com';

const START = new Date('2027-03-01T07:00:00Z'); // a Monday, before Oslo's 09:00 send hour
const DAY = 86_400_000;

let stack: TestStack;

const people = monasTeam({ title: 'Staff', timeZone: 'Europe/Oslo' }, [
  ...['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'].map((x) => ({
    employeeId: `ic-${x}`,
    name: `Ic ${x.toUpperCase()}`,
  })),
  ...['m', 'n', 'o', 'p', 'q', 'r'].map((x) => ({ employeeId: `ic-${x}`, name: `Ic ${x.toUpperCase()}` })),
  { employeeId: 'mgr2', name: 'Nils Newmanager' },
  { employeeId: 'men-1', name: 'Mia Mentor' },
  { employeeId: 'men-2', name: 'Max Mentor', email: BOUNCER },
]);

const api: ApiCall = (...args) => hrApi(stack)(...args);
const runUntil = (done: () => boolean | Promise<boolean>, onIdle?: () => Promise<void>) =>
  runUntilIdle(stack, done, onIdle);

const inboxOf = async (id: string): Promise<CapturedEmail[]> =>
  (await fetchInboxItems(stack.urls.inbox)).filter((e) => e.destination.to.includes(`${id}@example.com`));
const kindsFor = async (id: string, about?: string) =>
  (await inboxOf(id)).filter((e) => !about || e.subject.includes(about)).map(emailKind);

const executionsOf = (planId: string): Execution[] =>
  stack.sfn.list().filter((e) => e.input.includes(planId));
const planExecution = (planId: string) => executionsOf(planId).find((e) => !e.input.includes('itemId'));
const itemExecution = (planId: string, itemId = 'i1') =>
  executionsOf(planId).find((e) => e.input.includes(`"itemId":"${itemId}"`));
/** Until the plan's end summary has reached a person: it waits for their send time, in their digest. */
const summarised = (id: string) => async () => (await kindsFor(id)).includes('plan-summary.notice');
const finished = (planId: string) => () => {
  const plan = planExecution(planId);
  return plan !== undefined && plan.status !== 'RUNNING';
};

type ItemView = {
  itemId: string;
  status: string;
  dueAt: string;
  revision: number;
  history: Array<{ what: string }>;
};
const planOf = async (planId: string) =>
  (await api('GET', `/plans/${planId}`)).body.plan as {
    status: string;
    items: ItemView[];
    summary?: Record<string, number>;
  };

const newPlan = async (ownerId: string, dueInDays: number, extra: Record<string, unknown> = {}) => {
  const { status, body } = await api('POST', '/plans', {
    ownerId,
    title: `Plan for ${ownerId}`,
    items: [
      {
        kind: 'practice',
        title: 'Pair with a senior on a design review',
        dueAt: new Date(Date.now() + dueInDays * DAY).toISOString(),
        definitionOfDone: 'Led one design review with a senior beside you',
      },
    ],
    ...extra,
  });
  expect(status).toBe(201);
  return String(body.planId);
};

/** The link of the latest email of a kind to a person that answers with `choice`. */
const choiceLink = async (id: string, kind: string, choice: string): Promise<string> => {
  const email = (await inboxOf(id)).reverse().find((e) => emailKind(e) === kind);
  const link = new RegExp(`https?://\\S+choice=${choice}`).exec(email?.body.text ?? '')?.[0];
  if (!link) throw new Error(`No ${choice} link in ${kind} to ${id}`);
  return link;
};

/** Clicks the answer in the latest email of the kind and posts the form with the given values. */
const click = async (id: string, kind: string, choice: string, values: Record<string, string> = {}) =>
  submitForm(await choiceLink(id, kind, choice), {
    [kind.startsWith('item-decision') ? 'decision' : 'choice']: choice,
    ...values,
  });

/** The form link in the latest email of a kind to a person. */
const linkOf = async (id: string, kind: string): Promise<string> => {
  const email = (await fetchInboxItems(stack.urls.inbox))
    .reverse()
    .find(
      (e) => e.destination.to.includes(id.includes('@') ? id : `${id}@example.com`) && emailKind(e) === kind,
    );
  const link = /https?:\/\/\S+\/r\/\S+/.exec(email?.body.text ?? '')?.[0];
  if (!link) throw new Error(`No ${kind} link to ${id}`);
  return link;
};

const day = (offsetDays: number) => new Date(Date.now() + offsetDays * DAY).toISOString().slice(0, 10);

beforeAll(async () => {
  stack = await startTestStack(START);
  expect((await api('PUT', '/employees', { employees: people })).status).toBe(200);
});

afterAll(async () => {
  await stack?.dispose();
});

describe('a development plan item', () => {
  it('done early: one email with three answers, done stops every further email, the plan closes', async () => {
    const planId = await newPlan('ic-a', 20);
    await runUntil(async () => (await kindsFor('ic-a')).length === 1);
    const [email] = await inboxOf('ic-a');
    expect(email?.body.text).toMatch(/Done: http/);
    expect(email?.body.text).toMatch(/Blocked: http/);
    expect(email?.body.text).toMatch(/Needs a new date: http/);
    expect(email?.body.text).toContain('Done when: Led one design review');
    expect(await click('ic-a', 'action-item.request', 'done', { link: 'https://wiki.example/review' })).toBe(
      200,
    );
    await runUntil(finished(planId));
    await runUntil(summarised('ic-a'));
    // The plan's end summary goes to the owner and their manager, at their send hour; nothing else
    // after the answer.
    expect(await kindsFor('ic-a')).toEqual(['action-item.request', 'plan-summary.notice']);
    const summary = (await inboxOf('ic-a')).find((e) => emailKind(e) === 'plan-summary.notice');
    expect(summary?.body.text).toContain('1 of 1 items done (1 on time, 0 late)');
    expect(
      new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Oslo', hour: '2-digit' }).format(
        (summary?.at ?? 0) * 1000,
      ),
    ).toBe('09');
    expect(await kindsFor('mgr', 'Plan ended: Plan for ic-a')).toEqual(['plan-summary.notice']);
    expect(await kindsFor('mgr', 'Ic A')).not.toContain('action-item.escalation');
    const plan = await planOf(planId);
    expect(plan.status).toBe('closed');
    expect(plan.items[0]?.status).toBe('done');
    expect(plan.summary).toMatchObject({ done: 1, doneOnTime: 1, doneLate: 0 });
    expect(itemExecution(planId)?.status).toBe('SUCCEEDED');
    expect(planExecution(planId)?.status).toBe('SUCCEEDED');
  });

  it('reminded, then done: the reminder a week before, in the send hour, and nothing after the answer', async () => {
    const planId = await newPlan('ic-b', 10);
    await runUntil(async () => (await kindsFor('ic-b')).includes('action-item.reminder'));
    const reminder = (await inboxOf('ic-b')).find((e) => emailKind(e) === 'action-item.reminder');
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Oslo', hour: '2-digit' }).format(
      (reminder?.at ?? 0) * 1000,
    );
    expect(local).toBe('09');
    expect(await click('ic-b', 'action-item.reminder', 'done')).toBe(200);
    await runUntil(finished(planId));
    await runUntil(summarised('ic-b'));
    expect(await kindsFor('ic-b')).toEqual([
      'action-item.request',
      'action-item.reminder',
      'plan-summary.notice',
    ]);
    expect((await planOf(planId)).items[0]?.status).toBe('done');
    // Both reminders were queued in the digest when the item opened: its workflow never woke for them.
    const entered = (itemExecution(planId)?.history ?? [])
      .filter((h) => h.type.endsWith('StateEntered'))
      .map((h) => h.stateName);
    expect(entered).not.toContain('Check on the item');
    expect(entered).toContain('Count the item off its plan');
  });

  it('blocked: the manager is asked at the next send slot, escalation pauses, and unblocking asks the owner again', async () => {
    const planId = await newPlan('ic-c', 5);
    await runUntil(async () => (await kindsFor('ic-c')).length === 1);
    const blockedAt = Date.now();
    expect(
      await click('ic-c', 'action-item.request', 'blocked', { reason: 'No senior free this month' }),
    ).toBe(200);
    await runUntil(async () => (await kindsFor('mgr', 'Ic C')).includes('item-decision.request'));
    const ask = (await inboxOf('mgr')).find((e) => emailKind(e) === 'item-decision.request');
    // The next send slot: the following 09:00 in Oslo, not after an escalation delay.
    expect((ask?.at ?? 0) * 1000 - blockedAt).toBeLessThan(DAY);
    expect(ask?.body.text).toContain('No senior free this month');
    expect((await planOf(planId)).items[0]?.status).toBe('blocked');
    expect(await click('mgr', 'item-decision.request', 'unblock', { dueDate: day(14) })).toBe(200);
    await runUntil(async () => (await kindsFor('ic-c')).length === 2);
    expect(await click('ic-c', 'action-item.request', 'done')).toBe(200);
    await runUntil(finished(planId));
    const plan = await planOf(planId);
    expect(plan.items[0]?.history.map((h) => h.what)).toEqual(['added', 'blocked', 'unblocked', 'done']);
    expect(plan.summary).toMatchObject({ done: 1, blocked: 1 });
    // Blocked paused the owner's escalation: the manager was asked to decide, never told it was overdue.
    expect(await kindsFor('mgr', 'Ic C')).not.toContain('action-item.escalation');
  });

  it('a new date within the policy is accepted at once; one beyond it goes to the manager, who decides', async () => {
    const planId = await newPlan('ic-d', 10);
    await runUntil(async () => (await kindsFor('ic-d')).length === 1);
    expect(await click('ic-d', 'action-item.request', 'new-date', { dueDate: day(20) })).toBe(200);
    await runUntil(async () => (await kindsFor('ic-d')).length === 2);
    let item = (await planOf(planId)).items[0];
    expect(item?.status).toBe('open');
    expect(item?.dueAt.slice(0, 10)).toBe(day(20));
    expect(await kindsFor('mgr', 'Ic D')).not.toContain('item-decision.request');
    // 90 days later is beyond the default policy's 30 days from the agreed date: the manager decides.
    expect(await click('ic-d', 'action-item.request', 'new-date', { dueDate: day(90) })).toBe(200);
    await runUntil(async () => (await kindsFor('mgr', 'Ic D')).includes('item-decision.request'));
    expect(await click('mgr', 'item-decision.request', 'new-date', { dueDate: day(45) })).toBe(200);
    await runUntil(async () => (await kindsFor('ic-d')).length === 3);
    item = (await planOf(planId)).items[0];
    expect(item?.dueAt.slice(0, 10)).toBe(day(45));
    expect(item?.history.map((h) => h.what)).toEqual([
      'added',
      'new date',
      'new date asked',
      'new date agreed',
    ]);
    expect(await click('ic-d', 'action-item.request', 'done')).toBe(200);
    await runUntil(finished(planId));
  });

  it('overdue: escalated to the manager, the skip-level and HR at the policy’s delays, then missed', async () => {
    const planId = await newPlan('ic-e', 3);
    const due = Date.now() + 3 * DAY;
    await runUntil(finished(planId));
    const escalations = (await fetchInboxItems(stack.urls.inbox)).filter(
      (e) => emailKind(e) === 'action-item.escalation' && e.subject.includes('Ic E'),
    );
    expect(escalations.map((e) => e.destination.to[0])).toEqual([
      'mgr@example.com',
      'ceo@example.com',
      'hr@example.com',
    ]);
    // The default policy: the manager 2 days after the due date, the skip-level 9, HR 16 (send days).
    const daysAfter = escalations.map((e) => Math.round((e.at * 1000 - due) / DAY));
    expect(daysAfter[0]).toBeGreaterThanOrEqual(2);
    expect(daysAfter[0]).toBeLessThanOrEqual(4);
    expect(daysAfter[1]).toBeGreaterThanOrEqual(9);
    expect(daysAfter[2]).toBeGreaterThanOrEqual(16);
    const plan = await planOf(planId);
    expect(plan.items[0]?.status).toBe('missed');
    expect(plan.summary).toMatchObject({ missed: 1 });
  });

  it('escalation follows a manager change made while the item waits', async () => {
    const planId = await newPlan('ic-f', 2);
    await runUntil(async () => (await kindsFor('ic-f')).length === 1);
    const moved = people.map((p) => (p.employeeId === 'ic-f' ? { ...p, managerId: 'mgr2' } : p));
    expect((await api('PUT', '/employees', { employees: moved })).status).toBe(200);
    await runUntil(async () =>
      (await fetchInboxItems(stack.urls.inbox)).some(
        (e) => emailKind(e) === 'action-item.escalation' && e.subject.includes('Ic F'),
      ),
    );
    expect(await kindsFor('mgr2', 'Ic F')).toContain('action-item.escalation');
    expect(await kindsFor('mgr', 'Ic F')).not.toContain('action-item.escalation');
    await api('POST', `/plans/${planId}/cancel`, { reason: 'test over' });
    await runUntil(finished(planId));
  });

  it('a due date moved mid-wait: the reminder and escalation follow the new date', async () => {
    const planId = await newPlan('ic-g', 4);
    await runUntil(async () => (await kindsFor('ic-g')).length === 1);
    const newDue = new Date(Date.now() + 30 * DAY).toISOString();
    const { revision } = (await planOf(planId)).items[0] as ItemView;
    const changed = await api('PATCH', `/plans/${planId}/items/i1`, { dueAt: newDue, revision });
    expect(changed.status).toBe(200);
    // A second change made from the same revision finds the item moved on.
    const stale = await api('PATCH', `/plans/${planId}/items/i1`, { title: 'Later words', revision });
    expect(stale.status).toBe(409);
    expect(stale.body.errors).toEqual([
      { field: 'revision', message: 'the item was changed since this revision' },
    ]);
    await runUntil(async () => (await kindsFor('ic-g')).includes('action-item.reminder'));
    const reminder = (await inboxOf('ic-g')).find((e) => emailKind(e) === 'action-item.reminder');
    // No escalation at the old date; the reminder comes a week before the new one.
    expect((reminder?.at ?? 0) * 1000).toBeGreaterThan(Date.parse(newDue) - 8 * DAY);
    expect(await kindsFor('mgr', 'Ic G')).not.toContain('action-item.escalation');
    expect(await click('ic-g', 'action-item.reminder', 'done')).toBe(200);
    await runUntil(finished(planId));
  });

  it('an item removed: nothing more is emailed about it, and a plan with nothing left closes', async () => {
    const planId = await newPlan('ic-h', 3);
    await runUntil(async () => (await kindsFor('ic-h')).length === 1);
    const { revision } = (await planOf(planId)).items[0] as ItemView;
    expect((await api('PATCH', `/plans/${planId}/items/i1`, { drop: true, revision })).status).toBe(200);
    await runUntil(finished(planId));
    expect((await kindsFor('ic-h')).filter((k) => k.startsWith('action-item'))).toEqual([
      'action-item.request',
    ]);
    const plan = await planOf(planId);
    expect(plan.items[0]?.status).toBe('dropped');
    expect(plan.status).toBe('closed');
    // The old link now says the request closed.
    expect(
      await submitForm(await choiceLink('ic-h', 'action-item.request', 'done'), { choice: 'done' }),
    ).toBe(410);
  });

  it('plan cancelled by HR: its open items stop, nobody is emailed again, it keeps its summary', async () => {
    const planId = await newPlan('ic-i', 3);
    await runUntil(async () => (await kindsFor('ic-i')).length === 1);
    const cancelled = await api('POST', `/plans/${planId}/cancel`, { reason: 'Role changed' });
    expect(cancelled.status).toBe(200);
    await runUntil(finished(planId));
    const seen = (await fetchInboxItems(stack.urls.inbox)).length;
    for (let i = 0; i < 30; i++) await stack.advance();
    await stack.settle();
    const after = (await fetchInboxItems(stack.urls.inbox))
      .slice(seen)
      .filter((e) => e.subject.includes('Ic I'));
    expect(after).toEqual([]);
    expect(await kindsFor('ic-i')).toEqual(['action-item.request']);
    const plan = await planOf(planId);
    expect(plan.status).toBe('cancelled');
    expect(plan.summary).toMatchObject({ items: 1, open: 1 });
    // Its item, once past its date, is nobody's to chase.
    const due = Date.parse(plan.items[0]?.dueAt ?? '');
    if (Date.now() <= due) stack.clock?.jumpTo(due + DAY);
    expect((await planOf(planId)).items[0]).toMatchObject({ status: 'open', overdue: false });
    expect((await api('POST', `/plans/${planId}/cancel`, { reason: 'again' })).status).toBe(409);
  });

  it('owner leaves: the plan closes and nobody is emailed about it again', async () => {
    const planId = await newPlan('ic-j', 3);
    await runUntil(async () => (await kindsFor('ic-j')).length === 1);
    const left = people.map((p) => (p.employeeId === 'ic-j' ? { ...p, status: 'left' as const } : p));
    expect((await api('PUT', '/employees', { employees: left })).status).toBe(200);
    await runUntil(finished(planId));
    expect(await kindsFor('ic-j')).toEqual(['action-item.request']);
    expect(
      (await fetchInboxItems(stack.urls.inbox)).filter(
        (e) => emailKind(e) === 'action-item.escalation' && e.subject.includes('Ic J'),
      ),
    ).toEqual([]);
    const plan = await planOf(planId);
    expect(plan.status).toBe('closed');
  });

  it('Lambda service error: the open step is retried by the state machine and the request email goes out once', async () => {
    const humanStep = stack.lambda.functionFor('functions/steps/human-step.ts').logicalId;
    stack.lambda.injectServiceErrors(humanStep, 2);
    const planId = await newPlan('ic-k', 10);
    await runUntil(async () => (await kindsFor('ic-k')).length === 1);
    expect(await click('ic-k', 'action-item.request', 'done')).toBe(200);
    await runUntil(finished(planId));
    // As AWS records a retry: the failed attempt, then the task scheduled again (no second entry).
    const sends = itemExecution(planId)?.history.filter((h) => h.stateName === 'Send the item’s request');
    expect(sends?.filter((h) => h.type === 'LambdaFunctionFailed')).toHaveLength(2);
    expect(sends?.filter((h) => h.type === 'LambdaFunctionScheduled')).toHaveLength(3);
    expect(sends?.filter((h) => h.type === 'TaskStateEntered')).toHaveLength(1);
    await runUntil(summarised('ic-k'));
    expect(await kindsFor('ic-k')).toEqual(['action-item.request', 'plan-summary.notice']);
  });
});

describe('plans through the API', () => {
  it('refuses a mentoring item without a mentor, an unknown policy and an unknown owner, naming the field', async () => {
    const base = {
      ownerId: 'ic-l',
      title: 'Plan',
      items: [{ title: 'x', dueAt: new Date(Date.now() + DAY).toISOString() }],
    };
    const mentoring = await api('POST', '/plans', {
      ...base,
      items: [{ ...base.items[0], kind: 'mentoring' }],
    });
    expect(mentoring.status).toBe(400);
    expect(JSON.stringify(mentoring.body)).toContain('items.0.mentorId');
    const policy = await api('POST', '/plans', { ...base, policyId: 'nope' });
    expect(policy.status).toBe(400);
    expect(JSON.stringify(policy.body)).toContain('policyId');
    const owner = await api('POST', '/plans', { ...base, ownerId: 'nobody' });
    expect(owner.status).toBe(400);
    expect(JSON.stringify(owner.body)).toContain('ownerId');
  });

  it('lists plans by owner and by team, and HR lists the overdue ones', async () => {
    const byOwner = (await api('GET', '/plans?ownerId=ic-a')).body.plans as Array<{ planId: string }>;
    expect(byOwner).toHaveLength(1);
    const team = (await api('GET', '/plans?team=mgr')).body.plans as Array<{ ownerId: string }>;
    expect(new Set(team.map((p) => p.ownerId)).has('ic-a')).toBe(true);
    expect((await api('GET', '/plans')).status).toBe(400);
    expect((await api('GET', '/plans?overdue=true')).status).toBe(200);
  });
});

describe('check-ins and sessions', () => {
  it('check-in answered: asked in the policy’s round, the update goes on the item, the manager reads the team’s updates in one email when the round is due', async () => {
    const planId = await newPlan('ic-m', 60);
    const teammate = await newPlan('ic-r', 60);
    const created = Date.now();
    await runUntil(async () => (await kindsFor('ic-r')).includes('check-in.request'));
    const asked = (id: string) =>
      inboxOf(id).then((mail) => mail.find((e) => emailKind(e) === 'check-in.request')?.at ?? 0);
    const [askedM, askedR] = [await asked('ic-m'), await asked('ic-r')];
    // A round: every four weeks on the policy's days (Mondays), the first at least two weeks after
    // the start; both owners asked the same morning, at their send hour.
    expect(new Date(askedM * 1000).getUTCDay()).toBe(1);
    expect(askedM * 1000 - created).toBeGreaterThanOrEqual(14 * DAY);
    expect(askedM * 1000 - created).toBeLessThan(42 * DAY);
    expect(Math.abs(askedR - askedM)).toBeLessThan(3600);
    expect(
      await submitForm(await linkOf('ic-m', 'check-in.request'), { 'item-i1': 'Halfway: one review led' }),
    ).toBe(200);
    expect(
      await submitForm(await linkOf('ic-r', 'check-in.request'), { 'item-i1': 'Booked the review' }),
    ).toBe(200);
    await runUntil(async () => (await kindsFor('mgr', 'Check-in from Ic M')).length > 0);
    const notice = (await inboxOf('mgr')).find((e) => e.subject.includes('Check-in from Ic M'));
    expect(emailKind(notice as CapturedEmail)).toBe('check-in.notice');
    expect(notice?.body.text).toContain('Halfway: one review led');
    // One email carries both updates, sent once the round's five days to answer are over.
    const emails = (await fetchInbox(stack.urls.inbox)).filter(
      (e) => e.destination.to.includes('mgr@example.com') && e.body.text?.includes('Check-in from'),
    );
    expect(emails).toHaveLength(1);
    expect(emails[0]?.body.text).toContain('Check-in from Ic R');
    expect((emails[0]?.at ?? 0) - askedM).toBeGreaterThanOrEqual(4 * 86_400);
    const item = (await planOf(planId)).items[0] as ItemView & {
      history: Array<{ what: string; note?: string }>;
    };
    expect(item.history.at(-1)).toMatchObject({ what: 'check-in', note: 'Halfway: one review led' });
    for (const id of [planId, teammate]) {
      await api('POST', `/plans/${id}/cancel`, { reason: 'test over' });
      await runUntil(finished(id));
    }
  });

  it('check-in missed: reminded once, then closed, and the next one comes at the cadence', async () => {
    const planId = await newPlan('ic-n', 80);
    await runUntil(async () => (await kindsFor('ic-n')).filter((k) => k === 'check-in.request').length === 2);
    expect((await kindsFor('ic-n')).filter((k) => k === 'check-in.reminder')).toHaveLength(1);
    expect(await kindsFor('mgr', 'Check-in from Ic N')).toEqual([]);
    await api('POST', `/plans/${planId}/cancel`, { reason: 'test over' });
    await runUntil(finished(planId));
    // The cancelled plan's open check-in closed with it: its link says so.
    expect(await submitForm(await linkOf('ic-n', 'check-in.request'), { note: 'late' })).toBe(410);
  });

  it('a mentoring session confirmed: the mentor is asked at the item’s cadence and their note goes on the plan', async () => {
    const planId = await newPlan('ic-o', 60, {
      items: [
        {
          kind: 'mentoring',
          title: 'Monthly mentoring on system design',
          dueAt: new Date(Date.now() + 60 * DAY).toISOString(),
          mentorId: 'men-1',
          sessionEveryDays: 14,
        },
      ],
    });
    await runUntil(async () => (await kindsFor('men-1')).includes('session.request'));
    expect((await inboxOf('men-1')).find((e) => emailKind(e) === 'session.request')?.subject).toContain(
      'Ic O',
    );
    expect(
      await submitForm(await linkOf('men-1', 'session.request'), {
        held: 'yes',
        note: 'We sketched the cache design',
      }),
    ).toBe(200);
    const item = (await planOf(planId)).items[0] as ItemView & {
      sessionsHeld: number;
      history: Array<{ what: string; note?: string; by: string }>;
    };
    expect(item.sessionsHeld).toBe(1);
    expect(item.history.at(-1)).toMatchObject({
      what: 'session held',
      note: 'We sketched the cache design',
      by: 'men-1',
    });
    // The mentor reads the items they mentor, and nothing else of the plan.
    const mentor = await hrApi(stack)('GET', '/plans?mentorId=men-1');
    expect(mentor.status).toBe(200);
    await api('POST', `/plans/${planId}/cancel`, { reason: 'test over' });
    await runUntil(finished(planId));
  });

  it('a bounced mentor re-routed: HR is told, passes the question to another mentor, who then mentors the item', async () => {
    const planId = await newPlan('ic-p', 60, {
      items: [
        {
          kind: 'mentoring',
          title: 'Mentoring on public speaking',
          dueAt: new Date(Date.now() + 60 * DAY).toISOString(),
          mentorId: 'men-2',
        },
      ],
    });
    const told = async () =>
      (await fetchInboxItems(stack.urls.inbox)).filter((e) => emailKind(e) === 'session.bounce');
    await runUntil(async () => (await told()).length > 0);
    const requestId = /request (\S+) to reviewer men-2/.exec((await told())[0]?.body.text ?? '')?.[1] ?? '';
    const passed = await api('POST', `/requests/${requestId}/reassign`, {
      recipientId: 'men-1',
      reason: 'address bounces',
    });
    expect(passed.status).toBe(200);
    await runUntil(async () =>
      (await inboxOf('men-1')).some((e) => emailKind(e) === 'session.request' && e.subject.includes('Ic P')),
    );
    expect((await planOf(planId)).items[0]).toMatchObject({ mentorId: 'men-1' });
    await api('POST', `/plans/${planId}/cancel`, { reason: 'test over' });
    await runUntil(finished(planId));
  });

  it('a year of check-ins keeps the plan’s execution history small', async () => {
    const planId = await newPlan('ic-q', 400);
    await runUntil(async () => (await kindsFor('ic-q')).filter((k) => k === 'check-in.request').length >= 13);
    const events = planExecution(planId)?.history.length ?? Number.POSITIVE_INFINITY;
    expect(events).toBeLessThan(5000);
    await api('POST', `/plans/${planId}/cancel`, { reason: 'test over' });
    await runUntil(finished(planId));
  });
});

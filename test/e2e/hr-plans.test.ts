import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Io, run } from '../../cli/growcycle';
import { createPlan, type NewItem } from '../../domain/plans/plans';
import { type CapturedEmail, emailKind, fetchInboxItems, submitForm } from '../../local/people';
import { team } from '../support/fixtures';
import { type ApiCall, hrApi, runUntil, startTestStack, type TestStack } from '../support/local-stack';

/*
 * HR's view of development plans end to end, through the local stack: the growcycle plan commands,
 * and the plans a cycle's reviews led to in the cycle's status and export.
 */

const START = new Date('2027-03-01T07:00:00Z'); // a Monday, before Oslo's 09:00 send hour
const DAY = 86_400_000;

let stack: TestStack;
let cycleId: string;
/** Pål's plan from the cycle: one item overdue, the mentored one done. */
let palPlan: string;
/** Petra's plan from the cycle, cancelled by HR. */
let petraPlan: string;
/** Per's plan, set by hand: not the cycle's. */
let perPlan: string;

const people = team({ timeZone: 'Europe/Oslo' }, [
  { employeeId: 'lead', name: 'Lise Lead', title: 'Team Lead', level: 2 },
  { employeeId: 'p1', name: 'Pål One', managerId: 'lead' },
  { employeeId: 'p2', name: 'Petra Two', managerId: 'lead' },
  { employeeId: 'p3', name: 'Per Three', managerId: 'lead' },
]);

const api: ApiCall = (...args) => hrApi(stack)(...args);

const cli = async (args: string[], token = stack.devToken('hr-test', { hr: true })) => {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), isTty: false };
  const code = await run([...args, '--api', stack.urls.api, '--token', token], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
};

const dueIn = (days: number) => new Date(Date.now() + days * DAY);

/** A plan drafted from the employee's review in the cycle, as the review's drafting step starts one. */
const fromCycle = async (ownerId: string, items: NewItem[]): Promise<string> => {
  const created = await createPlan(
    { ownerId, title: `Grow ${ownerId}`, origin: 'review', cycleId, items },
    'hr-test',
    undefined,
  );
  if (created.outcome !== 'created') throw new Error(`plan for ${ownerId}: ${created.outcome}`);
  return created.plan.planId;
};

/** The item email to a person whose paragraph names the action. */
const itemEmail = async (address: string, title: string): Promise<CapturedEmail | undefined> =>
  (await fetchInboxItems(stack.urls.inbox)).find(
    (e) =>
      e.destination.to.includes(address) &&
      emailKind(e) === 'action-item.request' &&
      (e.body.text ?? '').includes(title),
  );

beforeAll(async () => {
  stack = await startTestStack(START);
  expect((await api('PUT', '/employees', { employees: people })).status).toBe(200);
  const cycle = await api('POST', '/cycles', {
    name: 'Spring reviews',
    startAt: START.toISOString(),
    participants: ['p1', 'p2', 'p3'],
  });
  expect(cycle.status).toBe(201);
  cycleId = String(cycle.body.cycleId);
  const reviews = async () =>
    ((await api('GET', `/cycles/${cycleId}`)).body.reviews as { participants: number }).participants;
  await runUntil(stack, async () => (await reviews()) === 3);

  palPlan = await fromCycle('p1', [
    { kind: 'practice', title: 'Run a design review', dueAt: dueIn(2) },
    { kind: 'mentoring', title: 'Pair with Per on the release', mentorId: 'p3', dueAt: dueIn(20) },
  ]);
  petraPlan = await fromCycle('p2', [{ kind: 'training', title: 'Finish the course', dueAt: dueIn(10) }]);
  const byHand = await api('POST', '/plans', {
    ownerId: 'p3',
    title: 'Grow p3 by hand',
    items: [{ title: 'Not from the cycle', dueAt: dueIn(10).toISOString() }],
  });
  expect(byHand.status).toBe(201);
  perPlan = String(byHand.body.planId);
  await stack.settle();
  expect((await api('POST', `/plans/${petraPlan}/cancel`, { reason: 'Moved teams' })).status).toBe(200);

  // Pål does the mentored item when asked, and lets the other one run past its date.
  const overdueFrom = Date.parse(
    ((await api('GET', `/plans/${palPlan}`)).body.plan as { items: Array<{ dueAt: string }> }).items[0]
      ?.dueAt ?? '',
  );
  await runUntil(stack, async () => (await itemEmail('p1@example.com', 'Pair with Per')) !== undefined);
  const mentored = /https?:\/\/\S+choice=done/.exec(
    (await itemEmail('p1@example.com', 'Pair with Per'))?.body.text ?? '',
  )?.[0];
  expect(await submitForm(mentored ?? '', { choice: 'done' })).toBe(200);
  await runUntil(stack, () => Date.now() > overdueFrom + 3_600_000);
});

afterAll(async () => {
  await stack?.dispose();
});

describe('growcycle plan', () => {
  it('show prints the plan and one line per item: kind, title, due date, status and the overdue flag', async () => {
    const result = await cli(['plan', 'show', palPlan]);
    expect(result.code).toBe(0);
    expect(result.out).toContain(`Grow p1 · active · owner p1 · policy development · from cycle ${cycleId}`);
    expect(result.out).toContain('1/2 done · 1 overdue');
    expect(result.out).toMatch(/^item\s+kind\s+title\s+due \(UTC\)\s+status\s+overdue$/m);
    expect(result.out).toMatch(
      /^i1\s+practice\s+Run a design review\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+open\s+yes$/m,
    );
    expect(result.out).toMatch(
      /^i2\s+mentoring\s+Pair with Per on the release\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+done$/m,
    );
  });

  it('show --json prints the API’s answer as it is', async () => {
    const result = await cli(['plan', 'show', palPlan, '--json']);
    expect(result.code).toBe(0);
    const { plan } = JSON.parse(result.out) as { plan: Record<string, unknown> };
    expect(plan).toMatchObject({ planId: palPlan, ownerId: 'p1', cycleId, overdueItems: 1 });
    expect((await api('GET', `/plans/${palPlan}`)).body).toEqual({ plan, failures: [] });
  });

  it('list --owner and --team print one line per plan: owner, title, status, done of all and overdue', async () => {
    const owner = await cli(['plan', 'list', '--owner', 'p1']);
    expect(owner.code).toBe(0);
    expect(owner.out.split('\n')).toHaveLength(3);
    expect(owner.out).toMatch(new RegExp(`^${palPlan}\\s+p1\\s+Grow p1\\s+active\\s+1/2\\s+1$`, 'm'));
    const teamList = await cli(['plan', 'list', '--team', 'lead']);
    expect(teamList.code).toBe(0);
    expect(teamList.out).toMatch(new RegExp(`^${petraPlan}\\s+p2\\s+Grow p2\\s+cancelled\\s+0/1\\s+0$`, 'm'));
    expect(teamList.out).toMatch(
      new RegExp(`^${perPlan}\\s+p3\\s+Grow p3 by hand\\s+\\w+\\s+0/1\\s+0$`, 'm'),
    );
    expect(teamList.out.split('\n')).toHaveLength(5);
  });

  it('list --overdue prints only the active plans with an overdue item', async () => {
    const result = await cli(['plan', 'list', '--overdue']);
    expect(result.code).toBe(0);
    expect(result.out.split('\n').slice(2)).toEqual([expect.stringMatching(new RegExp(`^${palPlan}\\s+p1`))]);
    const json = await cli(['plan', 'list', '--overdue', '--json']);
    expect((JSON.parse(json.out) as { plans: Array<{ planId: string }> }).plans.map((p) => p.planId)).toEqual(
      [palPlan],
    );
  });

  it('list --mentor prints the items the mentor mentors, with their plan and owner', async () => {
    const result = await cli(['plan', 'list', '--mentor', 'p3']);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(
      new RegExp(`^${palPlan}\\s+i2\\s+p1\\s+Pair with Per on the release\\s+\\S+ \\S+\\s+done$`, 'm'),
    );
    expect((await cli(['plan', 'list', '--mentor', 'p2'])).out).toBe('p2 mentors no plan item');
  });

  it('cancel stops a plan and says so; cancelling it again fails with the API’s reason', async () => {
    const result = await cli(['plan', 'cancel', perPlan, '--reason', 'Role changed']);
    expect(result.code).toBe(0);
    expect(result.out).toBe(
      `cancelled plan ${perPlan}; its follow-up stops and no email goes out about it after`,
    );
    expect((await api('GET', `/plans/${perPlan}`)).body.plan).toMatchObject({
      status: 'cancelled',
      endReason: 'Role changed',
    });
    const again = await cli(['plan', 'cancel', perPlan, '--reason', 'Twice']);
    expect(again.code).toBe(1);
    expect(again.err).toBe('growcycle: the API answered 409: the plan is no longer active');
  });

  it('exits 1 with the API’s reason when the plan is unknown or the caller may not act', async () => {
    const unknown = await cli(['plan', 'show', 'no-such-plan']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toBe('growcycle: the API answered 404: planId: no plan no-such-plan');
    const manager = await cli(['plan', 'cancel', palPlan, '--reason', 'Mine'], stack.devToken('lead'));
    expect(manager.code).toBe(1);
    expect(manager.err).toBe('growcycle: the API answered 403: Only HR admins may do this');
    expect((await api('GET', `/plans/${palPlan}`)).body.plan).toMatchObject({ status: 'active' });
  });
});

describe('a cycle’s development plans for HR', () => {
  it('the cycle’s status counts the plans from its reviews, not the plans set by hand', async () => {
    const { status, body } = await api('GET', `/cycles/${cycleId}`);
    expect(status).toBe(200);
    expect(body.plans).toEqual({
      total: 2,
      draft: 0,
      active: 1,
      closed: 0,
      cancelled: 1,
      items: { total: 3, done: 1, open: 2, blocked: 0, overdue: 1, missed: 0, dropped: 0 },
    });
  });

  it('growcycle status prints the plans line', async () => {
    const result = await cli(['status', cycleId]);
    expect(result.code).toBe(0);
    expect(result.out).toContain(
      'development plans from these reviews: 2 · 0 draft · 1 active · 0 closed · 1 cancelled · items 1 of 3 done · 2 open · 0 blocked · 1 overdue · 0 missed · 0 dropped',
    );
  });

  it('the export gives each participant’s plan status, items, done and overdue, empty without one', async () => {
    const result = await cli(['export', cycleId]);
    expect(result.code).toBe(0);
    const [header, ...rows] = result.out.split('\r\n');
    expect(header?.split(',').slice(-4)).toEqual(['plan_status', 'plan_items', 'plan_done', 'plan_overdue']);
    const plansOf = (id: string) =>
      rows
        .find((r) => r.startsWith(`${id},`))
        ?.split(',')
        .slice(-4);
    expect(plansOf('p1')).toEqual(['active', '2', '1', '1']);
    expect(plansOf('p2')).toEqual(['cancelled', '1', '0', '0']);
    expect(plansOf('p3')).toEqual(['', '', '', '']);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRequestEmail } from '../../domain/human-steps/emails';
import { db } from '../../domain/platform/table';
import { stepKinds } from '../../functions/shared/step-kinds';
import { type CapturedEmail, emailKind, fetchInbox, itemsIn, linkIn, readForm } from '../../local/people';
import { type CatalogDoc, sampleCatalog, withoutGoalSetting } from '../support/catalog';
import { team } from '../support/fixtures';
import { type ApiCall, hrApi, runUntil, startTestStack, type TestStack } from '../support/local-stack';

/*
 * Digests (domain/mail/digest.ts) on the synthesized state machines with the simulated clock: in a cycle
 * with a send window, everything one person is owed at their point in the send hour goes out as one
 * email. Mona manages Rita, Ravi and Rosa and nominates their peers (the catalog's template); Bo's
 * address bounces (the SES mailbox simulator) and he manages Bea and Ben.
 */

const START = new Date('2027-03-01T06:00:00Z'); // Monday, before the 09:00 UTC send hour
const BOUNCER = 'bounce+bo@simulator.amazonses.com';

const people = team({ title: 'Staff' }, [
  { employeeId: 'ceo', name: 'Chief Exec' },
  { employeeId: 'mona', name: 'Mona Manager', managerId: 'ceo' },
  { employeeId: 'rita', name: 'Rita Report', managerId: 'mona' },
  { employeeId: 'ravi', name: 'Ravi Report', managerId: 'mona' },
  { employeeId: 'rosa', name: 'Rosa Report', managerId: 'mona' },
  { employeeId: 'bo', name: 'Bo Bouncing', managerId: 'ceo', email: BOUNCER },
  { employeeId: 'bea', name: 'Bea Report', managerId: 'bo' },
  { employeeId: 'ben', name: 'Ben Report', managerId: 'bo' },
  { employeeId: 'max', name: 'Max Manager', managerId: 'ceo' },
  { employeeId: 'mia', name: 'Mia Report', managerId: 'max' },
  { employeeId: 'mik', name: 'Mik Report', managerId: 'max' },
]);

let stack: TestStack;
let api: ApiCall;

const inboxOf = async (address: string): Promise<CapturedEmail[]> =>
  (await fetchInbox(stack.urls.inbox)).filter((e) => e.destination.to[0] === address);

/** The digest items still waiting, from the send times the scheduler holds. */
const itemsWaiting = async () => {
  const sendTimes = stack.scheduler
    .list()
    .filter((s) => s.name.startsWith('digest-'))
    .map((s) => (JSON.parse(s.target.Input) as { sendAt: string }).sendAt);
  const found = await Promise.all(
    sendTimes.map(async (sendAt) => (await db().digestItem.query.bySendTime({ sendAt }).go()).data),
  );
  // Delivered items are kept until they expire, as the proof they were queued.
  return found.flat().filter((l) => !l.deliveredAt);
};

const nominate = async (link: string, peers: string[]) => {
  const form = readForm(await (await fetch(link)).text());
  const res = await fetch(new URL(form?.action ?? '', link), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(peers.map((p): [string, string] => ['peer', p])).toString(),
  });
  return res.status;
};

let digest: CapturedEmail;

beforeAll(async () => {
  stack = await startTestStack(START);
  api = hrApi(stack);
  const [framework, template] = sampleCatalog() as [CatalogDoc, CatalogDoc];
  expect((await api('PUT', '/frameworks/company-2027', framework)).status).toBe(200);
  // Without goal setting, the cycle opens with the nominations this file is about.
  expect((await api('PUT', '/templates/annual-review', withoutGoalSetting(template))).status).toBe(200);
  expect((await api('PUT', '/employees', { employees: people })).status).toBe(200);
  const cycle = await api('POST', '/cycles', {
    name: 'Spring review',
    templateId: 'annual-review',
    participants: ['rita', 'ravi', 'rosa', 'bea', 'ben'],
    startAt: START.toISOString(),
  });
  expect(cycle.status).toBe(201);
  await runUntil(stack, async () => (await inboxOf('mona@example.com')).length > 0);
  [digest] = (await inboxOf('mona@example.com')) as [CapturedEmail];
}, 120_000);

afterAll(async () => {
  await stack?.dispose();
});

describe('digests: one email per person per send time', () => {
  it('sends Mona one email for her three reports’ nominations, each with its own link, in her send hour', async () => {
    expect(await inboxOf('mona@example.com')).toHaveLength(1);
    expect(emailKind(digest)).toBe('digest');
    const items = itemsIn(digest);
    expect(items.map((i) => i.kind)).toEqual(Array(3).fill('peer-nomination.request'));
    expect(items.map((i) => i.title).sort()).toEqual([
      'Choose peer reviewers for Ravi Report',
      'Choose peer reviewers for Rita Report',
      'Choose peer reviewers for Rosa Report',
    ]);
    expect(new Set(items.map((i) => i.link?.split('?')[0])).size).toBe(3);
    expect(new Date(digest.at * 1000).getUTCHours()).toBe(9);
    // One thing to tell, one plain email: the reports' own self-assessments come alone.
    expect((await inboxOf('rita@example.com')).map(emailKind)).toEqual(['self-assessment.request']);
  });

  it('sends nothing again when the delivery runs a second time for a send time it delivered', async () => {
    const before = (await fetchInbox(stack.urls.inbox)).length;
    const delivery = stack.lambda.functionFor('functions/steps/deliver-digests.ts').logicalId;
    const sendAt = new Date(Math.floor((digest.at * 1000) / 300_000) * 300_000).toISOString();
    await stack.lambda.invoke(delivery, { sendAt });
    await stack.settle();
    expect((await fetchInbox(stack.urls.inbox)).length).toBe(before);
  });

  it('queues nothing twice when a request’s opening is retried after its invitation went out', async () => {
    const before = (await fetchInbox(stack.urls.inbox)).length;
    const requestId = new URL(itemsIn(digest)[0]?.link as string).pathname.split('/').pop() as string;
    const humanStep = stack.lambda.functionFor('functions/steps/human-step.ts').logicalId;
    await stack.lambda.invoke(humanStep, { action: 'open', requestId });
    await stack.settle();

    expect((await itemsWaiting()).filter((l) => l.requestId === requestId)).toEqual([]);
    expect((await fetchInbox(stack.urls.inbox)).length).toBe(before);
  });

  it('never mentions a request answered after its reminder was queued and before it was delivered', async () => {
    const linkFor = (name: string) => itemsIn(digest).find((i) => i.title.includes(name))?.link as string;
    expect(await nominate(linkFor('Rita'), ['ravi', 'rosa'])).toBe(200);
    expect(await nominate(linkFor('Ravi'), ['rita', 'rosa'])).toBe(200);
    // Rosa's nomination waits until its reminder is queued for Mona; then Mona answers it.
    await runUntil(stack, async () =>
      (await itemsWaiting()).some((l) => l.recipientId === 'mona' && l.purpose === 'reminder'),
    );
    expect(await nominate(linkFor('Rosa'), ['rita', 'ravi'])).toBe(200);
    await runUntil(stack, async () => (await itemsWaiting()).length === 0);
    const toMona = (await inboxOf('mona@example.com')).flatMap(itemsIn).map((i) => i.kind);
    expect(toMona).toEqual(Array(3).fill('peer-nomination.request'));
  });

  it('flags every request a bounced digest carried, and tells HR of each', async () => {
    await runUntil(stack, async () => {
      const reqs = await db()
        .request.query.byCycle({ cycleId: await cycleIdOf('Spring review') })
        .go();
      return reqs.data.filter((r) => r.recipientId === 'bo' && r.bounced).length === 2;
    });
    const bounced = await inboxOf(BOUNCER);
    expect(bounced).toHaveLength(1);
    expect(itemsIn(bounced[0] as CapturedEmail).map((i) => i.kind)).toEqual(
      Array(2).fill('peer-nomination.request'),
    );
    const toHr = (await inboxOf('hr@example.com')).map(emailKind);
    expect(toHr.filter((k) => k === 'peer-nomination.bounce')).toHaveLength(2);
  });

  it('delivers a send time whose schedule was lost at the next daily sweep, and sends nothing twice', async () => {
    // The next send time waiting loses its schedule: nothing else would ever deliver it.
    const waiting = () =>
      stack.scheduler
        .list()
        .filter((s) => s.name.startsWith('digest-') && s.state === 'ENABLED')
        .sort((a, b) => a.fireAt - b.fireAt);
    await runUntil(stack, () => waiting().length > 0);
    const [lost] = waiting();
    if (!lost) throw new Error('no send time waiting');
    const { sendAt } = JSON.parse(lost.target.Input) as { sendAt: string };
    const queued = (await db().digestItem.query.bySendTime({ sendAt }).go()).data;
    expect(queued.length).toBeGreaterThan(0);
    stack.scheduler.delete(lost.name, lost.groupName);
    const run = async () => (await db().digestRun.get({ sendAt }).go({ consistent: true })).data;
    await runUntil(stack, async () => (await run())?.deliveredAt !== undefined);
    // Not at its own send time: at the sweep, 04:30 UTC, the first one at least 20 minutes after it.
    const deliveredAt = new Date((await run())?.deliveredAt ?? '');
    expect([deliveredAt.getUTCHours(), deliveredAt.getUTCMinutes()]).toEqual([4, 30]);
    expect(deliveredAt.getTime() - Date.parse(sendAt)).toBeLessThan(25 * 3_600_000);
    const items = (await db().digestItem.query.bySendTime({ sendAt }).go()).data;
    expect(items.every((i) => i.deliveredAt !== undefined)).toBe(true);
    // The sweep again, and the lost schedule's own delivery had it come late: nothing more is sent.
    const before = (await fetchInbox(stack.urls.inbox)).length;
    const delivery = stack.lambda.functionFor('functions/steps/deliver-digests.ts').logicalId;
    await stack.lambda.invoke(delivery, { sweepHours: 25 });
    await stack.lambda.invoke(delivery, { sendAt });
    await stack.settle();
    expect((await fetchInbox(stack.urls.inbox)).length).toBe(before);
  });

  it('delivers nothing queued before HR cancels the cycle, escalations included', async () => {
    // Bo never answers (his address bounces): his reports' nominations escalate to the CEO.
    await runUntil(stack, async () =>
      (await itemsWaiting()).some((l) => l.recipientId === 'ceo' && l.purpose === 'escalation'),
    );
    const waiting = await itemsWaiting();
    expect(waiting.length).toBeGreaterThan(0);
    const before = (await fetchInbox(stack.urls.inbox)).length;
    const cycleId = await cycleIdOf('Spring review');
    expect((await api('POST', `/cycles/${cycleId}/cancel`, { reason: 'Reorganisation' })).status).toBe(200);
    await runUntil(stack, async () => (await itemsWaiting()).length === 0);
    expect((await fetchInbox(stack.urls.inbox)).length).toBe(before);
  });

  it('sends an invitation whose own email was started meanwhile under that email alone, never in a digest too', async () => {
    const cycle = await api('POST', '/cycles', {
      name: 'Autumn review',
      templateId: 'annual-review',
      participants: ['mia', 'mik'],
      startAt: new Date(Date.now()).toISOString(),
    });
    expect(cycle.status).toBe(201);
    const queuedForMax = async () =>
      (await itemsWaiting()).filter((l) => l.recipientId === 'max' && l.purpose === 'request');
    await runUntil(stack, async () => (await queuedForMax()).length === 2);
    // One of Max's two invitations goes out on its own first, as a reassignment's repeat sends it.
    const [early] = await queuedForMax();
    const req = (
      await db()
        .request.get({ requestId: early?.requestId ?? '' })
        .go({ consistent: true })
    ).data;
    if (!req) throw new Error('no queued request');
    await sendRequestEmail(stepKinds, req, undefined);

    await runUntil(stack, async () => (await queuedForMax()).length === 0);
    const toMax = await inboxOf('max@example.com');
    const links = toMax.flatMap((e) =>
      emailKind(e) === 'digest' ? itemsIn(e).map((i) => i.link) : [linkIn(e)],
    );
    expect(links).toHaveLength(2);
    expect(new Set(links.map((l) => l?.split('?')[0])).size).toBe(2);
  });
});

const cycleIdOf = async (name: string): Promise<string> => {
  const execution = stack.sfn.list().find((e) => e.input.includes('"cycleId"'));
  const id = execution ? (JSON.parse(execution.input) as { cycleId: string }).cycleId : '';
  const found = (await db().cycle.get({ cycleId: id }).go()).data;
  if (found?.name !== name) throw new Error(`no cycle named ${name}`);
  return id;
};

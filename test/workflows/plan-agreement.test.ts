import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogPath, type Io, run } from '../../cli/growcycle';
import { agreementRequestId } from '../../domain/plans/agreement';
import { reviewPlanId } from '../../domain/plans/from-review';
import { releaseReview } from '../../domain/reviews/release';
import {
  answer,
  type CapturedEmail,
  emailKind,
  fetchInbox,
  fetchInboxItems,
  linkIn,
  pageValues,
  submitForm,
} from '../../local/people';
import type { Execution } from '../../local/step-functions';
import { openSignedIn } from '../support/app-browser';
import { sampleCatalog, withoutGoalSetting } from '../support/catalog';
import { monasTeam, OSLO_STAFF } from '../support/fixtures';
import { type ApiCall, hrApi, runUntil, startTestStack, type TestStack } from '../support/local-stack';

/*
 * A development plan drafted from the evidence and agreed by both, on the synthesized workflows with
 * the simulated clock. A real cycle runs to its results: the sample template without goal setting,
 * calibration or the meeting, everyone answering when asked, Mona appraising Ola below his role's
 * expectations on craft and coaching, Kari at them (Kari aims for a management role), Per above.
 * Ola's results are released by his manager, the rest by HR for the whole cycle; each release drafts
 * the plan. Dag's review runs beside them in a cycle of his own, left unreleased for HR to draft his
 * plan with `growcycle plan draft`. Then, one scenario each: both agree and the plan starts; one
 * edits and the other agrees again; a form of an older version is refused; agreed days after the
 * draft, its proposed dates move by those days; the owner's manager changes before agreement;
 * nobody agrees and the draft is cancelled, HR told.
 */

const START = new Date('2027-03-01T08:00:00Z'); // Monday
const DAY = 86_400_000;
const OLA_NEEDS = 'Lead a design review from start to finish';

const people = monasTeam(OSLO_STAFF, [
  { employeeId: 'ola', name: 'Ola Oslo' },
  { employeeId: 'kari', name: 'Kari Oslo' },
  { employeeId: 'per', name: 'Per Peer' },
  { employeeId: 'ic-a', name: 'Ada Promoted' },
  { employeeId: 'ic-b', name: 'Bo Improving' },
  { employeeId: 'ic-c', name: 'Cai Changing' },
  { employeeId: 'dag', name: 'Dag Dahl' },
  { employeeId: 'mgr2', name: 'Nils New', managerId: 'ceo' },
]);

let stack: TestStack;
let hr: ApiCall;
let cycleId = '';
/** Dag's cycle: his results are not released until the CLI's scenario. */
let dagCycleId = '';
/** What the manager's release of Ola's results answered, and Kari's draft asked before hers. */
let olaRelease: { status: number; body: Record<string, unknown> } | undefined;
let kariEarly: { status: number; body: Record<string, unknown> } | undefined;

/** The manager's appraisal, by whom it appraises: ratings of ownership, candour, craft, coaching. */
const APPRAISALS: Record<string, Record<string, string>> = {
  Ola: { ownership: '3', candour: '3', craft: '2', coaching: '1' },
  Kari: { ownership: '3', candour: '3', craft: '3', coaching: '2' },
};

const appraise = async (link: string, who: string) => {
  const ratings = APPRAISALS[who] ?? {};
  return submitForm(link, {
    ...Object.fromEntries(Object.entries(ratings).map(([id, r]) => [`rating.${id}`, r])),
    'text.growth': 'Take on more design work',
    summary: 'A solid cycle',
    developmentNeeds: who === 'Ola' ? OLA_NEEDS : 'Share work earlier to get feedback sooner',
  });
};

const reviewStatus = async (id: string, cycle = cycleId) =>
  ((await hr('GET', `/cycles/${cycle}/reviews/${id}`)).body.review as { status: string } | undefined)?.status;

beforeAll(async () => {
  stack = await startTestStack(new Date(START.getTime() - DAY));
  hr = hrApi(stack);
  expect((await hr('PUT', '/employees', { employees: people })).status).toBe(200);
  for (const doc of sampleCatalog()) {
    const {
      calibration: _c,
      reviewMeeting: _m,
      ...phases
    } = (withoutGoalSetting(doc).phases ?? {}) as Record<string, unknown>;
    const trimmed = doc.kind === 'template' ? { ...doc, phases } : doc;
    expect((await hr('PUT', catalogPath(doc.kind, doc.id), trimmed)).status).toBe(200);
  }
  // Kari aims for a management role: her draft measures her against it too.
  expect((await hr('PUT', '/employees/kari/aspiration', { track: 'management', level: 3 })).status).toBe(200);
  const scheduled = await hr('POST', '/cycles', {
    name: 'Spring review',
    templateId: 'annual-review',
    startAt: START.toISOString(),
    participants: ['ola', 'kari', 'per'],
  });
  expect(scheduled.status).toBe(201);
  cycleId = String(scheduled.body.cycleId);
  const dags = await hr('POST', '/cycles', {
    name: 'Dag’s review',
    templateId: 'annual-review',
    startAt: START.toISOString(),
    participants: ['dag'],
  });
  expect(dags.status).toBe(201);
  dagCycleId = String(dags.body.cycleId);

  const handled = new Set<string>();
  await runUntil(
    stack,
    async () => {
      for (const id of ['ola', 'kari', 'per']) if ((await reviewStatus(id)) !== 'completed') return false;
      return (await reviewStatus('dag', dagCycleId)) === 'completed';
    },
    async () => {
      for (const email of await fetchInboxItems(stack.urls.inbox)) {
        if (handled.has(email.messageId)) continue;
        handled.add(email.messageId);
        const kind = emailKind(email);
        const link = linkIn(email);
        if (!link || !kind.endsWith('.request') || kind.startsWith('plan-agreement')) continue;
        const appraised = Object.keys(APPRAISALS).find((who) => email.subject.includes(who));
        if (kind === 'manager-appraisal.request' && appraised)
          expect(await appraise(link, appraised)).toBe(200);
        else expect(await answer(link, handled.size)).toBe(200);
      }
    },
  );
  // Ola's manager releases his results; Kari's plan cannot be drafted before hers are; then HR
  // releases the rest of the cycle.
  olaRelease = await (async () => {
    const res = await fetch(`${stack.urls.api}/cycles/${cycleId}/reviews/ola/release`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.devToken('mgr')}` },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  })();
  kariEarly = await hr('POST', '/plans/draft', { cycleId, employeeId: 'kari' });
  expect((await hr('POST', `/cycles/${cycleId}/release`)).status).toBe(200);
}, 300_000);

afterAll(async () => {
  await stack?.dispose();
});

type DraftItem = {
  key: string;
  kind: string;
  title: string;
  dueAt: string;
  competencyId?: string;
  mentorId?: string;
  source?: string;
};
type PlanBody = {
  planId: string;
  status: string;
  createdAt: string;
  origin: string;
  cycleId?: string;
  policyId: string;
  endReason?: string;
  nextCheckInAt?: string;
  revision?: number;
  ownerAgreed?: number;
  managerAgreed?: number;
  draft?: { items: DraftItem[]; managerId: string };
  agreedAt?: string;
  items: Array<{ itemId: string; title: string; status: string; dueAt: string; mentorId?: string }>;
};
const planOf = async (planId: string) => (await hr('GET', `/plans/${planId}`)).body.plan as PlanBody;

const items = async (id: string, kind: string, about?: string): Promise<CapturedEmail[]> =>
  (await fetchInboxItems(stack.urls.inbox)).filter(
    (e) =>
      e.destination.to.includes(`${id}@example.com`) &&
      emailKind(e) === kind &&
      (!about || e.subject.includes(about) || (e.body.text ?? '').includes(about)),
  );
/** The link in the latest email of a kind to a person (about someone, when given). */
const latestLink = async (id: string, kind: string, about?: string): Promise<string> => {
  const link = linkIn((await items(id, kind, about)).at(-1) as CapturedEmail);
  if (!link) throw new Error(`No ${kind} link to ${id}`);
  return link;
};

/** An agreement page as a browser holds it: where it posts, and what it would post as it stands. */
type Page = { status: number; text: string; action: string; values: Record<string, string> };
const readPage = (status: number, text: string): Page => ({ status, text, ...pageValues(text) });
const open = async (link: string): Promise<Page> => {
  const res = await fetch(link);
  return readPage(res.status, await res.text());
};
/** Posts a page back with some values changed (undefined: left out, as an unticked box). */
const post = async (link: string, page: Page, changes: Record<string, string | undefined>): Promise<Page> => {
  const values = { ...page.values, ...changes };
  const res = await fetch(new URL(page.action, link).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(
      Object.entries(values).filter((e): e is [string, string] => e[1] !== undefined),
    ).toString(),
  });
  return readPage(res.status, await res.text());
};
const agree = { agree: 'yes' };

const planRun = (planId: string): Execution | undefined =>
  stack.sfn
    .list()
    .find((e) => e.stateMachineArn === stack.stateMachineArn('DevelopmentPlan') && e.input.includes(planId));
const states = (e: Execution | undefined) =>
  (e?.history ?? []).filter((h) => h.type.endsWith('StateEntered')).map((h) => h.stateName);

/** The growcycle CLI as HR runs it against the stack: its exit code and what it printed. */
const cli = async (args: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), isTty: false };
  const token = stack.devToken('hr-test', { hr: true });
  const code = await run([...args, '--api', stack.urls.api, '--token', token], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
};

describe('drafted from the evidence', () => {
  it('drafts the plan when the results are released: the role’s gaps, then the manager’s own words, as a draft both must agree to', async () => {
    const planId = reviewPlanId(cycleId, 'ola');
    expect(olaRelease).toMatchObject({ status: 200, body: { released: true, planId } });
    const plan = await planOf(planId);
    expect(plan).toMatchObject({
      status: 'draft',
      origin: 'review',
      cycleId,
      policyId: 'development',
      revision: 1,
      ownerAgreed: 0,
      managerAgreed: 0,
      items: [],
    });
    expect(plan.draft?.items.map((i) => [i.kind, i.title, i.competencyId, i.source])).toEqual([
      ['training', 'Complete the advanced course', 'craft', 'gap'],
      ['mentoring', 'Be mentored by an experienced coach for a quarter', 'coaching', 'gap'],
      ['practice', OLA_NEEDS, undefined, 'manager'],
    ]);
    // Both are asked, each with a link of their own, at their send hour.
    await runUntil(
      stack,
      async () =>
        (await items('ola', 'plan-agreement.request')).length > 0 &&
        (await items('mgr', 'plan-agreement.request', 'Ola Oslo')).length > 0,
    );
    expect((await items('ola', 'plan-agreement.request'))[0]?.body.text).toContain(
      'Complete the advanced course',
    );
  });

  it('says why each item is proposed only to a party signed in: the link alone shows the items, not what the review found', async () => {
    const link = await latestLink('ola', 'plan-agreement.request');
    const unsigned = await (await fetch(link)).text();
    expect(unsigned).toContain('Complete the advanced course');
    expect(unsigned).not.toContain('from the review');
    expect(unsigned).toContain('Sign in to see it');
    const signedIn = (await openSignedIn(stack, 'ola', link)).text;
    expect(signedIn).toContain('from the review: below what the role expects');
    expect(signedIn).not.toContain('Sign in to see it');
  });

  it('drafts it once: asked again, or released again, the same plan comes back', async () => {
    const planId = reviewPlanId(cycleId, 'ola');
    const again = await hr('POST', '/plans/draft', { cycleId, employeeId: 'ola' });
    expect(again).toMatchObject({ status: 200, body: { planId, alreadyDrafted: true } });
    expect((await hr('POST', `/cycles/${cycleId}/release`)).status).toBe(200);
    const plans = (await hr('GET', '/plans?ownerId=ola')).body.plans as PlanBody[];
    expect(plans.map((p) => p.planId)).toEqual([planId]);
  });

  it('refuses to draft from results not released, or from a cycle that is not there, naming the field', async () => {
    expect(kariEarly?.status).toBe(409);
    expect(kariEarly?.body.errors).toEqual([
      { field: 'employeeId', message: 'the review’s results are not released yet' },
    ]);
    const nowhere = await hr('POST', '/plans/draft', { cycleId: 'no-such-cycle', employeeId: 'ola' });
    expect(nowhere.status).toBe(404);
    expect(nowhere.body.errors).toEqual([{ field: 'cycleId', message: 'not found' }]);
    const peer = await fetch(`${stack.urls.api}/plans/draft`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.devToken('kari')}` },
      body: JSON.stringify({ cycleId, employeeId: 'ola' }),
    });
    expect(peer.status).toBe(403);
  });

  it('drafts towards the role an employee aims for: the next level’s gaps after the manager’s words', async () => {
    const plan = await planOf(reviewPlanId(cycleId, 'kari'));
    expect(plan.status).toBe('draft');
    // Kari meets her own role; against management level 3 she is short on coaching (2), ownership
    // and candour (1 each), ranked as the gap analysis ranks them.
    expect(plan.draft?.items.map((i) => [i.source, i.competencyId ?? null, i.kind])).toEqual([
      ['manager', null, 'practice'],
      ['next-level', 'coaching', 'mentoring'],
      ['next-level', 'ownership', 'practice'],
      ['next-level', 'candour', 'practice'],
    ]);
  });
});

describe('at the command line', () => {
  it('growcycle plan draft drafts from a released review: the plan, a line per item, who is asked to agree; asked again, it drafts nothing', async () => {
    const draft = ['plan', 'draft', dagCycleId, '--employee', 'dag'];
    expect(await cli(draft)).toEqual({
      code: 1,
      out: '',
      err: 'growcycle: the API answered 409: employeeId: the review’s results are not released yet',
    });
    // Released as a release that stopped before its draft leaves it: results out, no plan yet.
    expect(await releaseReview(dagCycleId, 'dag', 'hr-test')).toBe('released');
    const planId = reviewPlanId(dagCycleId, 'dag');
    expect((await hr('GET', `/plans/${planId}`)).status).toBe(404);

    const drafted = await cli(draft);
    expect(drafted.code).toBe(0);
    const plan = await planOf(planId);
    expect(plan).toMatchObject({ status: 'draft', origin: 'review', cycleId: dagCycleId });
    const proposed = plan.draft?.items ?? [];
    expect(proposed.length).toBeGreaterThan(0);
    const lines = drafted.out.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      `drafted plan ${planId} · Development plan: Dag Dahl · draft · owner dag`,
      '',
      expect.stringMatching(/^item\s+kind\s+title\s+due \(UTC\)\s+competency$/),
    ]);
    expect(lines.slice(4, 4 + proposed.length)).toEqual(
      proposed.map((i) =>
        expect.stringMatching(
          new RegExp(
            `^${i.key}\\s+${i.kind}\\s+.+\\s${i.dueAt.slice(0, 16).replace('T', ' ')}${i.competencyId ? `\\s+${i.competencyId}` : ''}$`,
          ),
        ),
      ),
    );
    expect(lines.slice(4 + proposed.length)).toEqual([
      '',
      'next: dag and their manager mgr each get an agreement form by email, to change the items and agree;',
      '  the plan starts once both agree to the same version, the due dates the draft proposed moved later by the days that took',
    ]);
    // And so they do.
    await runUntil(
      stack,
      async () =>
        (await items('dag', 'plan-agreement.request')).length > 0 &&
        (await items('mgr', 'plan-agreement.request', 'Dag Dahl')).length > 0,
    );

    const again = await cli(draft);
    expect(again.code).toBe(0);
    expect(again.out.split('\n')[0]).toBe(
      `nothing drafted: dag has a plan from cycle ${dagCycleId} already, ${planId} (draft)`,
    );
    expect(again.out).toContain('next: dag and their manager mgr each get an agreement form by email');
    const json = await cli([...draft, '--json']);
    expect(JSON.parse(json.out)).toEqual(
      (await hr('POST', '/plans/draft', { cycleId: dagCycleId, employeeId: 'dag' })).body,
    );
    expect(JSON.parse(json.out)).toMatchObject({ planId, alreadyDrafted: true, plan: { status: 'draft' } });
  });
});

describe('agreed by both', () => {
  it('both agree and it starts: the items’ first requests go out only then', async () => {
    const created = await hr('POST', '/plans', {
      ownerId: 'ic-a',
      title: 'After the promotion',
      origin: 'promotion',
      draft: true,
      items: [
        {
          kind: 'stretch',
          title: 'Run the team’s planning',
          dueAt: new Date(Date.now() + 30 * DAY).toISOString(),
        },
        {
          kind: 'training',
          title: 'Finish the leadership course',
          dueAt: new Date(Date.now() + 60 * DAY).toISOString(),
        },
      ],
    });
    expect(created.status).toBe(201);
    const planId = String(created.body.planId);
    expect((created.body.plan as PlanBody).status).toBe('draft');
    await runUntil(
      stack,
      async () =>
        (await items('ic-a', 'plan-agreement.request')).length > 0 &&
        (await items('mgr', 'plan-agreement.request', 'Ada Promoted')).length > 0,
    );
    const adaLink = await latestLink('ic-a', 'plan-agreement.request');
    const adaPage = await open(adaLink);
    expect(adaPage.status).toBe(200);
    // Opening the link twice changes nothing: mail scanners open links.
    expect((await open(adaLink)).values).toEqual(adaPage.values);
    expect(await planOf(planId)).toMatchObject({ revision: 1, ownerAgreed: 0 });
    const adaAgrees = await post(adaLink, adaPage, agree);
    expect(adaAgrees.status).toBe(200);
    expect(adaAgrees.text).toContain('You agree to version 1');
    expect(await planOf(planId)).toMatchObject({ status: 'draft', ownerAgreed: 1, managerAgreed: 0 });
    // A week before the due date, in the send hour: Mona is reminded, and an hour later still Ada is not.
    await runUntil(stack, async () => {
      const reminded = (await items('mgr', 'plan-agreement.reminder', 'Ada Promoted'))[0];
      return reminded !== undefined && Date.now() > reminded.at * 1000 + 3_600_000;
    });
    expect(await items('ic-a', 'plan-agreement.reminder')).toEqual([]);
    expect(await items('ic-a', 'action-item.request')).toEqual([]);

    const monaLink = await latestLink('mgr', 'plan-agreement.request', 'Ada Promoted');
    const monaAgrees = await post(monaLink, await open(monaLink), agree);
    expect(monaAgrees.status).toBe(200);
    expect(monaAgrees.text).toContain('The plan has started');
    const plan = await planOf(planId);
    expect(plan).toMatchObject({ status: 'active', ownerAgreed: 1, managerAgreed: 1 });
    expect(plan.draft).toBeUndefined();
    // Agreed, it checks in like any plan: its first round at least two weeks on.
    expect(Date.parse(plan.nextCheckInAt ?? '') - Date.now()).toBeGreaterThanOrEqual(14 * DAY);
    expect(plan.items.map((i) => [i.itemId, i.title, i.status])).toEqual([
      ['i1', 'Run the team’s planning', 'open'],
      ['i2', 'Finish the leadership course', 'open'],
    ]);
    await runUntil(stack, async () => (await items('ic-a', 'action-item.request')).length === 2);
    const run = states(planRun(planId));
    expect(run.slice(0, 3)).toEqual(['Is the plan a draft?', 'Ask both to agree', 'Wait for both to agree']);
    expect(run.indexOf('Settle the agreement')).toBeLessThan(run.indexOf('Start following up each item'));
    // The link now says the plan has started, and a late agreement changes nothing.
    expect((await open(monaLink)).status).toBe(409);
  });

  it('one edits and the other must agree again: each change a new version, told to the other once', async () => {
    const planId = reviewPlanId(cycleId, 'ola');
    const monaLink = await latestLink('mgr', 'plan-agreement.request', 'Ola Oslo');
    const monaPage = await open(monaLink);
    // A mentoring item needs its mentor before anyone agrees to it.
    const refused = await post(monaLink, monaPage, agree);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('id="d2.mentorId-error"');
    expect(await planOf(planId)).toMatchObject({ revision: 1, managerAgreed: 0 });
    // Mona names the mentor and agrees: version 2, which Ola is told of.
    const named = await post(monaLink, monaPage, { ...agree, 'd2.mentorId': 'kari' });
    expect(named.status).toBe(200);
    expect(named.text).toContain('Saved as version 2, which you agree to');
    expect(await planOf(planId)).toMatchObject({ revision: 2, ownerAgreed: 0, managerAgreed: 2 });
    const toOla = await items('ola', 'plan-agreement.notice');
    expect(toOla).toHaveLength(1);
    expect(toOla[0]?.subject).toBe('Mona Manager changed the draft plan');
    expect(toOla[0]?.body.text).toContain(
      '“Be mentored by an experienced coach for a quarter”: mentored by Kari Oslo',
    );

    // Ola rewords his own item, moves it later and agrees: version 3; Mona's agreement no longer counts.
    const olaLink = linkIn(toOla[0] as CapturedEmail) as string;
    const olaPage = await open(olaLink);
    expect(olaPage.text).toContain('Mona Manager</dt><dd>agrees to this version');
    const later = new Date(Date.parse((await planOf(planId)).draft?.items[2]?.dueAt ?? '') + 7 * DAY)
      .toISOString()
      .slice(0, 10);
    const edited = await post(olaLink, olaPage, {
      ...agree,
      'd3.title': 'Lead the next design review from start to finish',
      'd3.dueDate': later,
    });
    expect(edited.status).toBe(200);
    expect(await planOf(planId)).toMatchObject({
      status: 'draft',
      revision: 3,
      ownerAgreed: 3,
      managerAgreed: 0,
    });
    const toMona = await items('mgr', 'plan-agreement.notice');
    expect(toMona).toHaveLength(1);
    expect(toMona[0]?.subject).toBe('Ola Oslo changed the draft plan');
    expect(toMona[0]?.body.text).toContain('is now “Lead the next design review from start to finish”');
    // Mona opens the link from that email: she sees what changed, and agrees to it.
    const monaAgain = await open(linkIn(toMona[0] as CapturedEmail) as string);
    expect(monaAgain.text).toContain('Changed by Ola Oslo');
    expect(monaAgain.text).toContain('Mona Manager</dt><dd>has not agreed to this version');
    const started = await post(monaLink, monaAgain, agree);
    expect(started.text).toContain('The plan has started');
    const plan = await planOf(planId);
    expect(plan.status).toBe('active');
    expect(plan.items.map((i) => [i.title, i.mentorId])).toEqual([
      ['Complete the advanced course', undefined],
      ['Be mentored by an experienced coach for a quarter', 'kari'],
      ['Lead the next design review from start to finish', undefined],
    ]);
    // One notice per version, each to the other party.
    expect(await items('ola', 'plan-agreement.notice')).toHaveLength(1);
    expect(await items('mgr', 'plan-agreement.notice')).toHaveLength(1);
  });

  it('a form of an older version is refused with 409: nothing saved, the draft shown as it is now', async () => {
    const planId = reviewPlanId(cycleId, 'kari');
    await runUntil(stack, async () => (await items('kari', 'plan-agreement.request')).length > 0);
    const kariLink = await latestLink('kari', 'plan-agreement.request');
    const kariPage = await open(kariLink);
    // Meanwhile Mona takes an item out: version 2.
    const monaLink = await latestLink('mgr', 'plan-agreement.request', 'Kari Oslo');
    const removed = await post(monaLink, await open(monaLink), { 'd4.remove': 'yes' });
    expect(removed.status).toBe(200);
    const stale = await post(kariLink, kariPage, { ...agree, 'd1.title': 'My own words' });
    expect(stale.status).toBe(409);
    expect(stale.text).toContain('The draft changed since you opened this page');
    expect(stale.text).toContain('Version 2');
    expect(stale.text).not.toContain('name="d4.title"');
    const plan = await planOf(planId);
    expect(plan).toMatchObject({ status: 'draft', revision: 2, ownerAgreed: 0, managerAgreed: 0 });
    expect(plan.draft?.items.map((i) => i.title)).not.toContain('My own words');
    // The page it showed is current: posted from it, the edit is taken.
    const current = await post(kariLink, stale, { ...agree, 'd2.mentorId': 'ola' });
    expect(current.status).toBe(200);
    expect(await planOf(planId)).toMatchObject({ revision: 3, ownerAgreed: 3, managerAgreed: 0 });
  });

  it('agreed days after the draft: the due dates it proposed move by those days, a date set on the form stays', async () => {
    const planId = reviewPlanId(cycleId, 'kari');
    const { createdAt } = await planOf(planId);
    await runUntil(stack, () => Date.now() > Date.parse(createdAt) + 10 * DAY);
    // Mona sets the first item's date herself and agrees; Kari agrees to that version.
    const monaLink = await latestLink('mgr', 'plan-agreement.request', 'Kari Oslo');
    const monaPage = await open(monaLink);
    expect(monaPage.text).toContain('The due dates the draft proposed move later by the days it takes');
    const set = new Date(Date.now() + 40 * DAY).toISOString().slice(0, 10);
    expect((await post(monaLink, monaPage, { ...agree, 'd1.dueDate': set })).status).toBe(200);
    const agreedTo = (await planOf(planId)).draft?.items ?? [];
    const kariLink = await latestLink('kari', 'plan-agreement.request');
    expect((await post(kariLink, await open(kariLink), agree)).text).toContain('The plan has started');

    const plan = await planOf(planId);
    expect(plan.status).toBe('active');
    const days = (Date.parse((plan.agreedAt ?? '').slice(0, 10)) - Date.parse(createdAt.slice(0, 10))) / DAY;
    expect(days).toBeGreaterThanOrEqual(10);
    expect(plan.items.map((i) => i.dueAt)).toEqual([
      agreedTo[0]?.dueAt,
      ...agreedTo.slice(1).map((d) => new Date(Date.parse(d.dueAt) + days * DAY).toISOString()),
    ]);
    expect(agreedTo[0]?.dueAt.slice(0, 10)).toBe(set);
  });

  it('the draft’s manager changes before agreement', async () => {
    const created = await hr('POST', '/plans', {
      ownerId: 'ic-c',
      title: 'Grow into the new team',
      origin: 'promotion',
      draft: true,
      items: [
        {
          kind: 'stretch',
          title: 'Lead the migration',
          dueAt: new Date(Date.now() + 30 * DAY).toISOString(),
        },
      ],
    });
    expect(created.status).toBe(201);
    const planId = String(created.body.planId);
    await runUntil(
      stack,
      async () =>
        (await items('ic-c', 'plan-agreement.request')).length > 0 &&
        (await items('mgr', 'plan-agreement.request', 'Cai Changing')).length > 0,
    );
    const monaLink = await latestLink('mgr', 'plan-agreement.request', 'Cai Changing');
    expect((await post(monaLink, await open(monaLink), agree)).text).toContain('You agree to version 1');
    expect(await planOf(planId)).toMatchObject({ managerAgreed: 1 });

    // HR moves Cai to Nils: the manager's agreement is Nils's to give now, and Mona's no longer counts.
    const cai = people.find((p) => p.employeeId === 'ic-c');
    const moved = await hr('PUT', '/employees', { employees: [{ ...cai, managerId: 'mgr2' }] });
    expect(moved).toMatchObject({
      status: 200,
      body: { movedRequests: [agreementRequestId(planId, 'manager')] },
    });
    expect(await planOf(planId)).toMatchObject({
      status: 'draft',
      revision: 1,
      managerAgreed: 0,
      draft: { managerId: 'mgr2' },
    });
    expect((await open(monaLink)).status).toBe(410);
    await runUntil(
      stack,
      async () => (await items('mgr2', 'plan-agreement.request', 'Cai Changing')).length > 0,
    );

    const caiLink = await latestLink('ic-c', 'plan-agreement.request');
    const caiPage = await open(caiLink);
    expect(caiPage.text).toContain('Nils New</dt><dd>has not agreed to this version');
    expect((await post(caiLink, caiPage, agree)).text).toContain('The plan starts once Nils New agrees too');
    const nilsLink = await latestLink('mgr2', 'plan-agreement.request', 'Cai Changing');
    expect((await post(nilsLink, await open(nilsLink), agree)).text).toContain('The plan has started');
    expect(await planOf(planId)).toMatchObject({ status: 'active', ownerAgreed: 1, managerAgreed: 1 });
    // Nothing more reached Mona about it.
    expect(await items('mgr', 'plan-agreement.reminder', 'Cai Changing')).toEqual([]);
  });

  it('an improvement plan follows the performance-improvement policy; HR may cancel it while it is a draft', async () => {
    const base = {
      ownerId: 'ic-b',
      title: 'Back on track',
      origin: 'improvement',
      draft: true,
      items: [{ title: 'Ship the two open fixes', dueAt: new Date(Date.now() + 21 * DAY).toISOString() }],
    };
    const wrong = await hr('POST', '/plans', { ...base, policyId: 'development' });
    expect(wrong.status).toBe(400);
    expect(JSON.stringify(wrong.body.errors)).toContain('policyId');
    const created = await hr('POST', '/plans', base);
    expect(created.status).toBe(201);
    const planId = String(created.body.planId);
    expect((created.body.plan as PlanBody).policyId).toBe('performance-improvement');
    await runUntil(stack, async () => (await items('ic-b', 'plan-agreement.request')).length > 0);
    expect((await hr('POST', `/plans/${planId}/cancel`, { reason: 'Talked it through' })).status).toBe(200);
    await runUntil(stack, () => planRun(planId)?.status === 'SUCCEEDED');
    expect(await planOf(planId)).toMatchObject({ status: 'cancelled', endReason: 'Talked it through' });
    expect((await open(await latestLink('ic-b', 'plan-agreement.request'))).status).toBe(410);
  });

  it('never agreed: reminded, HR told after the due date, cancelled at the close, HR told once', async () => {
    const planId = reviewPlanId(cycleId, 'per');
    await runUntil(stack, () => planRun(planId) !== undefined && planRun(planId)?.status !== 'RUNNING');
    const plan = await planOf(planId);
    expect(plan).toMatchObject({ status: 'cancelled', endReason: 'not agreed', items: [] });
    // Each of the two was reminded a week and a day before; HR heard of each after the due date.
    expect(await items('per', 'plan-agreement.reminder')).toHaveLength(2);
    expect(await items('mgr', 'plan-agreement.reminder', 'Per Peer')).toHaveLength(2);
    const escalations = (await items('hr', 'plan-agreement.escalation')).filter((e) =>
      (e.body.text ?? '').includes('Per Peer'),
    );
    expect(escalations).toHaveLength(2);
    for (const e of escalations) expect(e.at * 1000).toBeGreaterThan(Date.parse(plan.createdAt) + 14 * DAY);
    const told = (await fetchInbox(stack.urls.inbox)).filter(
      (e) => emailKind(e) === 'plan.notice' && e.subject === 'Development plan not agreed: Per Peer',
    );
    expect(told).toHaveLength(1);
    expect(told[0]?.body.text).toContain('Per Peer did not agree; Mona Manager did not agree');
    expect(await items('per', 'action-item.request')).toEqual([]);
    expect(planRun(planId)?.status).toBe('SUCCEEDED');
    expect(states(planRun(planId))).toEqual(expect.arrayContaining(['Did both agree?', 'Close the plan']));
    expect(states(planRun(planId))).not.toContain('Start following up each item');
    // The link says the draft is closed.
    expect((await open(await latestLink('per', 'plan-agreement.request'))).status).toBe(410);
  });
});

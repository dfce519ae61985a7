import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { catalogPath } from '../../cli/growcycle';
import { forgetExternalReviewers } from '../../domain/cycles/forget-externals';
import { externalId } from '../../domain/platform/ids';
import { answer, type CapturedEmail, emailKind, fetchInboxItems, linkIn, readForm } from '../../local/people';
import { openSignedIn } from '../support/app-browser';
import { team } from '../support/fixtures';
import {
  type ApiCall,
  cycleExecution,
  hrApi,
  runUntil,
  startTestStack,
  type TestStack,
} from '../support/local-stack';
import { scanTable } from '../support/table-scan';

/*
 * 360 nominations on the synthesized state machines with the simulated clock. Two teams share a
 * manager's manager: Mona's (Emil, Tor, Tia, Tom) and Carl's (Cleo, Cato); Dag works in Emil's
 * department under another branch of the org chart. Templates from the
 * sample catalog, with the employee or the manager nominating, two to three reviewers each.
 */

const START = new Date('2027-03-01T07:00:00Z'); // Monday

const people = team({ title: 'Staff' }, [
  { employeeId: 'ceo', name: 'Chief Exec' },
  { employeeId: 'mgr', name: 'Mona Manager', managerId: 'ceo' },
  { employeeId: 'mgr2', name: 'Carl Manager', managerId: 'ceo' },
  { employeeId: 'emp', name: 'Emil Employee', managerId: 'mgr', department: 'Platform' },
  { employeeId: 't1', name: 'Tor Team', managerId: 'mgr' },
  { employeeId: 't2', name: 'Tia Team', managerId: 'mgr' },
  { employeeId: 't3', name: 'Tom Team', managerId: 'mgr' },
  { employeeId: 'c1', name: 'Cleo Cousin', managerId: 'mgr2' },
  { employeeId: 'c2', name: 'Cato Cousin', managerId: 'mgr2' },
  // Elsewhere in the org chart, but in Emil's department.
  { employeeId: 'vp', name: 'Vera President' },
  { employeeId: 'd1', name: 'Dag Department', managerId: 'vp', department: 'Platform' },
  { employeeId: 'd2', name: 'Dina Elsewhere', managerId: 'vp', department: 'Sales' },
  // A contractor whose address is outside the company's domains.
  { employeeId: 'x1', name: 'Xena Contractor', managerId: 'vp', email: 'xena@freelance.example' },
]);

const EXTERNAL = { name: 'Erin <Outside>', email: 'Erin@Partner.example' };

let stack: TestStack;
let api: ApiCall;
const DAY = 86_400_000;

const cycleRun = (cycleId: string) => cycleExecution(stack, cycleId);

/** Emails that were not in the inbox before: each scenario sees only its own cycle's. */
const emailsAfter = async (before: Set<string>): Promise<CapturedEmail[]> =>
  (await fetchInboxItems(stack.urls.inbox)).filter((e) => !before.has(e.messageId));

const post = async (link: string, fields: Array<[string, string]>) => {
  const page = await fetch(link);
  const form = readForm(await page.text());
  if (!form) throw new Error(`no form behind the link (${page.status})`);
  const res = await fetch(new URL(form.action, link).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, page: await res.text() };
};

/**
 * Runs a cycle to its end. `act(email, link)` answers an email its own way and returns true, or
 * returns false to have it answered as a simulated person would; `skip` leaves an email unanswered.
 */
const runCycle = async (
  templateId: string,
  participants: string[],
  act: (email: CapturedEmail, link: string) => Promise<boolean> = async () => false,
  skip: (email: CapturedEmail) => boolean = () => false,
) => {
  const before = new Set((await fetchInboxItems(stack.urls.inbox)).map((e) => e.messageId));
  const res = await api('POST', '/cycles', {
    name: `Cycle ${templateId}`,
    templateId,
    startAt: new Date(Date.now()).toISOString(),
    participants,
  });
  expect(res.status).toBe(201);
  const cycleId = String(res.body.cycleId);
  const answered = new Set<string>();
  await runUntil(
    stack,
    () => cycleRun(cycleId)?.status === 'SUCCEEDED',
    async () => {
      for (const email of await emailsAfter(before)) {
        const link = linkIn(email);
        const request = link?.split('?')[0];
        // The plans the releases draft are another file's business (plan-agreement.test.ts).
        const drafted = emailKind(email).startsWith('plan-agreement');
        if (!link || !request || answered.has(request) || skip(email) || drafted) continue;
        answered.add(request);
        if (!(await act(email, link))) expect(await answer(link, answered.size)).toBe(200);
      }
    },
  );
  const emails = await emailsAfter(before);
  const to = (kind: string) =>
    emails
      .filter((e) => emailKind(e) === kind)
      .map((e) => e.destination.to[0])
      .sort();
  return { cycleId, emails, to };
};

beforeAll(async () => {
  stack = await startTestStack(START);
  api = hrApi(stack);
  expect((await api('PUT', '/employees', { employees: people })).status).toBe(200);
  const docs = parseAllDocuments(
    readFileSync(path.join(import.meta.dirname, '../../local/catalog.yaml'), 'utf8'),
  ).map(
    (d) =>
      d.toJS() as Record<string, unknown> & { kind: string; id: string; phases?: Record<string, object> },
  );
  for (const doc of docs) {
    if (doc.kind !== 'template') {
      expect((await api('PUT', catalogPath(doc.kind, doc.id), doc)).status).toBeLessThan(300);
      continue;
    }
    for (const nominatedBy of ['employee', 'manager']) {
      const id = `by-${nominatedBy}`;
      const phases = doc.phases ?? {};
      const template = {
        ...doc,
        id,
        phases: {
          ...phases,
          peerFeedback: {
            ...phases.peerFeedback,
            nominatedBy,
            minPeers: 2,
            maxPeers: 3,
            // The employee-nominates template lets managers see who said what.
            managersSeeAttribution: nominatedBy === 'employee',
          },
        },
      };
      expect((await api('PUT', `/templates/${id}`, template)).status).toBeLessThan(300);
    }
  }
}, 60_000);

afterAll(async () => {
  await stack?.dispose();
});

describe('peer nominations', () => {
  it('the employee nominates two colleagues and one external, the manager swaps one, and every approved reviewer is asked and answers', async () => {
    const seen: Record<string, { status: number; page: string }> = {};
    const { cycleId, to } = await runCycle('by-employee', ['emp'], async (email, link) => {
      const kind = emailKind(email);
      if (kind === 'peer-nomination.request') {
        const page = await (await fetch(link)).text();
        seen.nominationPage = { status: 200, page };
        seen.invalid = await post(link, [
          ['peer', 't1'],
          ['external1Name', EXTERNAL.name],
          ['external1Email', 'not-an-address'],
        ]);
        // An employee's own outside address cannot make up the threshold as an "external" reviewer.
        seen.employeeAddress = await post(link, [
          ['peer', 't1'],
          ['peer', 't2'],
          ['external1Name', EXTERNAL.name],
          ['external1Email', 'Xena@Freelance.example'],
        ]);
        const ok = await post(link, [
          ['peer', 't1'],
          ['peer', 't2'],
          ['external1Name', EXTERNAL.name],
          ['external1Email', EXTERNAL.email],
        ]);
        expect(ok.status).toBe(200);
        return true;
      }
      if (kind === 'peer-approval.request') {
        seen.approvalPage = { status: 200, page: await (await fetch(link)).text() };
        const ok = await post(link, [
          ['peer', 't1'],
          ['peer', 'c1'],
          ['external', externalId(EXTERNAL.email)],
        ]);
        expect(ok.status).toBe(200);
        return true;
      }
      if (kind === 'peer-feedback.request' && email.destination.to[0] === EXTERNAL.email.toLowerCase())
        seen.externalPage = { status: 200, page: await (await fetch(link)).text() };
      if (kind === 'manager-appraisal.request')
        seen.appraisalPage = { status: 200, page: (await openSignedIn(stack, 'mgr', link)).text };
      return false;
    });

    // Suggestions: teammates, the team under the same manager's manager and the department; never
    // Emil or Mona, nor someone from another department elsewhere.
    const offered = [...(seen.nominationPage?.page ?? '').matchAll(/name="peer" value="([^"]+)"/g)].map(
      (m) => m[1],
    );
    expect(offered.sort()).toEqual(['c1', 'c2', 'd1', 't1', 't2', 't3']);
    // The bad address is refused next to its field, the name escaped.
    expect(seen.invalid?.status).toBe(400);
    expect(seen.invalid?.page).toContain('id="external1Email-error"');
    expect(seen.invalid?.page).toContain('Erin &lt;Outside&gt;');
    expect(seen.employeeAddress?.status).toBe(400);
    expect(seen.employeeAddress?.page).toContain('id="external1Email-error"');
    expect(seen.employeeAddress?.page).toContain('of someone in it cannot be an external reviewer');
    // The manager sees the nominations ticked, the external reviewer among them.
    expect(seen.approvalPage?.page).toMatch(/value="t1" checked/);
    expect(seen.approvalPage?.page).toMatch(/value="t2" checked/);
    expect(seen.approvalPage?.page).not.toMatch(/value="c1" checked/);
    expect(seen.approvalPage?.page).toContain('erin@partner.example');

    // The manager sees who said what (this template's setting), the external reviewer by name.
    expect(seen.appraisalPage?.page).toContain('Erin &lt;Outside&gt; (external)');
    // The external reviewer's form: Emil's name and the questions, nothing else about him.
    const external = seen.externalPage?.page ?? '';
    expect(external).toContain('Emil Employee');
    expect(readForm(external)?.ratings.length).toBeGreaterThan(0);
    expect(external).not.toMatch(/Platform|Staff|Mona|Tor Team|Tia Team|goal/i);
    expect(to('peer-nomination.request')).toEqual(['emp@example.com']);
    expect(to('peer-approval.request')).toEqual(['mgr@example.com']);
    // Tia was swapped for Cleo; the external reviewer is written to at the address nominated.
    expect(to('peer-feedback.request')).toEqual(['c1@example.com', 'erin@partner.example', 't1@example.com']);

    const status = (await api('GET', `/cycles/${cycleId}`)).body as { reviews: Record<string, number> };
    expect(status.reviews).toMatchObject({ participants: 1, completed: 1, incomplete: 0 });
    const hrView = (await api('GET', `/cycles/${cycleId}/reviews/emp?view=hr`)).body as {
      peerFeedback: { answers: Array<{ fromId: string; fromName?: string }> };
    };
    expect(hrView.peerFeedback.answers.map((a) => a.fromId).sort()).toEqual(
      ['c1', externalId(EXTERNAL.email), 't1'].sort(),
    );
    // HR sees the external reviewer by name: they have no employee record to look up.
    expect(hrView.peerFeedback.answers.find((a) => a.fromId === externalId(EXTERNAL.email))?.fromName).toBe(
      EXTERNAL.name,
    );
    // Three answers reach the anonymity threshold of three: once the results are released, the
    // employee sees them combined.
    expect((await api('POST', `/cycles/${cycleId}/reviews/emp/release`)).status).toBe(200);
    const employeeView = (await api('GET', `/cycles/${cycleId}/reviews/emp?view=employee`)).body as {
      peerFeedback: { visibility: string; responses: number };
    };
    expect(employeeView.peerFeedback).toMatchObject({ visibility: 'aggregated', responses: 3 });

    // The cycle has closed: the external reviewer's name and address are kept for the retention
    // period after it, then forgotten; the answer stays, under the reviewer's id.
    const closeAt = (((await api('GET', `/cycles/${cycleId}`)).body.cycle ?? {}) as { closeAt: string })
      .closeAt;
    const table = async () => JSON.stringify(await scanTable());
    expect(await table()).toContain('erin@partner.example');
    await forgetExternalReviewers(new Date(Date.parse(closeAt) + 29 * DAY));
    expect(await table()).toContain('erin@partner.example');
    const forgotten = await forgetExternalReviewers(new Date(Date.parse(closeAt) + 31 * DAY));
    expect(forgotten.requests).toBeGreaterThan(0);
    expect(await table()).not.toMatch(/erin@partner\.example|Erin <Outside>/i);
    const later = (await api('GET', `/cycles/${cycleId}/reviews/emp?view=hr`)).body as typeof hrView;
    expect(later.peerFeedback.answers.find((a) => a.fromId === externalId(EXTERNAL.email))?.fromName).toBe(
      'External reviewer',
    );
    expect(later.peerFeedback.answers).toHaveLength(3);
    expect((await forgetExternalReviewers(new Date(Date.parse(closeAt) + 60 * DAY))).cycles).toBe(0);
  });

  it('a nomination never answered falls back to the auto-picked teammates, and no approval is asked', async () => {
    const { cycleId, to, emails } = await runCycle('by-employee', ['t3'], undefined, (email) =>
      emailKind(email).startsWith('peer-nomination.'),
    );
    expect(to('peer-nomination.request')).toEqual(['t3@example.com']);
    expect(emails.filter((e) => emailKind(e).startsWith('peer-approval.'))).toEqual([]);
    // Tom's teammates, up to the template's three.
    expect(to('peer-feedback.request')).toEqual(['emp@example.com', 't1@example.com', 't2@example.com']);
    const status = (await api('GET', `/cycles/${cycleId}`)).body as { reviews: Record<string, number> };
    expect(status.reviews).toMatchObject({ completed: 1 });
  });

  it('with a manager-nominates template the manager chooses and no approval is asked', async () => {
    const { cycleId, to, emails } = await runCycle('by-manager', ['c2']);
    expect(to('peer-nomination.request')).toEqual(['mgr2@example.com']);
    expect(emails.filter((e) => emailKind(e).startsWith('peer-approval.'))).toEqual([]);
    // The page ticked Cleo (the only teammate) and topped up to the minimum of two from the other team.
    const asked = to('peer-feedback.request');
    expect(asked).toContain('c1@example.com');
    expect(asked).toHaveLength(2);
    expect(asked).not.toContain('c2@example.com');
    expect(asked).not.toContain('mgr2@example.com');
    const status = (await api('GET', `/cycles/${cycleId}`)).body as { reviews: Record<string, number> };
    expect(status.reviews).toMatchObject({ completed: 1 });
  });

  // Last: Tia stays in Carl's team afterwards.
  it('the manager changes while the approval waits: the approval follows the new manager, the old link stops working', async () => {
    let oldLink: string | undefined;
    let moved: unknown[] = [];
    const { cycleId, to } = await runCycle('by-employee', ['t2'], async (email, link) => {
      if (emailKind(email) !== 'peer-approval.request' || email.destination.to[0] !== 'mgr@example.com')
        return false;
      oldLink = link;
      const t2 = people.find((p) => p.employeeId === 't2');
      const res = await api('PUT', '/employees', { employees: [{ ...t2, managerId: 'mgr2' }] });
      expect(res.status).toBe(200);
      moved = res.body.movedRequests as unknown[];
      return true;
    });
    // The appraisal and the approval moved; Tia's own nomination (answered) stays hers.
    expect(moved).toHaveLength(2);
    expect(to('peer-approval.request')).toEqual(['mgr2@example.com', 'mgr@example.com']);
    expect((await fetch(oldLink as string)).status).toBe(410);
    const status = (await api('GET', `/cycles/${cycleId}`)).body as { reviews: Record<string, number> };
    expect(status.reviews).toMatchObject({ completed: 1 });
  });
});

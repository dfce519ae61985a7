import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgetExternalReviewers } from '../../domain/cycles/forget-externals';
import {
  answer,
  type CapturedEmail,
  emailKind,
  fetchInbox,
  fetchInboxItems,
  linkIn,
  submitForm,
} from '../../local/people';
import { openSignedIn } from '../support/app-browser';
import { sampleCatalog } from '../support/catalog';
import { monasTeam, OSLO_STAFF } from '../support/fixtures';
import {
  type ApiCall,
  apiAs,
  hrApi,
  runUntil as runUntilIdle,
  startTestStack,
  type TestStack,
} from '../support/local-stack';
import { scanTable } from '../support/table-scan';

/*
 * Feedback any time on the local stack, on the synthesized feedback-request state machine with the
 * simulated clock: asked through the API, answered through the signed links, delivered to the
 * asker's digest, reminded once, closed at the deadline; the record's visibility and anonymity.
 */

const DAY = 86_400_000;
const START = new Date('2027-03-01T07:00:00Z'); // a Monday, before Oslo's 09:00 send hour

let stack: TestStack;

const people = monasTeam(OSLO_STAFF, [
  { employeeId: 'ola', name: 'Ola Oslo' },
  { employeeId: 'kari', name: 'Kari Oslo' },
  { employeeId: 'per', name: 'Per Peer' },
  { employeeId: 'liv', name: 'Liv Lund' },
  { employeeId: 'tor', name: 'Tor Tang' },
  // A contractor whose address is outside the company's domains.
  { employeeId: 'gus', name: 'Gus Guest', email: 'gus@contractor.example' },
]);

const hr: ApiCall = (...args) => hrApi(stack)(...args);

const as = (employeeId: string): ApiCall => apiAs(stack, employeeId);

const runUntil = (done: () => boolean | Promise<boolean>) => runUntilIdle(stack, done);

const addressOf = (id: string) => (id.includes('@') ? id : `${id}@example.com`);
const inboxOf = async (id: string): Promise<CapturedEmail[]> =>
  (await fetchInboxItems(stack.urls.inbox)).filter((e) => e.destination.to.includes(addressOf(id)));
const kindsFor = async (id: string) => (await inboxOf(id)).map(emailKind);

const linkOf = async (id: string, kind = 'feedback.request'): Promise<string> => {
  const email = (await inboxOf(id)).reverse().find((e) => emailKind(e) === kind);
  const link = /https?:\/\/\S+\/r\/\S+/.exec(email?.body.text ?? '')?.[0];
  if (!link) throw new Error(`No ${kind} link to ${id}`);
  return link;
};

const executionOf = (askId: string) => stack.sfn.list().find((e) => e.input.includes(askId));
const ended = (askId: string) => () => {
  const execution = executionOf(askId);
  return execution !== undefined && execution.status !== 'RUNNING';
};

type Shown = {
  kind: string;
  from?: { id: string; name: string };
  items: Array<{ name: string; text: string }>;
};
const recordAs = async (reader: string, of: string) => {
  const { status, body } = await as(reader)('GET', `/employees/${of}/feedback`);
  return { status, feedback: (body.feedback ?? []) as Shown[], summary: body.summary };
};

const ask = async (asker: string, body: Record<string, unknown>, key?: string) => {
  const { status, body: answer } = await as(asker)(
    'POST',
    '/feedback/requests',
    { templateId: 'annual-review', days: 5, ...body },
    key,
  );
  expect(status, JSON.stringify(answer)).toBe(201);
  return String((answer.request as { askId: string }).askId);
};

beforeAll(async () => {
  stack = await startTestStack(START);
  expect((await hr('PUT', '/employees', { employees: people })).status).toBe(200);
  for (const doc of sampleCatalog().filter((d) => d.kind === 'framework' || d.kind === 'template'))
    expect((await hr('PUT', `/${doc.kind}s/${doc.id}`, doc)).status).toBeLessThan(300);
}, 60_000);

afterAll(async () => {
  await stack?.dispose();
});

describe('a request for feedback any time', () => {
  it('asked of two colleagues and an external address: links, one answer to the asker’s digest, one reminder, closed at the deadline', async () => {
    const askId = await ask(
      'ola',
      {
        recipients: [
          { employeeId: 'kari' },
          { employeeId: 'per' },
          { name: 'Eve Extern', email: 'eve@example.org' },
        ],
        items: ['craft', 'ownership'],
        question: 'What should I keep doing?',
        managerSees: true,
      },
      'ola-ask-1',
    );
    // The same key again asks nobody twice.
    expect(
      await ask(
        'ola',
        { recipients: [{ employeeId: 'kari' }, { employeeId: 'per' }], items: ['craft'] },
        'ola-ask-1',
      ),
    ).toBe(askId);
    await runUntil(async () => (await kindsFor('eve@example.org')).includes('feedback.request'));
    expect(await kindsFor('kari')).toEqual(['feedback.request']);
    expect(await kindsFor('per')).toEqual(['feedback.request']);
    const page = await (await fetch(await linkOf('kari'))).text();
    expect(page).toContain('Your answer is attributed: Ola Oslo, Mona Manager (Ola Oslo&#39;s manager), HR');

    expect(
      await submitForm(await linkOf('kari'), {
        'item-craft': 'Careful reviews',
        'item-ownership': 'Saw the release through',
        answer: 'Keep pairing',
      }),
    ).toBe(200);
    await runUntil(async () => (await kindsFor('ola')).includes('feedback.notice'));
    const notice = (await inboxOf('ola')).find((e) => emailKind(e) === 'feedback.notice');
    expect(notice?.body.text).toContain('Kari Oslo answered:');
    expect(notice?.body.text).toContain('Craft: Careful reviews');

    await runUntil(ended(askId));
    expect(executionOf(askId)?.status).toBe('SUCCEEDED');
    expect(await kindsFor('kari')).toEqual(['feedback.request']);
    expect(await kindsFor('per')).toEqual(['feedback.request', 'feedback.reminder']);
    expect(await kindsFor('eve@example.org')).toEqual(['feedback.request', 'feedback.reminder']);
    const closed = await fetch(await linkOf('per'));
    expect(closed.status).toBe(410);
    expect(await closed.text()).toMatch(/closed/);

    const own = await recordAs('ola', 'ola');
    expect(own.feedback).toEqual([
      expect.objectContaining({ kind: 'answer', from: { id: 'kari', name: 'Kari Oslo' } }),
    ]);
    expect(own.feedback[0]?.items.map((i) => i.name)).toEqual([
      'Craft',
      'Ownership',
      'What should I keep doing?',
    ]);
    // Shared with the manager; nobody else in the team reads it.
    expect((await recordAs('mgr', 'ola')).feedback).toHaveLength(1);
    expect((await recordAs('per', 'ola')).status).toBe(403);
    expect((await as('per')('GET', `/feedback/requests/${askId}`)).status).toBe(403);
    expect((await as('mgr')('GET', `/feedback/requests/${askId}`)).body.request).toMatchObject({
      asked: 3,
      answered: 1,
    });

    // The external reviewer's name and address are kept for the retention period after the due
    // date, then forgotten by the daily check; the answers stay as they were.
    const { body: shown } = await as('mgr')('GET', `/feedback/requests/${askId}`);
    const dueAt = Date.parse((shown.request as { dueAt: string }).dueAt);
    const kept = async () => JSON.stringify(await scanTable()).match(/eve@example\.org|Eve Extern/gi) ?? [];
    await forgetExternalReviewers(new Date(dueAt + 29 * DAY));
    expect(await kept()).not.toEqual([]);
    expect((await forgetExternalReviewers(new Date(dueAt + 31 * DAY))).asks).toBe(1);
    expect(await kept()).toEqual([]);
    expect((await recordAs('ola', 'ola')).feedback).toHaveLength(1);
    expect((await forgetExternalReviewers(new Date(dueAt + 60 * DAY))).asks).toBe(0);
  });

  it('anonymous below the threshold: nothing of the answers reaches anyone, not even their number', async () => {
    const askId = await ask('liv', {
      recipients: [{ employeeId: 'kari' }, { employeeId: 'per' }, { employeeId: 'tor' }],
      items: ['collaboration'],
      anonymous: true,
      days: 2,
    });
    await runUntil(async () => (await kindsFor('tor')).includes('feedback.request'));
    const page = await (await fetch(await linkOf('tor'))).text();
    expect(page).toContain('only once at least 3 people have answered');
    expect(await submitForm(await linkOf('tor'), { 'item-collaboration': 'Generous with time' })).toBe(200);
    const kari = (await inboxOf('kari')).reverse().find((e) => e.body.text?.includes('Liv Lund'));
    expect(kari).toBeDefined();
    await runUntil(ended(askId));

    expect((await kindsFor('liv')).filter((k) => k === 'feedback.notice')).toEqual([]);
    expect((await recordAs('liv', 'liv')).feedback).toEqual([]);
    expect((await hr('GET', '/employees/liv/feedback')).body.feedback).toEqual([]);
    const view = (await as('liv')('GET', `/feedback/requests/${askId}`)).body;
    expect(view.answers).toEqual([]);
    expect(view.request).not.toHaveProperty('answered');
  });

  it('a manager asks about a report for their own view: the report does not read the answers', async () => {
    const askId = await ask('mgr', {
      subjectId: 'tor',
      recipients: [{ employeeId: 'liv' }],
      question: 'How does Tor lead the stand-ups?',
      days: 3,
    });
    await runUntil(async () => (await kindsFor('liv')).includes('feedback.request'));
    expect(await submitForm(await linkOf('liv'), { answer: 'Short and kind' })).toBe(200);
    await runUntil(ended(askId));

    expect((await recordAs('mgr', 'tor')).feedback).toEqual([
      expect.objectContaining({ kind: 'answer', from: { id: 'liv', name: 'Liv Lund' } }),
    ]);
    expect((await recordAs('tor', 'tor')).feedback).toEqual([]);
    // Only about oneself or a direct report.
    const refused = await as('kari')('POST', '/feedback/requests', {
      subjectId: 'per',
      recipients: [{ employeeId: 'liv' }],
      question: 'How is Per doing?',
      days: 3,
    });
    expect(refused.status).toBe(403);
  });

  it('refuses a request naming the field at fault', async () => {
    const tooMany = await as('ola')('POST', '/feedback/requests', {
      recipients: Array.from({ length: 11 }, (_, i) => ({ name: `P${i}`, email: `p${i}@example.org` })),
      question: 'Anything?',
      days: 3,
    });
    const unknownItem = await as('ola')('POST', '/feedback/requests', {
      templateId: 'annual-review',
      recipients: [{ employeeId: 'kari' }],
      items: ['juggling'],
      days: 3,
    });
    const tooLong = await as('ola')('POST', '/feedback/requests', {
      recipients: [{ employeeId: 'kari' }],
      question: 'Anything?',
      days: 31,
    });

    expect(tooMany.status).toBe(400);
    expect(JSON.stringify(tooMany.body)).toContain('recipients');
    expect(unknownItem.status).toBe(400);
    expect(JSON.stringify(unknownItem.body)).toContain('"items"');
    expect(tooLong.status).toBe(400);
    expect(JSON.stringify(tooLong.body)).toContain('days');
  });

  it('refuses as external an address of the company’s own domain or one an employee holds: a colleague is asked as a colleague', async () => {
    const ownDomain = await as('ola')('POST', '/feedback/requests', {
      recipients: [{ name: 'Ola Again', email: 'ola.private@example.com' }],
      question: 'Anything?',
      days: 3,
    });
    const employeesOwn = await as('ola')('POST', '/feedback/requests', {
      recipients: [{ name: 'Gus', email: 'GUS@Contractor.example' }],
      question: 'Anything?',
      days: 3,
    });
    for (const refused of [ownDomain, employeesOwn]) {
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({
        errors: [{ field: 'recipients', message: expect.stringContaining('cannot be an external reviewer') }],
      });
    }
  });
});

describe('praise', () => {
  it('tied to a value: the person reads it in their digest, their manager on the record, others not at all', async () => {
    const { status } = await as('kari')(
      'POST',
      '/feedback/praise',
      {
        employeeId: 'per',
        templateId: 'annual-review',
        itemId: 'candour',
        message: 'Said the hard thing kindly',
      },
      'kari-praise-1',
    );
    expect(status).toBe(201);
    await runUntil(async () => (await kindsFor('per')).includes('praise.notice'));
    const notice = (await inboxOf('per')).find((e) => emailKind(e) === 'praise.notice');
    expect(notice?.body.text).toContain('Said the hard thing kindly');

    expect((await recordAs('per', 'per')).feedback).toEqual([
      expect.objectContaining({
        kind: 'praise',
        items: [expect.objectContaining({ name: 'Candour with care' })],
      }),
    ]);
    expect((await recordAs('mgr', 'per')).summary).toEqual([
      { name: 'Candour with care', texts: ['Said the hard thing kindly'] },
    ]);
    expect((await recordAs('kari', 'per')).status).toBe(403);

    const competency = await as('kari')('POST', '/feedback/praise', {
      employeeId: 'per',
      templateId: 'annual-review',
      itemId: 'craft',
      message: 'Nice code',
    });
    expect(competency.status).toBe(400);
    expect(JSON.stringify(competency.body)).toContain('itemId');
  });
});

describe('the manager’s appraisal', () => {
  it('shows the feedback the manager may read, by competency and value, without names', async () => {
    await as('kari')('POST', '/feedback/praise', {
      employeeId: 'ola',
      templateId: 'annual-review',
      itemId: 'ownership',
      message: 'Took the incident on a Sunday',
    });
    const since = Math.floor(Date.now() / 1000);
    const res = await hr('POST', '/cycles', {
      name: 'Spring review',
      startAt: new Date(Date.now()).toISOString(),
      participants: ['ola'],
    });
    expect(res.status).toBe(201);
    const answered = new Set<string>();
    let appraisal: string | undefined;
    await runUntilIdle(
      stack,
      () => appraisal !== undefined,
      async () => {
        for (const email of (await fetchInbox(stack.urls.inbox)).filter((e) => e.at >= since)) {
          const link = linkIn(email);
          if (!link) continue;
          if (emailKind(email) === 'manager-appraisal.request') appraisal = link;
          else if (emailKind(email).endsWith('.request') && !answered.has(link)) {
            answered.add(link);
            await answer(link, answered.size);
          }
        }
      },
    );

    const unsigned = await (await fetch(appraisal ?? '')).text();
    expect(unsigned).not.toMatch(/Careful reviews|Took the incident/);
    const page = (await openSignedIn(stack, 'mgr', appraisal ?? '')).text;
    expect(page).toContain('Feedback received since the last review');
    expect(page).toContain('Careful reviews');
    expect(page).toContain('Took the incident on a Sunday');
    const section = page.slice(page.indexOf('Feedback received since the last review'));
    expect(section.slice(0, section.indexOf('</section>'))).not.toContain('Kari');
  });
});

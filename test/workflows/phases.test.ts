import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogPath } from '../../cli/growcycle';
import {
  answer,
  type CapturedEmail,
  emailKind,
  fetchInboxItems,
  linkIn,
  submitForm,
} from '../../local/people';
import type { Execution } from '../../local/step-functions';
import { openSignedIn } from '../support/app-browser';
import { sampleCatalog } from '../support/catalog';
import { monasTeam, OSLO_STAFF } from '../support/fixtures';
import { runUntil, startTestStack, type TestStack } from '../support/local-stack';
import { scanTable } from '../support/table-scan';

/*
 * The phases around the appraisal, on the synthesized review workflow with the simulated clock: a
 * template with goal setting, calibration, the review meeting and the acknowledgment (the sample
 * template plus goal setting due on day 3). Ola's goals are returned once and then approved; HR
 * calibrates his review; the meeting is invited with an .ics and recorded as held; his manager
 * releases his results and he acknowledges them, disagreeing. Kari's results are never released.
 */

const START = new Date('2027-03-01T08:00:00Z'); // Monday
const DAY = 86_400_000;
const COMMENT = 'Make them measurable: a number, a date';
const DISAGREEMENT = 'The rating misses my Q4 migration work';

const people = monasTeam(OSLO_STAFF, [
  { employeeId: 'ola', name: 'Ola Oslo' },
  { employeeId: 'kari', name: 'Kari, Oslo' },
  { employeeId: 'per', name: 'Per Peer' },
]);

let stack: TestStack;
let cycleId = '';
let emails: CapturedEmail[] = [];

const call = async (who: string, hr: boolean, method: string, p: string, body?: unknown) => {
  const res = await fetch(`${stack.urls.api}${p}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.devToken(who, { hr })}` },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    text,
    body: (text.startsWith('{') ? JSON.parse(text) : {}) as Record<string, unknown>,
  };
};
const hr = (method: string, p: string, body?: unknown) => call('hr-test', true, method, p, body);

const to = (address: string) => emails.filter((e) => e.destination.to.includes(address));
const kindsTo = (address: string) => to(address).map(emailKind);
const reviewRun = (employeeId: string): Execution | undefined =>
  stack.sfn
    .list()
    .find(
      (e) =>
        e.stateMachineArn === stack.stateMachineArn('EmployeeReview') &&
        e.input.includes(cycleId) &&
        e.input.includes(`"${employeeId}"`),
    );
const entered = (e: Execution | undefined, state: string) =>
  e?.history.filter((h) => h.stateName === state && h.type.endsWith('StateEntered')).length ?? 0;
const sentAt = (email: CapturedEmail | undefined) => (email?.at ?? 0) * 1000;

type ReviewBody = {
  review: Record<string, unknown>;
  released: boolean;
  gapAnalysis?: unknown;
};
let beforeRelease: ReviewBody | undefined;
let afterRelease: ReviewBody | undefined;
let managerRelease: { status: number; body: Record<string, unknown> } | undefined;
let calibratedAt = 0;
/** The acknowledgment link's page, by recipient: opened from the link alone, and signed in. */
const acknowledgmentPages = new Map<string, { unsigned: string; signedIn: string }>();

beforeAll(async () => {
  stack = await startTestStack(new Date(START.getTime() - DAY));
  expect((await hr('PUT', '/employees', { employees: people })).status).toBe(200);
  const docs = sampleCatalog().map((d) =>
    d.kind === 'template'
      ? {
          ...d,
          id: 'phased-review',
          phases: { ...(d.phases as Record<string, unknown>), goalSetting: { dueDays: 3 } },
          // A release here drafts no plan: the template says so.
          developmentPlans: { draft: false },
        }
      : d,
  );
  for (const doc of docs) expect((await hr('PUT', catalogPath(doc.kind, doc.id), doc)).status).toBe(200);
  const scheduled = await hr('POST', '/cycles', {
    name: 'Spring review',
    templateId: 'phased-review',
    startAt: START.toISOString(),
    participants: ['ola', 'kari', 'per'],
  });
  expect(scheduled.status).toBe(201);
  cycleId = String(scheduled.body.cycleId);

  const handled = new Set<string>();
  let approvals = 0;
  const act = async (email: CapturedEmail) => {
    const kind = emailKind(email);
    const link = linkIn(email);
    const recipient = email.destination.to[0] ?? '';
    if (!link || !kind.endsWith('.request')) return;
    if (kind === 'goal-approval.request') {
      // Ola's first drafts go back with a comment; Per's go back every time; the rest are approved.
      const returnIt = (email.subject.includes('Ola') && approvals++ === 0) || email.subject.includes('Per');
      const values: Record<string, string> = returnIt
        ? { decision: 'return', comment: COMMENT }
        : { decision: 'approve', comment: '' };
      expect(await submitForm(link, values)).toBe(200);
      return;
    }
    if (kind === 'acknowledgment.request') {
      acknowledgmentPages.set(recipient, {
        unsigned: await (await fetch(link)).text(),
        signedIn: (await openSignedIn(stack, recipient.split('@')[0] ?? '', link)).text,
      });
      expect(await submitForm(link, { agreement: 'disagree', disagreement: DISAGREEMENT })).toBe(200);
      return;
    }
    expect(await answer(link, handled.size)).toBe(200);
    if (kind === 'manager-appraisal.request' && email.subject.includes('Ola')) {
      // HR calibrates Ola's review at once: his review need not wait for the calibration date.
      const res = await hr('POST', `/cycles/${cycleId}/reviews/ola/calibration`, {
        overall: 4,
        justification: 'Calibration session',
      });
      expect(res.status).toBe(200);
      calibratedAt = Date.now();
    }
    if (
      kind === 'review-meeting.request' &&
      email.subject.includes('Ola') &&
      recipient === 'mgr@example.com'
    ) {
      await stack.settle();
      beforeRelease = (await call('ola', false, 'GET', `/cycles/${cycleId}/reviews/ola?view=employee`))
        .body as ReviewBody;
      managerRelease = await call('mgr', false, 'POST', `/cycles/${cycleId}/reviews/ola/release`);
      afterRelease = (await call('ola', false, 'GET', `/cycles/${cycleId}/reviews/ola?view=employee`))
        .body as ReviewBody;
    }
  };
  await runUntil(
    stack,
    () =>
      ['ola', 'kari', 'per'].every(
        (id) => reviewRun(id) !== undefined && reviewRun(id)?.status !== 'RUNNING',
      ),
    async () => {
      emails = await fetchInboxItems(stack.urls.inbox);
      for (const email of emails) {
        if (handled.has(email.messageId)) continue;
        handled.add(email.messageId);
        await act(email);
      }
    },
  );
  emails = await fetchInboxItems(stack.urls.inbox);
}, 300_000);

afterAll(async () => {
  await stack?.dispose();
});

describe('goal setting', () => {
  it('returned once with a comment, then approved: two rounds, the comment in the second request, goals active', async () => {
    const requests = to('ola@example.com').filter((e) => emailKind(e) === 'goal-setting.request');
    expect(requests).toHaveLength(2);
    expect(requests[0]?.body.text).not.toContain(COMMENT);
    expect(requests[1]?.body.text).toContain(COMMENT);
    // Round 1 came with the review; only the return ran the round Lambda, which opened round 2.
    expect(entered(reviewRun('ola'), 'Open the next goal-setting round')).toBe(1);
    const goals = (await hr('GET', '/employees/ola/goals')).body.goals as Array<{ status: string }>;
    expect(goals.length).toBeGreaterThanOrEqual(2);
    expect(goals.every((g) => g.status === 'active')).toBe(true);
  });

  it('gates the rest of the review: the self-assessment is asked for only after the goals are approved', () => {
    const approvals = to('mgr@example.com').filter(
      (e) => emailKind(e) === 'goal-approval.request' && e.subject.includes('Ola'),
    );
    expect(approvals).toHaveLength(2);
    const self = to('ola@example.com').find((e) => emailKind(e) === 'self-assessment.request');
    expect(sentAt(self)).toBeGreaterThanOrEqual(sentAt(approvals[1]));
    // In the execution: the self-assessment is sent only after the round that settled the goals.
    const history = reviewRun('ola')?.history ?? [];
    const lastRound = history.findLastIndex((h) => h.stateName === 'Goals approved?');
    const firstSelf = history.findIndex((h) => h.stateName === 'Send self-assessment request');
    expect(lastRound).toBeGreaterThan(0);
    expect(firstSelf).toBeGreaterThan(lastRound);
    // Kari's goals were approved at once: one round.
    expect(kindsTo('kari@example.com').filter((k) => k === 'goal-setting.request')).toHaveLength(1);
  });

  it('costs five state transitions for a round approved at once: two human steps and the Choice on the decision', () => {
    const goalStates = [
      'Send goal-setting request',
      'Wait for draft goals',
      'Check on goal setting',
      'Send goal approval request',
      'Wait for goal approval',
      'Check on goal approval',
      'Goals approved?',
      'Open the next goal-setting round',
      'Another goal round?',
    ];
    const kari = reviewRun('kari');
    const perState = goalStates.map((state) => entered(kari, state));
    expect(perState.reduce((a, b) => a + b, 0)).toBe(5);
    expect(entered(kari, 'Open the next goal-setting round')).toBe(0);
  });

  it('records how the phase ended on the review: approved with the answer, escalated by the round Lambda', async () => {
    const statusOf = async (id: string) =>
      ((await hr('GET', `/cycles/${cycleId}/reviews/${id}`)).body.review as { goalStatus?: string })
        .goalStatus;
    expect(await statusOf('kari')).toBe('approved');
    expect(await statusOf('ola')).toBe('approved');
    expect(await statusOf('per')).toBe('escalated');
  });

  it('returned at every round: after the third, HR is told once and the review goes on without approved goals', async () => {
    expect(kindsTo('per@example.com').filter((k) => k === 'goal-setting.request')).toHaveLength(3);
    const told = to('hr@example.com').filter((e) => emailKind(e) === 'goal-approval.escalation');
    expect(told).toHaveLength(1);
    expect(told[0]?.body.text).toContain('Per Peer');
    expect(kindsTo('per@example.com')).toContain('self-assessment.request');
    const goals = (await hr('GET', '/employees/per/goals')).body.goals as Array<{ status: string }>;
    expect(goals.length).toBeGreaterThan(0);
    expect(goals.every((g) => g.status === 'draft')).toBe(true);
  });
});

describe('review meeting', () => {
  // The attachment's text with folded lines joined again (RFC 5545 folds at 75 octets).
  const attachment = (email: CapturedEmail | undefined) =>
    Buffer.from(email?.attachments?.[0]?.content ?? '', 'base64')
      .toString('utf8')
      .replace(/\r\n /g, '');

  it('invites the manager and the employee once each, with the same .ics event at 09:00 Oslo time', () => {
    const employeeCopies = to('ola@example.com').filter((e) => emailKind(e) === 'review-meeting.invitation');
    const managerCopies = to('mgr@example.com').filter(
      (e) => emailKind(e) === 'review-meeting.request' && e.subject.includes('Ola'),
    );
    expect(employeeCopies).toHaveLength(1);
    expect(managerCopies).toHaveLength(1);
    const ics = attachment(employeeCopies[0]);
    expect(employeeCopies[0]?.attachments?.[0]).toMatchObject({ filename: 'review-meeting.ics' });
    expect(employeeCopies[0]?.attachments?.[0]?.contentType).toMatch(/^text\/calendar/);
    // Day 18 is Friday 19 March; 09:00 in Oslo (UTC+1 before the clocks change) is 08:00 UTC.
    expect(ics).toContain('\r\nDTSTART:20270319T080000Z\r\n');
    expect(ics).toContain('\r\nORGANIZER;CN="Mona Manager":mailto:mgr@example.com\r\n');
    expect(ics).toMatch(/\r\nATTENDEE;CN="Ola Oslo";[^\r]*:mailto:ola@example.com\r\n/);
    const uid = /\r\nUID:([^\r]+)\r\n/.exec(ics)?.[1];
    expect(uid).toBeDefined();
    expect(attachment(managerCopies[0])).toContain(`\r\nUID:${uid}\r\n`);
  });

  it('escapes the comma in a name in the invitation', () => {
    // Kari's name has a comma: in TEXT it is escaped, so it cannot split the value.
    const kariInvite = to('kari@example.com').find((e) => emailKind(e) === 'review-meeting.invitation');
    expect(attachment(kariInvite)).toContain('SUMMARY:Review meeting: Kari\\, Oslo and Mona Manager');
  });

  it('waits for HR’s calibration, or the calibration date: Ola’s meeting is invited once calibrated, Kari’s on day 16', () => {
    const invited = (name: string) =>
      sentAt(
        to('mgr@example.com').find(
          (e) => emailKind(e) === 'review-meeting.request' && e.subject.includes(name),
        ),
      );
    expect(calibratedAt).toBeGreaterThan(0);
    expect(invited('Ola')).toBeLessThan(START.getTime() + 16 * DAY);
    expect(invited('Kari')).toBeGreaterThanOrEqual(START.getTime() + 16 * DAY);
  });

  it('is recorded as held by the manager through the form, and then gets no more email', async () => {
    const review = (await hr('GET', `/cycles/${cycleId}/reviews/ola`)).body as ReviewBody;
    expect(review.review.meetingHeldAt).toEqual(expect.any(String));
    expect(
      to('mgr@example.com').filter(
        (e) => emailKind(e).startsWith('review-meeting.') && e.subject.includes('Ola'),
      ),
    ).toHaveLength(1);
  });
});

describe('release and acknowledgment', () => {
  it('hides the ratings, the manager’s texts and the gap analysis from the employee until released', () => {
    expect(beforeRelease?.released).toBe(false);
    expect(beforeRelease?.review.managerAppraisal).toBeUndefined();
    expect(beforeRelease?.review.overallRating).toBeUndefined();
    expect(beforeRelease?.gapAnalysis).toBeUndefined();
    expect(managerRelease?.status).toBe(200);
    expect(afterRelease?.released).toBe(true);
    expect(afterRelease?.review.managerAppraisal).toBeDefined();
    expect(afterRelease?.gapAnalysis).toBeDefined();
  });

  it('drafts no development plan at release when the template says so; asked for, one is drafted', async () => {
    expect(managerRelease?.body.planId).toBeUndefined();
    expect((await hr('GET', '/plans?ownerId=ola')).body.plans).toEqual([]);
    const asked = await hr('POST', '/plans/draft', { cycleId, employeeId: 'ola' });
    expect(asked.status).toBe(201);
    expect((asked.body.plan as { status: string }).status).toBe('draft');
  });

  it('asks the employee to acknowledge only after the release, and shows the disagreement to HR', async () => {
    expect(kindsTo('ola@example.com')).toContain('acknowledgment.request');
    // The step was parked, unopened, when the manager released: the release woke it, long before its due date.
    expect(entered(reviewRun('ola'), 'Check on acknowledgment')).toBeGreaterThanOrEqual(1);
    const asked = to('ola@example.com').find((e) => emailKind(e) === 'acknowledgment.request');
    expect(sentAt(asked)).toBeLessThan(START.getTime() + 20 * DAY);
    const status = (await hr('GET', `/cycles/${cycleId}`)).body as {
      acknowledgments: {
        released: number;
        acknowledged: number;
        disagreements: Array<Record<string, string>>;
      };
    };
    expect(status.acknowledgments).toMatchObject({ released: 1, acknowledged: 1 });
    // The results reach the employee signed in; the link alone, forwarded or scanned, shows none.
    const pages = acknowledgmentPages.get('ola@example.com');
    expect(pages?.signedIn).toContain('<dt>Overall rating</dt>');
    expect(pages?.unsigned).not.toMatch(/Your results<|Overall rating|Development needs/);
    expect(pages?.unsigned).toContain('Sign in to see it');
    expect(status.acknowledgments.disagreements).toEqual([
      { employeeId: 'ola', at: expect.any(String), disagreement: DISAGREEMENT },
    ]);
    const csv = (await hr('GET', `/cycles/${cycleId}/export`)).text;
    expect(csv.split('\n')[0]).toContain('released_at,acknowledged_at,disagreement');
    expect(csv).toContain(DISAGREEMENT);
  });

  it('sends an acknowledged review no reminder or escalation, ever', () => {
    const ack = to('ola@example.com').filter((e) => emailKind(e).startsWith('acknowledgment.'));
    expect(ack.map(emailKind)).toEqual(['acknowledgment.request']);
    expect(
      emails.filter((e) => emailKind(e) === 'acknowledgment.escalation' && e.body.text?.includes('Ola')),
    ).toEqual([]);
    expect(reviewRun('ola')?.status).toBe('SUCCEEDED');
  });

  it('never released: HR is told at the acknowledgment date, the employee is never asked, the review ends', async () => {
    expect(kindsTo('kari@example.com')).not.toContain('acknowledgment.request');
    // Per's results were never released either.
    const told = to('hr@example.com').filter(
      (e) => emailKind(e) === 'acknowledgment.unreleased' && e.body.text?.includes('Kari, Oslo'),
    );
    expect(told).toHaveLength(1);
    expect(sentAt(told[0])).toBeGreaterThanOrEqual(START.getTime() + 21 * DAY);
    expect(reviewRun('kari')?.status).toBe('SUCCEEDED');
    const status = (await hr('GET', `/cycles/${cycleId}`)).body as {
      phases: Record<string, Record<string, number>>;
    };
    // Kari's and Per's acknowledgments closed unopened; Ola's was submitted.
    expect(status.phases.acknowledgment).toEqual({ pending: 0, open: 0, submitted: 1, expired: 2 });
  });
});

describe('a leaver pseudonymised', () => {
  const wholeTable = async (): Promise<string> => JSON.stringify(await scanTable());

  it('only once the retention period since leaving has passed: then name, address and every text gone, ratings and counts kept', async () => {
    const goal = { title: 'Halve the export latency', measure: 'p99 under 200 ms by June' };
    const aspiration = 'Lead the platform guild one day';
    expect(
      (await hr('POST', '/goals', { ownerId: 'ola', ...goal, weight: 10, dueDate: '2028-06-30' })).status,
    ).toBe(201);
    expect(
      (await hr('PUT', '/employees/ola/aspiration', { track: 'management', level: 3, note: aspiration }))
        .status,
    ).toBe(200);
    const before = (await hr('GET', '/employees/ola/export')).body as {
      reviews: Array<{ review: { overallRating?: number; selfAssessment?: Record<string, unknown> } }>;
      goals: { goals: Array<{ title: string; measure: string }> };
      answersGiven: Array<{ kind: string; subjectId: string; answer: unknown }>;
    };
    // The export holds what Ola answered about his colleagues too.
    expect(
      before.answersGiven.filter((a) => a.kind === 'peer-feedback' && a.answer !== null).length,
    ).toBeGreaterThan(0);
    expect(before.answersGiven.every((a) => a.subjectId !== 'ola')).toBe(true);
    const review = before.reviews[0]?.review;
    const texts = [
      'Ola Oslo',
      'ola@example.com',
      DISAGREEMENT,
      aspiration,
      ...Object.values(review?.selfAssessment ?? {}).filter(
        (v): v is string => typeof v === 'string' && v.length > 12,
      ),
      ...before.goals.goals.flatMap((g) => [g.title, g.measure]),
    ];
    // The simulated people reuse their sentences: only Ola's own words are looked for.
    const others = JSON.stringify(
      await Promise.all(
        ['kari', 'per', 'mgr'].map(async (id) => (await hr('GET', `/employees/${id}/export`)).body),
      ),
    );
    texts.splice(0, texts.length, ...texts.filter((t) => !others.includes(JSON.stringify(t).slice(1, -1))));
    expect(texts).toEqual(expect.arrayContaining([DISAGREEMENT, aspiration, goal.title, goal.measure]));
    const table = await wholeTable();
    for (const text of texts) expect(table, text).toContain(JSON.stringify(text).slice(1, -1));
    const statusBefore = (await hr('GET', `/cycles/${cycleId}`)).body as Record<string, unknown>;

    expect((await hr('POST', '/employees/ola/pseudonymise')).status).toBe(409);
    const ola = people.find((p) => p.employeeId === 'ola');
    expect((await hr('PUT', '/employees', { employees: [{ ...ola, status: 'left' }] })).status).toBe(200);
    const tooSoon = await hr('POST', '/employees/ola/pseudonymise');
    expect(tooSoon.status).toBe(409);
    expect(JSON.stringify(tooSoon.body)).toContain('retention period of 730 days');

    process.env.LEAVER_RETENTION_DAYS = '0';
    try {
      const done = await hr('POST', '/employees/ola/pseudonymise');
      expect(done.status).toBe(200);
      expect(done.body).toMatchObject({ outcome: 'done', employeeId: 'ola' });
      expect(Number(done.body.items)).toBeGreaterThan(5);
      const again = await hr('POST', '/employees/ola/pseudonymise');
      expect(again.body).toMatchObject({ pseudonymisedAt: done.body.pseudonymisedAt, items: 0 });
    } finally {
      delete process.env.LEAVER_RETENTION_DAYS;
    }

    const after = await wholeTable();
    for (const text of texts) {
      const at = after.indexOf(JSON.stringify(text).slice(1, -1));
      expect(at < 0 ? '' : after.slice(Math.max(0, after.lastIndexOf('{"', at - 300)), at + 100), text).toBe(
        '',
      );
    }
    const exported = (await hr('GET', '/employees/ola/export')).body as typeof before & {
      employee: { employee: { name: string } };
    };
    expect(exported.employee.employee.name).toMatch(/^Former employee [0-9a-f]{10}$/);
    expect(exported.reviews[0]?.review.overallRating).toBe(review?.overallRating);
    // The cycle's figures add up as before.
    const statusAfter = (await hr('GET', `/cycles/${cycleId}`)).body as Record<string, unknown>;
    for (const key of ['funnel', 'phases', 'counts'] as const)
      expect(statusAfter[key], key).toEqual(statusBefore[key]);
    // An HRIS import that still holds him does not bring the name back.
    expect((await hr('PUT', '/employees', { employees: [{ ...ola, status: 'left' }] })).status).toBe(200);
    expect(await wholeTable()).not.toContain('Ola Oslo');
  });
});

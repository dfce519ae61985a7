import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CapturedEmail, emailKind, fetchInboxItems, linkIn, readForm } from '../../local/people';
import { openSignedIn } from '../support/app-browser';
import { type CatalogDoc, sampleCatalog, withoutGoalSetting } from '../support/catalog';
import { team } from '../support/fixtures';
import { runUntil, startTestStack, type TestStack } from '../support/local-stack';

/*
 * A template-driven review end to end over HTTP on the local stack: the forms ask what the template
 * and framework say (goals, a rating per competency and behaviour with level descriptors), the
 * manager sees the self-assessment and the combined peer input, the overall rating comes from the
 * template's weights, HR calibrates, and the gap analysis ranks the development needs.
 */

const START = new Date('2027-03-01T08:00:00Z');
let stack: TestStack;
let cycleId: string;
const goalIds: string[] = [];

const hr = () => ({
  'content-type': 'application/json',
  authorization: `Bearer ${stack.devToken('hr-appraisal', { hr: true })}`,
});
const api = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${stack.urls.api}${path}`, {
    method,
    headers: hr(),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

const IC = { track: 'individual contributor', level: 4, managerId: 'lead' };
const people = team({ timeZone: 'Europe/Oslo' }, [
  { employeeId: 'lead', name: 'Lena Lead', title: 'Engineering Manager', track: 'management', level: 3 },
  { employeeId: 'p1', name: 'Pia One', ...IC },
  { employeeId: 'p2', name: 'Per Two', ...IC },
  { employeeId: 'p3', name: 'Petra Three', ...IC },
  { employeeId: 'p4', name: 'Paul Four', ...IC },
]);

const linkFor = async (to: string, kind: string): Promise<string | undefined> => {
  const inbox = await fetchInboxItems(stack.urls.inbox);
  const email = inbox.find((e: CapturedEmail) => e.destination.to.includes(to) && emailKind(e) === kind);
  return email && linkIn(email);
};

/** Opens the form behind a link and posts these fields, as a browser without JavaScript would. */
const submit = async (link: string, fields: Record<string, string>) => {
  const page = await (await fetch(link)).text();
  const form = readForm(page);
  if (!form) throw new Error(`No form at ${link}`);
  const res = await fetch(new URL(form.action, link), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, body: await res.text() };
};

const peerAnswer = (ownership: number, candour: number, craft: number, coaching: number) => ({
  'rating.ownership': String(ownership),
  'rating.candour': String(candour),
  'rating.craft': String(craft),
  'rating.coaching': String(coaching),
  strengths: 'Clear written updates.',
  growth: 'Share work earlier.',
});

const managerAnswer = () => ({
  [`goal.${goalIds[0]}`]: '3',
  [`goal.${goalIds[1]}`]: '4',
  'rating.ownership': '4',
  'rating.candour': '2',
  'rating.craft': '4',
  'rating.coaching': '1',
  'text.growth': 'Coaching newer colleagues.',
  summary: 'A strong cycle on the parser.',
  developmentNeeds: 'Candour in design reviews; coaching.',
});

type ReviewView = {
  review: {
    status: string;
    overallRating?: number;
    calibration?: Record<string, unknown>;
    selfAssessment?: Record<string, unknown>;
  };
  gapAnalysis?: {
    gaps: string[];
    strengths: string[];
    items: Array<Record<string, unknown>>;
    developmentNeeds: Array<Record<string, unknown>>;
  };
};
const reviewOf = async (view: 'hr' | 'employee' = 'hr') =>
  (await api('GET', `/cycles/${cycleId}/reviews/p1?view=${view}`)).body as unknown as ReviewView;

beforeAll(async () => {
  stack = await startTestStack(START);
  const [framework, template] = sampleCatalog() as [CatalogDoc, CatalogDoc];
  expect((await api('PUT', '/frameworks/company-2027', framework)).status).toBe(200);
  const phases = withoutGoalSetting(template).phases as Record<string, Record<string, unknown>>;
  // Three peers answer; a threshold of three (the least a template may set while peers stay
  // anonymous) lets the manager see their input combined. The goals come
  // from the goals API, so the review starts with the self-assessment (test/workflows/phases.test.ts
  // runs goal setting).
  const e2eTemplate = {
    ...template,
    id: 'appraisal-e2e',
    phases: { ...phases, peerFeedback: { ...phases.peerFeedback, anonymityThreshold: 3 } },
  };
  expect((await api('PUT', '/templates/appraisal-e2e', e2eTemplate)).status).toBe(200);
  expect((await api('PUT', '/employees', { employees: people })).status).toBe(200);
  for (const goal of [
    { title: 'Faster parser', measure: 'p95 under 200 ms', targetValue: 200, unit: 'ms', weight: 60 },
    { title: 'Parser docs', measure: 'Published', weight: 40 },
  ]) {
    const res = await api('POST', '/goals', { ownerId: 'p1', dueDate: '2027-06-30', ...goal });
    goalIds.push(String((res.body.goal as { goalId: string }).goalId));
  }
  await api('POST', `/goals/${goalIds[0]}/progress`, { value: 240, note: 'Halfway' });
  const cycle = await api('POST', '/cycles', {
    name: 'Template-driven',
    templateId: 'appraisal-e2e',
    participants: ['p1'],
    startAt: START.toISOString(),
  });
  expect(cycle.status).toBe(201);
  cycleId = String(cycle.body.cycleId);
  // HR edits the framework while the cycle runs: the cycle keeps asking what it was scheduled with.
  const renamed = {
    ...framework,
    competencies: ((framework?.competencies ?? []) as Array<Record<string, unknown>>).map((c) =>
      c.id === 'craft' ? { ...c, name: 'Craftsmanship' } : c,
    ),
  };
  expect((await api('PUT', '/frameworks/company-2027', renamed)).status).toBe(200);
  // The catalog's template has the manager nominate the peers: Lena chooses all three colleagues.
  await runUntil(
    stack,
    async () => (await linkFor('lead@example.com', 'peer-nomination.request')) !== undefined,
  );
  const nomination = (await linkFor('lead@example.com', 'peer-nomination.request')) as string;
  const form = readForm(await (await fetch(nomination)).text());
  const nominated = await fetch(new URL(form?.action ?? '', nomination), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams([
      ['peer', 'p2'],
      ['peer', 'p3'],
      ['peer', 'p4'],
    ]).toString(),
  });
  expect(nominated.status).toBe(200);
  // Each peer is emailed at their own point in the send hour: wait for all three.
  await runUntil(stack, async () =>
    (
      await Promise.all(['p2', 'p3', 'p4'].map((p) => linkFor(`${p}@example.com`, 'peer-feedback.request')))
    ).every((link) => link !== undefined),
  );
});

afterAll(async () => {
  await stack?.dispose();
});

describe('a template-driven review over HTTP', () => {
  it('keeps the framework the cycle was scheduled with, though HR renamed a competency since', async () => {
    const link = (await linkFor('p1@example.com', 'self-assessment.request')) as string;
    const page = await (await fetch(link)).text();
    expect(page).toContain('<legend>Craft (competency): how did you do?</legend>');
    expect(page).not.toContain('Craftsmanship');
  });

  it('asks the employee for goal progress and a rating with evidence per item, with level descriptors', async () => {
    const link = (await linkFor('p1@example.com', 'self-assessment.request')) as string;
    const page = await (await fetch(link)).text();
    expect(page).toContain(
      'How far did you get with: Faster parser (p95 under 200 ms; weight 60; latest progress 240 ms of 200)',
    );
    expect(page).toContain('<legend>Craft (competency): how did you do?</legend>');
    expect(page).toContain('<li><strong>3</strong>: Sees own work through and flags risks early.</li>');
    expect(readForm(page)?.texts).toContain('evidence.craft');
  });

  it('rejects a self-assessment missing an example, naming the field next to it, and stores nothing', async () => {
    const link = (await linkFor('p1@example.com', 'self-assessment.request')) as string;
    const result = await submit(link, { 'rating.craft': '5' });
    expect(result.status).toBe(400);
    expect(result.body).toContain(
      '<p class="error" id="evidence.craft-error">An example for Craft is required</p>',
    );
    expect((await reviewOf()).review.selfAssessment).toBeUndefined();
  });

  it('stores the self-assessment and the peer answers, and refuses calibration before the manager appraisal', async () => {
    const self = await submit((await linkFor('p1@example.com', 'self-assessment.request')) as string, {
      [`goal.${goalIds[0]}`]: '4',
      [`goal.${goalIds[1]}`]: '2',
      'rating.ownership': '4',
      'evidence.ownership': 'Ran the migration end to end.',
      'rating.candour': '3',
      'evidence.candour': 'Asked for review early.',
      'rating.craft': '5',
      'evidence.craft': 'Rewrote the <parser>.',
      'rating.coaching': '2',
      'evidence.coaching': 'Paired twice.',
      achievements: 'The parser.',
      growth: 'Coaching.',
    });
    expect(self.status).toBe(200);
    expect((await reviewOf()).review.selfAssessment).toMatchObject({
      ratings: { ownership: 4, candour: 3, craft: 5, coaching: 2 },
      goals: { [goalIds[0] as string]: 4, [goalIds[1] as string]: 2 },
    });
    const answers: Array<[string, ReturnType<typeof peerAnswer>]> = [
      ['p2', peerAnswer(3, 3, 4, 2)],
      ['p3', peerAnswer(4, 4, 4, 3)],
      ['p4', peerAnswer(3, 2, 5, 2)],
    ];
    for (const [peer, answer] of answers) {
      const link = (await linkFor(`${peer}@example.com`, 'peer-feedback.request')) as string;
      expect((await submit(link, answer)).status).toBe(200);
    }
    const early = await api('POST', `/cycles/${cycleId}/reviews/p1/calibration`, {
      overall: 3,
      justification: 'Too early',
    });
    expect(early.status).toBe(409);
  });

  it('shows the manager the self-assessment and the peer input combined, without names', async () => {
    await runUntil(
      stack,
      async () => (await linkFor('lead@example.com', 'manager-appraisal.request')) !== undefined,
    );
    const link = (await linkFor('lead@example.com', 'manager-appraisal.request')) as string;
    const page = (await openSignedIn(stack, 'lead', link)).text;
    expect(page).toContain('<dt>Craft</dt><dd>5 — Rewrote the &lt;parser&gt;.</dd>');
    expect(page).toContain('<dt>Craft, peer average</dt><dd>4.3</dd>');
    expect(page).toContain('<dt>Ownership, peer average</dt><dd>3.3</dd>');
    expect(page).not.toMatch(/Per Two|Petra Three|Paul Four/);
    const ratings = readForm(page)?.ratings.map((r) => r.name) ?? [];
    // Goals come by due date; these two share one, so their order between them is the store's.
    expect(ratings.slice(0, 2).sort()).toEqual([`goal.${goalIds[0]}`, `goal.${goalIds[1]}`].sort());
    expect(ratings.slice(2)).toEqual([
      'rating.ownership',
      'rating.candour',
      'rating.craft',
      'rating.coaching',
    ]);
  });

  it('shows the self-assessment and peer input to the manager signed in only: not to the link alone, nor to anyone else signed in', async () => {
    const link = (await linkFor('lead@example.com', 'manager-appraisal.request')) as string;
    const sensitive = /Rewrote the|peer average|Craft<\/dt>|self-assessment<\/h2>/;
    const { 'rating.craft': _craft, ...incomplete } = managerAnswer();
    const pages = {
      unsigned: await (await fetch(link)).text(),
      // A validation error shows the form again: with nothing more than the GET showed.
      refusedPost: (await submit(link, incomplete)).body,
      theEmployee: (await openSignedIn(stack, 'p1', link)).text,
    };
    for (const [who, page] of Object.entries(pages)) {
      expect(page, who).not.toMatch(sensitive);
      expect(page, who).toContain('Sign in to see it');
      // The questions are there: the answer can be given without signing in.
      expect(
        readForm(page)?.ratings.map((r) => r.name),
        who,
      ).toContain('rating.craft');
    }
    const signInLink = /href="([^"]*sign-in[^"]*)"/.exec(pages.unsigned)?.[1]?.replace(/&amp;/g, '&') ?? '';
    expect(new URL(signInLink, link).searchParams.get('next')).toBe(
      new URL(link).pathname + new URL(link).search,
    );
  });

  it('computes the overall rating from the template weights when the manager submits', async () => {
    const link = (await linkFor('lead@example.com', 'manager-appraisal.request')) as string;
    const { 'rating.craft': _craft, ...incomplete } = managerAnswer();
    const refused = await submit(link, incomplete);
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('id="rating.craft-error">Choose a rating for Craft</p>');
    expect((await submit(link, managerAnswer())).status).toBe(200);
    await runUntil(stack, async () => (await reviewOf()).review.status !== 'in-progress');
    // goals (3*60 + 4*40)/100 = 3.4 at 0.5; craft 4 at 0.3; ownership, candour, coaching mean 7/3 at 0.2
    expect((await reviewOf()).review).toMatchObject({ status: 'completed', overallRating: 3.37 });
  });

  it('stores the gap analysis against the role: shortfalls ranked, strengths listed, development needs spelled out', async () => {
    const { gapAnalysis } = await reviewOf();
    expect(gapAnalysis?.gaps).toEqual(['candour', 'coaching']);
    expect(gapAnalysis?.strengths).toEqual(['ownership', 'craft']);
    expect(gapAnalysis?.items.find((i) => i.competencyId === 'craft')).toMatchObject({
      expected: 3,
      self: 5,
      peerAverage: 4.3,
      manager: 4,
      gap: 1,
    });
    expect(gapAnalysis?.items.find((i) => i.competencyId === 'collaboration')).toMatchObject({
      expected: 3,
      manager: null,
      gap: null,
    });
    expect(gapAnalysis?.developmentNeeds.map((n) => [n.competencyId, n.shortfall])).toEqual([
      ['candour', 1],
      ['coaching', 1],
    ]);
  });

  it('lets HR calibrate with a justification, keeps the originals, recomputes the gaps and records who did it', async () => {
    const unjustified = await api('POST', `/cycles/${cycleId}/reviews/p1/calibration`, { overall: 3.5 });
    expect(unjustified.status).toBe(400);
    expect(unjustified.body.errors).toEqual([{ field: 'justification', message: expect.any(String) }]);
    const unrated = await api('POST', `/cycles/${cycleId}/reviews/p1/calibration`, {
      ratings: { collaboration: 3 },
      justification: 'x',
    });
    expect(unrated.body.errors).toEqual([
      { field: 'ratings.collaboration', message: 'the manager did not rate this' },
    ]);

    const calibrated = await api('POST', `/cycles/${cycleId}/reviews/p1/calibration`, {
      overall: 3.5,
      ratings: { coaching: 3 },
      justification: 'Mentored two new joiners, seen in the calibration session',
    });
    expect(calibrated.status).toBe(200);
    const { review, gapAnalysis } = await reviewOf();
    expect(review.overallRating).toBe(3.37);
    expect(review.calibration).toMatchObject({
      overall: { original: 3.37, calibrated: 3.5 },
      ratings: { coaching: { original: 1, calibrated: 3 } },
      by: 'hr-appraisal',
    });
    expect(gapAnalysis?.gaps).toEqual(['candour']);
    expect(gapAnalysis?.strengths).toEqual(['ownership', 'craft', 'coaching']);
    expect(gapAnalysis?.items.find((i) => i.competencyId === 'coaching')).toMatchObject({
      manager: 3,
      calibrated: true,
    });
    const trail = await api('GET', `/audit/${encodeURIComponent(`cycle#${cycleId}`)}`);
    expect(trail.body.events).toContainEqual(
      expect.objectContaining({
        actor: 'hr-appraisal',
        action: 'review.calibrated',
        details: { employeeId: 'p1', overall: true, ratings: ['coaching'] },
      }),
    );
  });

  it('refuses calibration in a cycle whose template has no calibration phase', async () => {
    const stored = (await api('GET', '/templates/appraisal-e2e')).body.doc as Record<string, unknown>;
    const phases = stored.phases as Record<string, unknown>;
    const without = {
      ...stored,
      id: 'no-calibration',
      phases: { ...phases, calibration: { enabled: false, dueDays: 16 } },
    };
    expect((await api('PUT', '/templates/no-calibration', without)).status).toBe(200);
    const other = await api('POST', '/cycles', {
      name: 'No calibration',
      templateId: 'no-calibration',
      participants: ['p2'],
      startAt: '2030-01-01T00:00:00Z',
    });
    const refused = await api('POST', `/cycles/${String(other.body.cycleId)}/reviews/p2/calibration`, {
      overall: 3,
      justification: 'Not this cycle',
    });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('no calibration phase');
  });

  it('exports the overall, calibrated overall, gaps and strengths in the CSV', async () => {
    const res = await fetch(`${stack.urls.api}/cycles/${cycleId}/export`, { headers: hr() });
    const [header, row] = (await res.text()).split('\r\n');
    // The release, acknowledgment and development-plan columns follow these.
    expect(header?.split(',').slice(-11, -7)).toEqual([
      'overall_rating',
      'calibrated_overall',
      'gaps',
      'strengths',
    ]);
    expect(row?.split(',').slice(-11, -7)).toEqual([
      '3.37',
      '3.5',
      'candour -1',
      'ownership +1; craft +1; coaching +1',
    ]);
  });
});

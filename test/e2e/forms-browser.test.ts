import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CapturedEmail,
  emailKind,
  fetchInbox,
  fetchInboxItems,
  linkIn,
  submitForm,
} from '../../local/people';
import { launchChromium } from '../support/browser';
import { type CatalogDoc, sampleCatalog, withoutGoalSetting } from '../support/catalog';
import { team } from '../support/fixtures';
import { runUntil, startTestStack, type TestStack } from '../support/local-stack';

/*
 * The email-link forms in a real headless Chromium (Debian's, driven by playwright-core): they work
 * without JavaScript, are labelled for assistive technology, validate on the server, escape what
 * people typed, and take one submission only.
 */

const START = new Date('2027-05-03T08:00:00Z');
const TRICKY_NAME = 'Zoë <b>Bold</b> "Q"';

let stack: TestStack;
let browser: Browser;
let cycleId: string;
const hr = () => ({ authorization: `Bearer ${stack.devToken('hr-test', { hr: true })}` });

const people = team({ timeZone: 'Europe/Oslo' }, [
  { employeeId: 'lead', name: 'Lena Lead', email: 'person0@example.com', title: 'Team Lead', level: 2 },
  { employeeId: 'p1', name: 'Pia One', email: 'person1@example.com', managerId: 'lead' },
  { employeeId: 'p2', name: TRICKY_NAME, email: 'person2@example.com', managerId: 'lead' },
  { employeeId: 'p3', name: 'Per Three', email: 'person3@example.com', managerId: 'lead' },
]);

const linkFor = async (address: string, kind: string, subject = ''): Promise<string> => {
  const inbox = await fetchInbox(stack.urls.inbox);
  const email = inbox.find(
    (e: CapturedEmail) =>
      e.destination.to.includes(address) && emailKind(e) === kind && e.subject.includes(subject),
  );
  const link = email && linkIn(email);
  if (!link) throw new Error(`No ${kind} email to ${address}`);
  return link;
};

const review = async (employeeId: string) =>
  (await (
    await fetch(`${stack.urls.api}/cycles/${cycleId}/reviews/${employeeId}?view=hr`, { headers: hr() })
  ).json()) as {
    review: { selfAssessment?: Record<string, unknown> };
  };

const open = async (
  link: string,
  javaScriptEnabled: boolean,
): Promise<{ page: Page; status: number; csp?: string }> => {
  const context = await browser.newContext({ javaScriptEnabled });
  const page = await context.newPage();
  const response = await page.goto(link);
  return {
    page,
    status: response?.status() ?? 0,
    csp: (await response?.allHeaders())?.['content-security-policy'],
  };
};

beforeAll(async () => {
  stack = await startTestStack(START);
  const put = await fetch(`${stack.urls.api}/employees`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...hr() },
    body: JSON.stringify({ employees: people }),
  });
  expect(put.status).toBe(200);
  const res = await fetch(`${stack.urls.api}/cycles`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...hr() },
    body: JSON.stringify({
      name: 'Browser cycle',
      startAt: START.toISOString(),
      participants: ['p1', 'p2', 'p3'],
    }),
  });
  cycleId = String(((await res.json()) as { cycleId: string }).cycleId);
  // The cycle starts now: fire its start and let the review executions send their requests.
  for (let i = 0; i < 50 && (await fetchInbox(stack.urls.inbox)).length < 9; i++) await stack.advance();
  await stack.settle();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stack?.dispose();
});

describe('forms in a browser', () => {
  it('opens a labelled self-assessment form that works without JavaScript, under a strict CSP', async () => {
    const { page, status, csp } = await open(
      await linkFor('person1@example.com', 'self-assessment.request'),
      false,
    );
    expect(status).toBe(200);
    expect(csp).toContain("default-src 'none'");
    expect(await page.title()).toBe('Your self-assessment · growcycle');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Your self-assessment');
    expect(await page.getByRole('radio', { name: '4 · Above' }).count()).toBe(1);
    expect(await page.getByLabel('What are you most proud of?').count()).toBe(1);
    expect(await page.getByLabel('Where do you want to grow next?').count()).toBe(1);
    await page.context().close();
  });

  it('shows a server-side error next to the empty field, keeps what was typed, and stores nothing', async () => {
    const { page } = await open(await linkFor('person1@example.com', 'self-assessment.request'), true);
    await page.getByRole('radio', { name: '3 · Meets' }).check();
    await page.getByLabel('What are you most proud of?').fill('Shipped the <new> importer & its docs');
    // Skip the browser's own checks so the server's validation answers.
    await page
      .locator('[required],[maxlength]')
      .evaluateAll((elements: Array<{ removeAttribute(name: string): void }>) => {
        for (const el of elements) {
          el.removeAttribute('required');
          el.removeAttribute('maxlength');
        }
      });
    const [response] = await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Submit my self-assessment' }).click(),
    ]);
    expect(response?.status()).toBe(400);
    expect(await page.getByRole('alert').textContent()).toContain('Please correct 1 field');
    expect(await page.locator('#growth-error').textContent()).toBe('Where you want to grow is required');
    expect(await page.getByLabel('What are you most proud of?').inputValue()).toBe(
      'Shipped the <new> importer & its docs',
    );
    expect((await review('p1')).review.selfAssessment).toBeUndefined();
    await page.context().close();
  });

  it('takes a complete answer, stores it, and answers the same link with "Already submitted" afterwards', async () => {
    const link = await linkFor('person1@example.com', 'self-assessment.request');
    const { page } = await open(link, false);
    await page.getByRole('radio', { name: '4 · Above' }).check();
    await page.getByLabel('What are you most proud of?').fill('Led the migration to the new CI');
    await page.getByLabel('Where do you want to grow next?').fill('Facilitating design reviews');
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/form.png', fullPage: true });
    await page.getByRole('button', { name: 'Submit my self-assessment' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Thank you');
    expect((await review('p1')).review.selfAssessment).toMatchObject({
      rating: 4,
      achievements: 'Led the migration to the new CI',
      growth: 'Facilitating design reviews',
    });
    const again = await page.goto(link);
    expect(again?.status()).toBe(409);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Already submitted');
    await page.context().close();
  });

  it('shows a name that contains markup as text, never as markup', async () => {
    const { page, status } = await open(
      await linkFor('person1@example.com', 'peer-feedback.request', 'Zoë'),
      false,
    );
    expect(status).toBe(200);
    expect(await page.locator('main').textContent()).toContain(`About ${TRICKY_NAME}.`);
    expect(await page.locator('main b').count()).toBe(0);
    await page.context().close();
    const { page: p2Page } = await open(
      await linkFor('person2@example.com', 'self-assessment.request'),
      false,
    );
    expect(await p2Page.locator('main').textContent()).toContain(`For ${TRICKY_NAME}.`);
    expect(await p2Page.locator('main b').count()).toBe(0);
    await p2Page.context().close();
  });
});

describe('a template-driven form in a browser', () => {
  const tessTeam = team({ timeZone: 'Europe/Oslo' }, [
    { employeeId: 'tlead', name: 'Tove Lead', title: 'Engineering Manager', level: 3, track: 'management' },
    ...['t1', 't2', 't3'].map((id) => ({
      employeeId: id,
      name: `Tess ${id}`,
      level: 4,
      track: 'individual contributor',
      managerId: 'tlead',
    })),
  ]);
  let templateCycleId: string;

  beforeAll(async () => {
    const headers = { 'content-type': 'application/json', ...hr() };
    const [framework, template] = sampleCatalog() as [CatalogDoc, CatalogDoc];
    // Without goal setting, so the review opens with the self-assessment this form is (goals: below).
    for (const [path, body] of [
      ['/frameworks/company-2027', framework],
      ['/templates/annual-review', withoutGoalSetting(template)],
      ['/employees', { employees: tessTeam }],
    ] as const) {
      const res = await fetch(`${stack.urls.api}${path}`, {
        method: 'PUT',
        headers,
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
    }
    const res = await fetch(`${stack.urls.api}/cycles`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'Template cycle', templateId: 'annual-review', participants: ['t1'] }),
    });
    templateCycleId = String(((await res.json()) as { cycleId: string }).cycleId);
    for (let i = 0; i < 50; i++) {
      const inbox = await fetchInbox(stack.urls.inbox);
      if (inbox.some((e) => e.destination.to.includes('t1@example.com'))) break;
      await stack.advance();
    }
    await stack.settle();
  });

  it('labels each rating group by its item, describes it with the level descriptors, and validates on the server', async () => {
    const { page, status } = await open(await linkFor('t1@example.com', 'self-assessment.request'), false);
    expect(status).toBe(200);
    const ownership = page.getByRole('group', { name: 'Ownership (value): how did you do?' });
    expect(await ownership.count()).toBe(1);
    const describedBy = (await ownership.getAttribute('aria-describedby')) ?? '';
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).toContain(
      "Takes on the team's hardest problems and brings others along.",
    );
    for (const item of ['Ownership (value)', 'Candour with care (value)', 'Craft (competency)']) {
      await page
        .getByRole('group', { name: `${item}: how did you do?` })
        .getByRole('radio', { name: '4 · Above' })
        .check();
    }
    await page.getByLabel('Ownership: an example from this cycle').fill('Ran the <migration>');
    await page
      .locator('[required]')
      .evaluateAll((elements: Array<{ removeAttribute(name: string): void }>) => {
        for (const el of elements) el.removeAttribute('required');
      });
    const [response] = await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Submit my self-assessment' }).click(),
    ]);
    expect(response?.status()).toBe(400);
    expect(await page.locator('[id="rating.coaching-error"]').textContent()).toBe(
      'Choose a rating for Coaching others',
    );
    expect(await page.getByLabel('Ownership: an example from this cycle').inputValue()).toBe(
      'Ran the <migration>',
    );
    const reviewRes = await fetch(`${stack.urls.api}/cycles/${templateCycleId}/reviews/t1?view=hr`, {
      headers: hr(),
    });
    expect(
      ((await reviewRes.json()) as { review: Record<string, unknown> }).review.selfAssessment,
    ).toBeUndefined();
    await page.context().close();
  });
});

describe('the goal-setting form in a browser', () => {
  const TRICKY_GOAL = 'Ship <b>v2</b> & "docs"';

  beforeAll(async () => {
    const headers = { 'content-type': 'application/json', ...hr() };
    const [framework, template] = sampleCatalog() as [CatalogDoc, CatalogDoc];
    const withGoals = {
      ...template,
      id: 'goals-first',
      phases: { ...(template?.phases as Record<string, unknown>), goalSetting: { dueDays: 3 } },
    };
    for (const [path, body] of [
      ['/frameworks/company-2027', framework],
      ['/templates/goals-first', withGoals],
    ] as const) {
      const res = await fetch(`${stack.urls.api}${path}`, {
        method: 'PUT',
        headers,
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
    }
    const res = await fetch(`${stack.urls.api}/cycles`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'Goals cycle', templateId: 'goals-first', participants: ['p3'] }),
    });
    expect(res.status).toBe(201);
    for (let i = 0; i < 50; i++) {
      const inbox = await fetchInbox(stack.urls.inbox);
      if (
        inbox.some(
          (e) => e.destination.to.includes('person3@example.com') && emailKind(e) === 'goal-setting.request',
        )
      )
        break;
      await stack.advance();
    }
    await stack.settle();
  });

  it('drafts a goal without JavaScript: a labelled form, the error next to the missing measure, then stored as a draft', async () => {
    const { page, status } = await open(await linkFor('person3@example.com', 'goal-setting.request'), false);
    expect(status).toBe(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Your goals');
    await page.getByLabel('Title').fill(TRICKY_GOAL);
    expect(await page.getByLabel('Weight (0–100)').inputValue()).toBe('25');
    await page
      .locator('[required]')
      .evaluateAll((elements: Array<{ removeAttribute(name: string): void }>) => {
        for (const el of elements) el.removeAttribute('required');
      });
    const [rejected] = await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Submit my goals for approval' }).click(),
    ]);
    expect(rejected?.status()).toBe(400);
    expect(await page.locator('[id="new.measure-error"]').textContent()).toBe('The measure is required');
    expect(await page.getByLabel('How progress is measured').getAttribute('aria-invalid')).toBe('true');
    // What was typed comes back as typed, escaped, not as markup.
    expect(await page.getByLabel('Title').inputValue()).toBe(TRICKY_GOAL);
    expect(await page.locator('b').count()).toBe(0);
    await page.getByLabel('How progress is measured').fill('Released with a migration guide');
    const [accepted] = await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Submit my goals for approval' }).click(),
    ]);
    expect(accepted?.status()).toBe(200);
    const goals = (await (await fetch(`${stack.urls.api}/employees/p3/goals`, { headers: hr() })).json()) as {
      goals: Array<{ title: string; measure: string; status: string; weight: number }>;
    };
    expect(goals.goals).toEqual([
      expect.objectContaining({
        title: TRICKY_GOAL,
        measure: 'Released with a migration guide',
        status: 'draft',
        weight: 25,
      }),
    ]);
    await page.context().close();
  });
});

describe('a development plan item’s one-click answers in a browser', () => {
  const DAY = 86_400_000;
  // One owner a path, so that each starts from a fresh item; Dag's item is blocked before the tests,
  // for his manager's decision. Plan emails go out at the owner's send hour, so time is run to it.
  const owners = { done: 'd1', blocked: 'd2', newDate: 'd3', decision: 'd4' } as const;
  const planIds: Record<string, string> = {};
  const planTeam = team({ timeZone: 'Europe/Oslo' }, [
    { employeeId: 'dlead', name: 'Dina Lead', title: 'Team Lead', level: 2 },
    { employeeId: 'd1', name: 'Ada One', managerId: 'dlead' },
    { employeeId: 'd2', name: 'Dora Two', managerId: 'dlead' },
    { employeeId: 'd3', name: 'Dan Three', managerId: 'dlead' },
    { employeeId: 'd4', name: 'Dag Four', managerId: 'dlead' },
  ]);

  /** The latest email part of the kind to the person, if it came. */
  const latest = async (employeeId: string, kind: string): Promise<CapturedEmail | undefined> =>
    (await fetchInboxItems(stack.urls.inbox))
      .reverse()
      .find((e) => e.destination.to.includes(`${employeeId}@example.com`) && emailKind(e) === kind);

  /** The link in that email that opens the form with `choice` chosen. */
  const choiceLink = async (employeeId: string, kind: string, choice: string): Promise<string> => {
    const text = (await latest(employeeId, kind))?.body.text ?? '';
    const link = new RegExp(`https?://\\S+choice=${choice}`).exec(text)?.[0];
    if (!link) throw new Error(`No ${choice} link in ${kind} to ${employeeId}`);
    return link;
  };

  type Item = {
    status: string;
    dueAt: string;
    blockedReason?: string;
    evidence?: { link?: string };
    history: Array<{ what: string }>;
  };
  const itemOf = async (employeeId: string): Promise<Item> => {
    const res = await fetch(`${stack.urls.api}/plans/${planIds[employeeId]}`, { headers: hr() });
    return ((await res.json()) as { plan: { items: Item[] } }).plan.items[0] as Item;
  };

  /** The values checked in a radio group: the answer the link chose, and only that one. */
  const checked = (page: Page, name: string) =>
    page
      .locator(`input[name="${name}"]:checked`)
      .evaluateAll((inputs: Array<{ value: string }>) => inputs.map((input) => input.value));

  const send = async (page: Page, button: string) => {
    const [response] = await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: button, exact: true }).click(),
    ]);
    return response?.status();
  };

  beforeAll(async () => {
    const headers = { 'content-type': 'application/json', ...hr() };
    const put = await fetch(`${stack.urls.api}/employees`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ employees: planTeam }),
    });
    expect(put.status).toBe(200);
    for (const ownerId of Object.values(owners)) {
      const res = await fetch(`${stack.urls.api}/plans`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          ownerId,
          title: `Grow ${ownerId}`,
          items: [
            {
              kind: 'practice',
              title: 'Lead a design review',
              dueAt: new Date(Date.now() + 10 * DAY).toISOString(),
            },
          ],
        }),
      });
      expect(res.status).toBe(201);
      planIds[ownerId] = String(((await res.json()) as { planId: string }).planId);
    }
    // The owners are asked at their send hour, 09:00 in Oslo on a weekday.
    const asked = async () =>
      (await Promise.all(Object.values(owners).map((id) => latest(id, 'action-item.request')))).every(
        Boolean,
      );
    await runUntil(stack, asked);
    expect(await asked()).toBe(true);
    expect(
      await submitForm(await choiceLink(owners.decision, 'action-item.request', 'blocked'), {
        choice: 'blocked',
        reason: 'No design review on the calendar',
      }),
    ).toBe(200);
    // The manager is asked at her next send slot.
    await runUntil(stack, async () => (await latest('dlead', 'item-decision.request')) !== undefined);
  });

  it('Done opens the form with Done chosen, takes an evidence link, and thanks the owner', async () => {
    const { page, status } = await open(await choiceLink(owners.done, 'action-item.request', 'done'), false);
    expect(status).toBe(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Your development action');
    expect(await checked(page, 'choice')).toEqual(['done']);
    await page.getByLabel('Evidence: a link (optional)').fill('https://wiki.example/design-review');
    expect(await send(page, 'Send')).toBe(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Thank you');
    expect(await itemOf(owners.done)).toMatchObject({
      status: 'done',
      evidence: { link: 'https://wiki.example/design-review' },
    });
    await page.context().close();
  });

  it('Blocked without a reason shows the error naming the field and changes nothing; with one, thanks the owner', async () => {
    const { page } = await open(await choiceLink(owners.blocked, 'action-item.request', 'blocked'), false);
    expect(await checked(page, 'choice')).toEqual(['blocked']);
    expect(await send(page, 'Send')).toBe(400);
    expect(await page.getByRole('alert').textContent()).toContain('Please correct 1 field');
    expect(await page.locator('#reason-error').textContent()).toBe(
      'What blocks it is required when it is blocked',
    );
    expect(await page.getByLabel('What blocks it?').getAttribute('aria-invalid')).toBe('true');
    // The answer the link chose is still chosen on the page that comes back.
    expect(await checked(page, 'choice')).toEqual(['blocked']);
    expect((await itemOf(owners.blocked)).status).toBe('open');
    await page.getByLabel('What blocks it?').fill('Waiting for a reviewer');
    expect(await send(page, 'Send')).toBe(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Thank you');
    expect(await itemOf(owners.blocked)).toMatchObject({
      status: 'blocked',
      blockedReason: 'Waiting for a reviewer',
    });
    await page.context().close();
  });

  it('Needs a new date opens with that answer chosen and moves the item to the date picked', async () => {
    const { page } = await open(await choiceLink(owners.newDate, 'action-item.request', 'new-date'), false);
    expect(await checked(page, 'choice')).toEqual(['new-date']);
    expect(await page.getByLabel('New due date').getAttribute('type')).toBe('date');
    // Twenty days on: within the 30 days the default policy lets an owner move a date on their own.
    const picked = new Date(Date.now() + 20 * DAY).toISOString().slice(0, 10);
    await page.getByLabel('New due date').fill(picked);
    expect(await send(page, 'Send')).toBe(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Thank you');
    const item = await itemOf(owners.newDate);
    expect(item.status).toBe('open');
    expect(item.dueAt.slice(0, 10)).toBe(picked);
    expect(item.history.map((h) => h.what)).toEqual(['added', 'new date']);
    await page.context().close();
  });

  it('the manager’s Unblock opens the decision form with Unblock chosen and unblocks the item', async () => {
    const link = await choiceLink('dlead', 'item-decision.request', 'unblock');
    const { page, status } = await open(link, false);
    expect(status).toBe(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Dag Four’s development action');
    // Why the item is blocked is Dag's to tell: the link alone does not show it; signing in does,
    // and comes back to the same form with the same answer chosen.
    expect(await page.locator('main').textContent()).not.toContain('No design review on the calendar');
    await page.getByRole('link', { name: 'Sign in to see it' }).click();
    await page.locator('button[name="as"][value="dlead"]').click();
    expect(page.url()).toBe(link);
    expect(await page.locator('main').textContent()).toContain('No design review on the calendar');
    expect(await checked(page, 'decision')).toEqual(['unblock']);
    expect(await send(page, 'Send my decision')).toBe(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Thank you');
    const item = await itemOf(owners.decision);
    expect(item.status).toBe('open');
    expect(item.history.map((h) => h.what)).toEqual(['added', 'blocked', 'unblocked']);
    await page.context().close();
  });
});

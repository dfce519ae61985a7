import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../cli/growcycle';
import { answer } from '../../local/people';
import { CATALOG_YAML, SAMPLE_ORG_CSV } from '../../local/sample-org';
import { launchChromium } from '../support/browser';
import { apiAs, runUntil, startTestStack, type TestStack } from '../support/local-stack';
import { expectAccessible, screenshot, signedInPage } from '../support/pages';

/*
 * A manager's team, an employee's own page and feedback, in headless Chromium. A small cycle runs
 * for Ola (e10) far enough that his results are released and his acknowledgment waits for him; then
 * Ola walks his page and the feedback page, records goal progress, sets his aspiration, asks two
 * colleagues for feedback and praises one, all by clicking, and Ingrid (e04), his manager, walks her
 * team and Ola's page. Every page passes axe-core.
 */

const START = new Date('2027-09-06T07:00:00Z');
let stack: TestStack;
let browser: Browser;
let cycleId = '';

type Owed = { kind: string; link?: string; cycleId?: string };
/** The form a person owes of one kind, read through the route their page reads. */
const owedLink = async (employeeId: string, kind: string): Promise<string | undefined> => {
  const answered = await apiAs(stack, employeeId)('GET', `/employees/${employeeId}/requests`);
  return (answered.body.requests as Owed[]).find((r) => r.kind === kind && r.link)?.link;
};

/** Runs the clock until `employeeId` owes a form of `kind`, and answers it. */
const answerWhenOpen = async (employeeId: string, kind: string, seed: number) => {
  await runUntil(stack, async () => (await owedLink(employeeId, kind)) !== undefined);
  const link = await owedLink(employeeId, kind);
  expect(link, `${employeeId} owes a ${kind}`).toBeDefined();
  expect(await answer(link ?? '', seed)).toBe(200);
};

beforeAll(async () => {
  stack = await startTestStack(START);
  const hr = stack.devToken('hr-admin-1', { hr: true });
  const io = { out: () => undefined, err: () => undefined, isTty: false };
  expect(await run(['import-org', SAMPLE_ORG_CSV, '--api', stack.urls.api, '--token', hr], io)).toBe(0);
  expect(await run(['apply', CATALOG_YAML, '--api', stack.urls.api, '--token', hr], io)).toBe(0);
  const asHr = apiAs(stack, 'hr-admin-1', { hr: true });
  // The sample's annual review without the phases that wait on more people: self-assessment,
  // the manager's appraisal, the release and the acknowledgment.
  const template = (await asHr('GET', '/templates/annual-review')).body.doc as Record<string, unknown>;
  const phases = template.phases as Record<string, Record<string, unknown>>;
  const off = { enabled: false, dueDays: 1 };
  expect(
    (
      await asHr('PUT', '/templates/team-quick', {
        ...template,
        id: 'team-quick',
        name: 'Quick review',
        phases: {
          ...phases,
          goalSetting: off,
          peerFeedback: { ...phases.peerFeedback, enabled: false },
          calibration: off,
          reviewMeeting: off,
        },
      })
    ).status,
  ).toBe(200);
  const cycle = await asHr('POST', '/cycles', {
    name: 'Autumn check',
    templateId: 'team-quick',
    participants: ['e10'],
    startAt: START.toISOString(),
  });
  expect(cycle.status).toBe(201);
  cycleId = String(cycle.body.cycleId);
  await answerWhenOpen('e10', 'self-assessment', 1);
  await answerWhenOpen('e04', 'manager-appraisal', 2);
  expect((await apiAs(stack, 'e04')('POST', `/cycles/${cycleId}/reviews/e10/release`)).status).toBe(200);
  await runUntil(stack, async () => (await owedLink('e10', 'acknowledgment')) !== undefined);
  const goal = await asHr('POST', '/goals', {
    ownerId: 'e10',
    title: 'Faster onboarding API',
    measure: 'p95 under 200 ms',
    targetValue: 200,
    unit: 'ms',
    weight: 40,
    dueDate: '2027-12-31',
  });
  expect(goal.status).toBe(201);
  const praise = await apiAs(stack, 'e11')('POST', '/feedback/praise', {
    employeeId: 'e10',
    templateId: 'annual-review',
    itemId: 'ownership',
    message: 'Took the release over the line on Friday.',
  });
  expect(praise.status).toBe(201);
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await stack?.dispose();
});

const open = async (page: Page, path: string) => {
  await page.goto(`${stack.urls.api}${path}`);
  await expectAccessible(page);
};
const notice = (page: Page) => page.getByRole('status').textContent();

describe("an employee's own page and feedback, as Ola", () => {
  let page: Page;
  beforeAll(async () => {
    ({ page } = await signedInPage(browser, stack, 'e10'));
  });

  it('shows what he owes with its form link, his released result and its acknowledgment link', async () => {
    await open(page, '/me');
    const owed = page.getByRole('table', { name: 'Requests waiting for you' });
    expect(await owed.getByRole('link', { name: 'Open the form' }).count()).toBeGreaterThan(0);
    const reviews = page.getByRole('table', { name: 'Reviews' });
    expect(await reviews.textContent()).toContain('Autumn check');
    const ack = reviews.getByRole('link', { name: 'Acknowledge', exact: true });
    expect(await ack.getAttribute('href')).toMatch(/\/r\/[^?]+\?k=\w+&n=[\w-]{22}&e=\d+.*&s=/);
    expect(await reviews.getByRole('link', { name: /^Released/ }).count()).toBe(1);
    expect(await page.getByRole('table', { name: /^Ratings against the role's expectations/ }).count()).toBe(
      1,
    );
    await screenshot(page, 'me');
  });

  it('records progress on a goal and sets his aspiration by clicking', async () => {
    await page.getByLabel('Value', { exact: true }).fill('240');
    await page.getByLabel('Note', { exact: true }).fill('Cache in place');
    await page.getByRole('button', { name: 'Record progress' }).click();
    expect(await notice(page)).toBe('Progress recorded.');
    expect(await page.getByRole('table', { name: 'Goals' }).textContent()).toContain('240 ms Cache in place');

    await page.getByLabel('Track').fill('management');
    await page.getByLabel('Level').fill('5');
    await page.getByLabel('In your words').fill('Lead the platform team');
    await page.getByRole('button', { name: 'Save my aspiration' }).click();
    expect(await notice(page)).toBe('Aspiration saved.');
    expect(await page.textContent('main')).toContain('Lead the platform team');
    await expectAccessible(page);
  });

  it('asks two colleagues for feedback, sees the request and opens it', async () => {
    await open(page, '/feedback');
    await screenshot(page, 'feedback');
    await page.getByLabel("Colleagues' employee ids, separated by commas").fill('e11, e12');
    await page.getByRole('checkbox', { name: /^Ownership/ }).check();
    await page.getByLabel('A question of your own').fill('What should I keep doing?');
    await page.getByRole('checkbox', { name: /^Anonymous/ }).check();
    await page.getByRole('button', { name: 'Ask for feedback' }).click();
    expect(await notice(page)).toBe('Feedback asked for.');
    const asks = page.getByRole('table', { name: 'Requests you made' });
    expect(await asks.textContent()).toContain('What should I keep doing?');
    await asks.getByRole('link').first().click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('A request for feedback');
    expect(await page.textContent('main')).toContain('Not shown until enough people answered');
    await expectAccessible(page);
    await screenshot(page, 'feedback-ask');
  });

  it('gives praise tied to a company value', async () => {
    await open(page, '/feedback');
    await page.getByLabel("Colleague's employee id").fill('e11');
    await page.getByLabel('Value or behaviour').selectOption({ label: 'Ownership (value)' });
    await page.getByLabel('What you saw').fill('Explained the new API to the whole team.');
    await page.getByRole('button', { name: 'Give praise' }).click();
    expect(await notice(page)).toBe('Praise given.');
  });
});

describe("a manager's team, as Ingrid", () => {
  let page: Page;
  beforeAll(async () => {
    ({ page } = await signedInPage(browser, stack, 'e04'));
  });

  it('shows her reports with what they have pending, and Ola’s page with his record', async () => {
    await open(page, '/team');
    const ola = page
      .getByRole('table', { name: 'Your direct reports' })
      .getByRole('row', { name: /^Ola Haugen/ });
    expect(await ola.textContent()).toContain('Acknowledge results');
    await screenshot(page, 'team');
    await ola.getByRole('link', { name: 'Ola Haugen' }).click();
    expect(new URL(page.url()).pathname).toBe('/team/e10');
    await expectAccessible(page);
    const main = await page.textContent('main');
    expect(main).toContain('Autumn check');
    expect(main).toContain('Lead the platform team');
    expect(main).toContain('Took the release over the line on Friday.');
    // What Ola owes is shown to his manager without the links that answer it.
    expect(await page.getByRole('link', { name: 'Open the form' }).count()).toBe(0);
    await screenshot(page, 'team-member');
  });

  it('asks two colleagues about Ola for her own view', async () => {
    await open(page, '/team/e10');
    await page.getByRole('link', { name: 'Ask for feedback about Ola Haugen' }).click();
    expect(await page.getByLabel('About', { exact: true }).inputValue()).toBe('e10');
    await page.getByRole('checkbox', { name: 'Emma Johansen' }).check();
    await page.getByRole('checkbox', { name: 'Noah Larsen' }).check();
    await page.getByLabel('A question of your own').fill('How does Ola share what he knows?');
    await page.getByRole('button', { name: 'Ask for feedback' }).click();
    expect(await notice(page)).toBe('Feedback asked for.');
    const row = page.getByRole('table', { name: 'Requests you made' }).getByRole('row').nth(1);
    expect(await row.textContent()).toContain('Ola Haugen');
    expect(await row.textContent()).toContain('How does Ola share what he knows?');
    await expectAccessible(page);
  });

  it('refuses the page of someone outside her line', async () => {
    const res = await page.goto(`${stack.urls.api}/team/e05`);
    expect(res?.status()).toBe(403);
  });
});

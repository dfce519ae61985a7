import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Io, run } from '../../cli/growcycle';
import { answer, inboxReader, itemsIn, submitForm } from '../../local/people';
import { CATALOG_YAML, SAMPLE_ORG_CSV } from '../../local/sample-org';
import { launchChromium } from '../support/browser';
import { apiAs, runUntil, startTestStack, type TestStack } from '../support/local-stack';
import { expectAccessible, screenshot, signedInPage } from '../support/pages';

/*
 * HR's console in headless Chromium: a small cycle of the sample organisation run on the simulated
 * clock until its manager appraisals are two days overdue (everyone answers but James, e18, and Lars, e05, who
 * never writes his appraisals), then HR walks the cycles, the cycle, its calibration and the plans,
 * and pulls the levers by clicking: reassign, extend, add a participant, calibrate, release.
 */

const START = new Date('2027-09-06T08:00:00Z');
const CYCLE = 'Autumn 2027 review';
const PARTICIPANTS = ['e10', 'e11', 'e12', 'e13', 'e14', 'e17', 'e18'];
const DAY = 86_400_000;

let stack: TestStack;
let browser: Browser;
let page: Page;
let cycleId: string;

type Status = {
  funnel: Record<string, number>;
  overdue: Array<{ kind: string; recipientId: string; daysOverdue: number }>;
  cycle: { closeAt: string; participants: number };
};

/** The people of the cycle act on what their emails ask, but for the two who stay silent. */
const actOnInbox = (read: () => Promise<Awaited<ReturnType<ReturnType<typeof inboxReader>>>>) => {
  const done = new Set<string>();
  return async () => {
    for (const email of await read()) {
      const to = email.destination.to[0] ?? '';
      for (const item of itemsIn(email)) {
        const step = item.kind.replace(/\.request$/, '');
        if (!item.link || !item.kind.endsWith('.request') || done.has(item.link)) continue;
        // James answers nothing; a blocked item stays blocked, its manager's decision left open.
        if (to.startsWith('james.wilson@') || step === 'item-decision') continue;
        if (to.startsWith('lars.nilsen@') && step === 'manager-appraisal') continue;
        done.add(item.link);
        const link = item.link;
        if (step === 'goal-approval') await persist(() => submitForm(link, { decision: 'approve' }));
        else if (step === 'action-item') {
          // Each owner answers about the course only: Sofie took it, Ella waits for a seat.
          if (!item.title.includes('Take the course')) continue;
          await persist(() =>
            submitForm(
              link,
              to.startsWith('sofie.andersen@')
                ? { choice: 'done' }
                : { choice: 'blocked', reason: 'Waiting for a seat on the course' },
            ),
          );
        } else {
          const seed = done.size;
          await persist(() => answer(link, seed));
        }
      }
    }
  };
};

/**
 * Sends a form again, as a person would, when it was not saved (the page said to try again: a busy
 * moment under load, or a passing error), once whatever it was in flight has settled.
 */
const persist = async (send: () => Promise<number>): Promise<void> => {
  for (let attempt = 1; attempt <= 3; attempt++) {
    const status = await send();
    if (status < 500 && status !== 409) return;
    await stack.settle();
  }
};

beforeAll(async () => {
  stack = await startTestStack(START);
  const io: Io = { out: () => {}, err: () => {}, isTty: false };
  const token = stack.devToken('hr-admin-1', { hr: true });
  const cli = (...args: string[]) => run([...args, '--api', stack.urls.api, '--token', token], io);
  expect(await cli('import-org', SAMPLE_ORG_CSV, '--full')).toBe(0);
  expect(await cli('apply', CATALOG_YAML)).toBe(0);
  const api = apiAs(stack, 'hr-admin-1', { hr: true });
  const scheduled = await api('POST', '/cycles', {
    name: CYCLE,
    templateId: 'annual-review',
    participants: PARTICIPANTS,
    startAt: START.toISOString(),
  });
  expect(scheduled.status).toBe(201);
  cycleId = String(scheduled.body.cycleId);
  const next = await api('POST', '/cycles', {
    name: 'Spring 2028 review',
    templateId: 'annual-review',
    participants: ['e19', 'e20', 'e21'],
    startAt: '2028-03-06T08:00:00Z',
  });
  expect(next.status).toBe(201);
  const due = (days: number) => new Date(START.getTime() + days * DAY).toISOString();
  for (const [ownerId, title] of [
    ['e09', 'Lead the design reviews'],
    ['e15', 'Grow into test automation'],
  ] as const) {
    const plan = await api('POST', '/plans', {
      ownerId,
      title,
      items: [
        { title: 'Take the course', kind: 'training', dueAt: due(4) },
        { title: 'Run two sessions for the team', kind: 'practice', dueAt: due(10) },
        { title: 'Write up what changed', kind: 'practice', dueAt: due(60) },
      ],
    });
    expect(plan.status).toBe(201);
  }
  const status = async () => (await api('GET', `/cycles/${cycleId}`)).body as unknown as Status;
  await runUntil(
    stack,
    async () => {
      const s = await status();
      return (
        (s.funnel.appraised ?? 0) >= 3 &&
        s.overdue.some((o) => o.kind === 'manager-appraisal' && o.daysOverdue >= 2)
      );
    },
    actOnInbox(inboxReader(stack.urls.inbox)),
  );
  const reached = await status();
  expect(reached.overdue.some((o) => o.kind === 'manager-appraisal' && o.recipientId === 'e05')).toBe(true);
  browser = await launchChromium();
  ({ page } = await signedInPage(browser, stack, 'e24:hr'));
  // Every page is on the local stack: a control not there in seconds is not coming.
  page.setDefaultTimeout(5_000);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await stack?.dispose();
});

const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name });
const notice = () => page.getByRole('status').textContent();
const fact = async (term: string) => page.locator(`dl.facts dt:text-is("${term}") + dd`).textContent();

describe('HR’s console for cycles, calibration and plans', () => {
  it('lists the cycles by status, with their progress by phase and overdue count', async () => {
    await nav('Cycles').click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Cycles');
    const running = page.getByRole('table', { name: 'Running cycles' });
    const row = running.getByRole('row', { name: new RegExp(CYCLE) });
    expect(await row.textContent()).toMatch(/Self-assessment: \d+ of 7/);
    const scheduled = page.getByRole('table', { name: 'Scheduled cycles' });
    expect(await scheduled.getByRole('row', { name: /Spring 2028 review/ }).count()).toBe(1);
    await expectAccessible(page);
    await screenshot(page, 'hr-cycles');
  });

  it('shows the cycle’s funnel as a chart with its figures, and who is overdue', async () => {
    await page.getByRole('link', { name: CYCLE }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(CYCLE);
    const funnel = page.getByRole('figure', { name: /Participants at each step/ });
    expect(await funnel.getByRole('img', { name: 'Participants at each step' }).count()).toBe(1);
    const figures = await funnel.locator('table').textContent();
    expect(figures).toContain('Launched7 of 7');
    expect(figures).toMatch(/Manager appraisal done[3-5] of 7/);
    const overdue = page.getByRole('table', { name: /Overdue requests/ });
    expect(await overdue.getByRole('row', { name: /Manager appraisal Lars Nilsen/ }).count()).toBeGreaterThan(
      0,
    );
    await expectAccessible(page);
    await screenshot(page, 'hr-cycle');
  });

  it('reassigns an overdue appraisal from its row', async () => {
    const overdue = page.getByRole('table', { name: /Overdue requests/ });
    const lars = overdue.getByRole('row', { name: /Manager appraisal Lars Nilsen/ });
    const before = await lars.count();
    await lars.first().getByRole('link', { name: 'Reassign' }).click();
    await page.getByLabel('New reviewer (employee id)').fill('e02');
    await page.getByLabel('Why').first().fill('Lars is on leave');
    await page.getByRole('button', { name: 'Reassign' }).click();
    expect(await notice()).toBe('Request reassigned.');
    expect(await overdue.getByRole('row', { name: /Manager appraisal Lars Nilsen/ }).count()).toBe(
      before - 1,
    );
  });

  it('extends the deadlines of the whole cycle', async () => {
    const closes = await fact('Closes');
    await page.getByLabel('Days later').fill('3');
    await page.getByRole('button', { name: 'Extend' }).click();
    expect(await notice()).toBe('Deadlines extended.');
    expect(await fact('Closes')).not.toBe(closes);
  });

  it('adds a participant', async () => {
    await page.getByLabel('Add employees (ids, separated by commas)').fill('e15');
    await page.getByRole('button', { name: 'Add to the cycle' }).click();
    expect(await notice()).toBe('Participants added.');
    expect(await fact('Participants')).toBe('8');
  });

  it('downloads the results as CSV', async () => {
    const res = await page.request.get(`${stack.urls.api}/hr/cycles/${cycleId}/export`);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-disposition']).toBe(`attachment; filename="cycle-${cycleId}.csv"`);
    expect((await res.text()).split('\r\n')[0]).toMatch(/^employee_id,name,manager_id,/);
  });

  it('charts the ratings by department and manager, and calibrates one, listing the adjustment', async () => {
    await page.getByRole('link', { name: 'Calibration' }).click();
    expect(await page.getByRole('img', { name: 'Ratings by department' }).count()).toBe(1);
    expect(await page.getByRole('img', { name: 'Ratings by manager' }).count()).toBe(1);
    expect(await page.getByText('Ratings HR calibrated: none yet.').isVisible()).toBe(true);
    await page.getByLabel('Participant', { exact: true }).selectOption({ index: 0 });
    await page.getByLabel(/Calibrated overall rating/).fill('2');
    await page.getByLabel('Why').fill('Held to the same bar as the rest of Engineering');
    await page.getByRole('button', { name: 'Calibrate' }).click();
    expect(await notice()).toBe('Review calibrated.');
    const adjustments = page.getByRole('table', { name: 'Ratings HR calibrated' });
    expect(await adjustments.textContent()).toContain('Held to the same bar as the rest of Engineering');
    await expectAccessible(page);
    await screenshot(page, 'hr-calibration');
  });

  it('releases the results from the cycle’s page', async () => {
    await page.getByRole('link', { name: `Back to ${CYCLE}` }).click();
    await page.getByRole('button', { name: 'Release results' }).click();
    expect(await notice()).toBe('Results released.');
    const figures = await page
      .getByRole('figure', { name: /Participants at each step/ })
      .locator('table')
      .textContent();
    expect(figures).toMatch(/Calibrated1 of 8/);
    expect(figures).toMatch(/Released[1-9] of 8/);
    await expectAccessible(page);
  });

  it('lists the development plans with their completion, and opens one with its items', async () => {
    await nav('Plans').click();
    const plans = page.getByRole('table', { name: 'Active' });
    expect(await plans.getByRole('row', { name: /Lead the design reviews .* 1 of 3/ }).count()).toBe(1);
    expect(await plans.getByRole('row', { name: /Grow into test automation .* 0 of 3 1 / }).count()).toBe(1);
    await expectAccessible(page);
    await screenshot(page, 'hr-plans');
    await page.getByLabel('Show').selectOption('any');
    await page.getByRole('button', { name: 'Show' }).click();
    expect(await page.getByRole('table', { name: 'Every plan' }).isVisible()).toBe(true);
    await page.getByRole('link', { name: 'Grow into test automation' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Grow into test automation');
    const items = page.getByRole('table', { name: 'Items' });
    expect(await items.getByRole('row').count()).toBe(4);
    expect(await items.textContent()).toContain('Take the course');
    await expectAccessible(page);
    await screenshot(page, 'hr-plan');
  });
});

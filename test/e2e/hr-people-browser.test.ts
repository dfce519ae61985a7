import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Io, run } from '../../cli/growcycle';
import { db } from '../../domain/platform/table';
import { CATALOG_YAML, SAMPLE_ORG_CSV } from '../../local/sample-org';
import { launchChromium } from '../support/browser';
import { employee } from '../support/fixtures';
import { startTestStack, type TestStack } from '../support/local-stack';
import { expectAccessible, screenshot, signedInPage } from '../support/pages';

/*
 * HR's people, import, catalog and audit pages in headless Chromium: HR walks the org chart and a
 * person, uploads an HRIS export whose headers and statuses are written the HRIS's way, maps a column
 * the import does not recognise, previews (one row is wrong), applies the rest and sees the chart
 * change; then reads the catalog, an earlier revision of a template, the emails it sends, and the
 * audit trail. Every page passes axe.
 */

let stack: TestStack;
let browser: Browser;
let page: Page;

/** An export as an HRIS writes it: "Line Mgr" is no header the import knows, statuses are the HRIS's words. */
const EXPORT = [
  'Personnel Number,Worker,Work Email,Line Mgr,Business Title,Grade,Dept,Office,Work Time Zone,Hire Date,Worker Status',
  'n01,Nadia Nygaard,nadia.nygaard@example.com,e04,Platform Engineer,L3,Engineering,Oslo,Oslo,02/08/2027,Active',
  'e10,Ola Haugen,ola.haugen@example.com,e04,Engineer,Level 4,Engineering,Oslo,Europe/Oslo,06/01/2020,On Leave',
  'n02,Nils Nordby,nils.nordby@example.com,e04,Engineer,L3,Engineering,Oslo,Oslo,02/08/2027,Seconded',
].join('\r\n');

const heading = () => page.getByRole('heading', { level: 1 }).textContent();
const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name });

beforeAll(async () => {
  stack = await startTestStack(new Date('2027-09-06T08:00:00Z'));
  const token = stack.devToken('hr-admin-1', { hr: true });
  const io: Io = { out: () => undefined, err: () => undefined, isTty: false };
  expect(await run(['import-org', SAMPLE_ORG_CSV, '--api', stack.urls.api, '--token', token], io)).toBe(0);
  expect(await run(['apply', CATALOG_YAML, '--api', stack.urls.api, '--token', token], io)).toBe(0);
  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${stack.urls.api}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  // HR's own admin is in the organisation, so the development sign-in page offers them.
  const hrAdmin = employee('hr-admin-1', {
    name: 'Hanne Admin',
    title: 'HR Partner',
    level: 3,
    timeZone: 'Europe/Oslo',
  });
  expect((await api('PUT', '/employees', { employees: [{ ...hrAdmin, managerId: 'e01' }] })).status).toBe(
    200,
  );
  // A second revision of the template, so its page has an earlier one to show.
  const template = (await (await api('GET', '/templates/annual-review')).json()) as { doc: { name: string } };
  const renamed = { ...template.doc, name: 'Annual review (revised)' };
  expect((await api('PUT', '/templates/annual-review', renamed)).status).toBe(200);
  // An address SES reported as bouncing (domain/mail/bounces.ts records the same).
  await db()
    .employee.patch({ employeeId: 'e12' })
    .set({ emailProblem: { type: 'bounce', at: '2027-09-05T10:00:00.000Z', messageId: 'sample-message' } })
    .go();
  browser = await launchChromium();
  ({ page } = await signedInPage(browser, stack, 'hr-admin-1:hr'));
});

afterAll(async () => {
  await browser?.close();
  await stack?.dispose();
});

describe("HR's people, import, catalog and audit pages", () => {
  it('shows the org chart, leavers, people on leave and bounced addresses, and one person', async () => {
    await nav('People').click();
    expect(await heading()).toBe('People');
    const chart = page.locator('main > ul.org');
    expect(await chart.locator('> li > a').first().textContent()).toBe('Amara Okafor');
    expect(await chart.textContent()).toMatch(
      /Ingrid Berg · Engineering Manager, Platform · Engineering · level 3 \(\d+ direct, \d+ in all\)/,
    );
    const bounced = page.getByRole('table', { name: 'Bounced addresses' });
    expect(await bounced.textContent()).toContain('bounce');
    await expectAccessible(page);
    await screenshot(page, 'hr-people');

    await chart.getByRole('link', { name: 'Ola Haugen' }).click();
    expect(await heading()).toBe('Ola Haugen');
    const chain = page.locator('main ol');
    expect(await chain.textContent()).toContain('Ingrid Berg');
    expect(await chain.textContent()).toContain('Amara Okafor');
    await expectAccessible(page);
    await screenshot(page, 'hr-person');
  });

  it('imports an HRIS export: upload, map a column, preview a bad row, apply the rest, see the chart change', async () => {
    await nav('People').click();
    await page.getByRole('link', { name: 'Import an HRIS export' }).click();
    expect(await heading()).toBe('Import an HRIS export');
    await expectAccessible(page);
    await page
      .getByLabel('The export (CSV)')
      .setInputFiles({ name: 'workday-export.csv', mimeType: 'text/csv', buffer: Buffer.from(EXPORT) });
    await page.getByRole('button', { name: 'Preview' }).click();
    expect(await heading()).toBe('Preview the import');
    // The export's own headers, each with the field the import recognised it as.
    expect(await page.getByLabel('Worker Status').inputValue()).toBe('status');
    expect(await page.getByLabel('Line Mgr').inputValue()).toBe('');
    await page.getByLabel('Line Mgr').selectOption('manager_id');
    await page.getByRole('button', { name: 'Preview again with this mapping' }).click();
    expect(await page.getByLabel('Line Mgr').inputValue()).toBe('manager_id');
    const rows = page.getByRole('table', { name: /Rows the import changes/ });
    expect(await rows.getByRole('row', { name: /n01/ }).textContent()).toContain('new');
    expect(await rows.getByRole('row', { name: /e10/ }).textContent()).toContain('status: active → on-leave');
    const bad = await rows.getByRole('row', { name: /n02/ }).textContent();
    expect(bad).toContain('invalid');
    expect(bad).toContain('Worker Status "Seconded": unknown status');
    await expectAccessible(page);
    await screenshot(page, 'hr-import-preview');

    await page.getByLabel(/skip the 1 row/).check();
    await page.getByRole('button', { name: 'Apply the import' }).click();
    expect(await heading()).toBe('Import applied');
    const done = page.getByRole('table', { name: 'What the import did' });
    expect(await done.getByRole('row').nth(1).textContent()).toBe('311001');
    expect(await page.getByRole('table', { name: 'Errors per row' }).textContent()).toContain('Seconded');
    await expectAccessible(page);

    await page.getByRole('link', { name: 'See the org chart' }).click();
    const ingrid = page
      .locator('main > ul.org li', { has: page.getByRole('link', { name: 'Ingrid Berg' }) })
      .first();
    expect(await ingrid.getByRole('link', { name: 'Nadia Nygaard' }).count()).toBe(1);
    expect(await page.getByRole('table', { name: 'On leave' }).textContent()).toContain('Ola Haugen');
    expect(await page.getByRole('link', { name: 'Nils Nordby' }).count()).toBe(0);
  });

  it('shows the catalog, a template with its revisions, an earlier revision, and the emails it sends', async () => {
    await nav('Catalog').click();
    expect(await heading()).toBe('Catalog');
    const templates = page.getByRole('table', { name: 'Cycle templates' });
    expect(await templates.getByRole('row', { name: /annual-review/ }).textContent()).toContain('hr-admin-1');
    expect(await page.getByRole('table', { name: 'Plan policies' }).textContent()).toContain(
      'performance-improvement',
    );
    await expectAccessible(page);
    await screenshot(page, 'hr-catalog');

    await templates.getByRole('link', { name: 'Annual review (revised)' }).click();
    expect(await heading()).toBe('Annual review (revised)');
    expect(await page.getByRole('table', { name: 'Phases' }).textContent()).toContain('Self-assessment');
    expect(await page.getByRole('table', { name: 'Questions' }).getByRole('row').count()).toBeGreaterThan(1);
    const revisions = page.getByRole('table', { name: 'Every revision, newest first' });
    expect(await revisions.getByRole('row').count()).toBe(3);
    await expectAccessible(page);
    await screenshot(page, 'hr-template');
    await revisions.getByRole('link', { name: 'Show revision 1' }).click();
    expect(await heading()).not.toBe('Annual review (revised)');
    expect(await page.textContent('main')).toContain('an earlier revision');
    await expectAccessible(page);

    await page.getByRole('link', { name: 'Preview the emails it sends' }).click();
    expect(await heading()).toMatch(/^Emails of /);
    expect(await page.textContent('main')).toContain('Your self-assessment for Annual review 2027 (sample)');
    expect(await page.getByRole('heading', { name: 'Digest' }).count()).toBe(1);
    await expectAccessible(page);
    await screenshot(page, 'hr-emails');

    await nav('Catalog').click();
    await page.getByRole('table', { name: 'Competency frameworks' }).getByRole('link').first().click();
    expect(await page.getByRole('table', { name: 'Expected level, per track and level' }).count()).toBe(1);
    await expectAccessible(page);
    await nav('Catalog').click();
    await page
      .getByRole('table', { name: 'Plan policies' })
      .getByRole('link', { name: 'Preview emails' })
      .first()
      .click();
    expect(await page.textContent('main')).toContain('Development action: Lead the next incident review');
    await expectAccessible(page);
  });

  it("shows the day's changes across the organisation and one entity's trail", async () => {
    await nav('Audit').click();
    expect(await heading()).toBe('Audit trail');
    const today = page.getByRole('table', { name: /^Changes on 2027-09-06/ });
    expect(await today.textContent()).toContain('template.saved');
    await expectAccessible(page);
    await screenshot(page, 'hr-audit');
    await today.getByRole('link', { name: 'template#annual-review' }).first().click();
    expect(await heading()).toBe('Audit trail of template#annual-review');
    expect(await page.getByRole('table').getByRole('row').count()).toBe(3);
    await expectAccessible(page);
  });
});

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Io, run } from '../../cli/growcycle';
import { SAMPLE_ORG_CSV } from '../../local/sample-org';
import { launchChromium } from '../support/browser';
import { startTestStack, type TestStack } from '../support/local-stack';
import { expectAccessible, screenshot } from '../support/pages';

/*
 * Signing in to the app in headless Chromium through the local development sign-in page: the
 * browser keeps the Secure session cookie over http://localhost (a secure context) and shows home.
 */

let stack: TestStack;
let browser: Browser;

beforeAll(async () => {
  stack = await startTestStack(new Date('2027-06-01T08:00:00Z'));
  const io: Io = { out: () => {}, err: () => {}, isTty: false };
  const token = stack.devToken('hr', { hr: true });
  expect(
    await run(['import-org', SAMPLE_ORG_CSV, '--full', '--api', stack.urls.api, '--token', token], io),
  ).toBe(0);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stack?.dispose();
});

describe('signing in with a browser', () => {
  it('signs in as a person chosen on the development page, sees home, and signs out', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${stack.urls.api}/`);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Development sign-in' }).isVisible()).resolves.toBe(true);
    await page
      .getByRole('row', { name: /Grace Liu/ })
      .getByRole('button', { name: 'Sign in', exact: true })
      .click();
    // A click that navigates resolves once the navigation, redirects included, has landed.
    expect(page.url()).toBe(`${stack.urls.api}/`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Welcome, Grace Liu');
    expect(await page.textContent('main')).toContain('Manager, Employee');
    await expectAccessible(page);
    await screenshot(page, 'home');
    const [session] = (await context.cookies()).filter((c) => c.name === 'growcycle_session');
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });

    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(page.url()).toBe(`${stack.urls.api}/`);
    expect(await page.getByRole('link', { name: 'Sign in' }).isVisible()).toBe(true);
    expect((await context.cookies()).some((c) => c.name === 'growcycle_session')).toBe(false);
    await context.close();
  });
});

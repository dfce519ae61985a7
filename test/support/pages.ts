import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { TestStack } from './local-stack';

/*
 * The app's pages in headless Chromium: signing in as someone through the development sign-in page,
 * checking a page with axe-core, and (under `npm run screenshots`) saving what it looks like to docs/.
 */

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** A browser context signed in as `as` ("e04", or "e02:hr" for HR) through the development issuer. */
export const signedInPage = async (
  browser: Browser,
  stack: TestStack,
  as: string,
): Promise<{ context: BrowserContext; page: Page }> => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${stack.urls.api}/auth/sign-in`);
  await page.locator(`button[name="as"][value="${as}"]`).click();
  expect(new URL(page.url()).pathname).toBe('/');
  return { context, page };
};

type AxeResult = {
  violations: Array<{ id: string; impact?: string | null; help: string; nodes: unknown[] }>;
};

/**
 * Runs axe-core on the page as it stands and fails on any serious or critical violation. The script
 * is evaluated through the DevTools protocol, which the pages' strict CSP (no scripts) does not govern.
 */
export const expectAccessible = async (page: Page): Promise<void> => {
  const result = (await page.evaluate(
    `(async () => { ${axeSource}\n; return await axe.run(document, { resultTypes: ['violations'] }); })()`,
  )) as AxeResult;
  const grave = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.length})`);
  expect(grave, `axe on ${new URL(page.url()).pathname}`).toEqual([]);
};

const SCREENSHOTS = path.join(
  path.dirname(new URL(import.meta.url).pathname),
  '..',
  '..',
  'docs',
  'screenshots',
);

/** Saves the whole page to docs/screenshots/<name>.png when GROWCYCLE_SCREENSHOTS is set (`npm run screenshots`). */
export const screenshot = async (page: Page, name: string): Promise<void> => {
  if (!process.env.GROWCYCLE_SCREENSHOTS) return;
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
};

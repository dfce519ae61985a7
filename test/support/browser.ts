import { type Browser, chromium } from 'playwright-core';

/* Headless Chromium for the end-to-end browser tests: Debian's build, quiet, with no sandbox in CI. */

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });

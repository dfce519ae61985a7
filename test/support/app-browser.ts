import type { TestStack } from './local-stack';

/*
 * The app as a browser without JavaScript uses it: a cookie jar, requests that follow no redirect,
 * sign-in through the local development issuer's page, and forms posted with the session's CSRF token.
 */

export type Jar = Map<string, string>;

/** A request as a browser makes it: no redirects followed, cookies from the jar sent and updated. */
export const browse = async (stack: TestStack, jar: Jar, url: string, init: RequestInit = {}) => {
  const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const res = await fetch(new URL(url, stack.urls.api), {
    ...init,
    redirect: 'manual',
    headers: { ...(cookie ? { cookie } : {}), ...(init.headers as Record<string, string>) },
  });
  for (const set of res.headers.getSetCookie()) {
    const [pair = ''] = set.split(';');
    const [name = '', value = ''] = pair.split('=');
    if (value) jar.set(name, value);
    else jar.delete(name);
  }
  return { res, text: await res.text(), setCookies: res.headers.getSetCookie() };
};

const unescapeHtml = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");

export const hiddenFields = (page: string) =>
  Object.fromEntries(
    [...page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [
      m[1] as string,
      unescapeHtml(m[2] as string),
    ]),
  );

export const csrfOf = (page: string) => /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

/** Starts a sign-in and answers the development sign-in page as `as` ("e04", or "e02:hr"); the callback's URL. */
export const chooseOnDevPage = async (stack: TestStack, jar: Jar, as: string, from = '/auth/sign-in') => {
  const start = await browse(stack, jar, from);
  const authorize = start.res.headers.get('location') ?? '';
  const devPage = await browse(stack, jar, authorize);
  const chosen = await browse(stack, jar, '/oauth2/authorize', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...hiddenFields(devPage.text), as }).toString(),
  });
  return { start, devPage, callback: chosen.res.headers.get('location') ?? '' };
};

/** Signs in as `as` through the development issuer; the jar holds the session cookie. */
export const signIn = async (stack: TestStack, as: string) => {
  const jar: Jar = new Map();
  const { callback } = await chooseOnDevPage(stack, jar, as);
  const done = await browse(stack, jar, callback);
  return { jar, done };
};

/** Posts a page's form as the browser would from the app's own origin, with the session's CSRF token. */
export const submit = async (stack: TestStack, jar: Jar, action: string, fields: Record<string, string>) => {
  const home = await browse(stack, jar, '/');
  return browse(stack, jar, action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams({ csrf: csrfOf(home.text), ...fields }).toString(),
  });
};

/** An email link opened by its recipient signed in to the app: the page as they see it. */
export const openSignedIn = async (stack: TestStack, as: string, link: string) => {
  const { jar } = await signIn(stack, as);
  return browse(stack, jar, link);
};

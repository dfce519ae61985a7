import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Io, run } from '../../cli/growcycle';
import { credentialsFile } from '../../cli/login';
import { db } from '../../domain/platform/table';
import type { HttpResult } from '../../functions/shared/http';
import { type SignedInEvent, signedIn } from '../../functions/shared/session';
import { SAMPLE_ORG_CSV } from '../../local/sample-org';
import {
  browse as browseAs,
  chooseOnDevPage as chooseAs,
  csrfOf,
  hiddenFields,
  type Jar,
  signIn as signInAs,
} from '../support/app-browser';
import { startTestStack, type TestStack } from '../support/local-stack';

/*
 * The app's sign-in against the local stack's development issuer: authorization code with PKCE, the
 * session cookie's flags, CSRF protection of sign-out, sign-out ending the session, and refresh.
 */

let stack: TestStack;

const browse = (jar: Jar, url: string, init: RequestInit = {}) => browseAs(stack, jar, url, init);
const chooseOnDevPage = (jar: Jar, as: string, from?: string) => chooseAs(stack, jar, as, from);
const signIn = (as: string) => signInAs(stack, as);

const signOutForm = (jar: Jar, fields: Record<string, string>, headers: Record<string, string>) =>
  browse(jar, '/auth/sign-out', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });

beforeAll(async () => {
  stack = await startTestStack(new Date('2027-06-01T08:00:00Z'));
  const io: Io = { out: () => {}, err: () => {}, isTty: false };
  const code = await run(
    [
      'import-org',
      SAMPLE_ORG_CSV,
      '--full',
      '--api',
      stack.urls.api,
      '--token',
      stack.devToken('hr', { hr: true }),
    ],
    io,
  );
  expect(code).toBe(0);
});

afterAll(async () => {
  await stack?.dispose();
});

describe('signing in to the app', () => {
  it('signs in through the development page: the session cookie is HttpOnly, Secure, SameSite=Lax and / names the person', async () => {
    const jar: Jar = new Map();
    const signedOut = await browse(jar, '/');
    expect(signedOut.text).toContain('href="/auth/sign-in"');

    const { start, devPage, callback } = await chooseOnDevPage(jar, 'e02:hr');
    expect(start.res.status).toBe(303);
    expect(start.setCookies[0]).toMatch(
      /^growcycle_signin=.+; HttpOnly; Secure; SameSite=Lax; Path=\/auth\//,
    );
    const authorize = new URL(start.res.headers.get('location') ?? '');
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(devPage.text).toContain('Amara Okafor');
    expect(devPage.text).toContain('Henrik Dahl');
    expect(new URL(callback).pathname).toBe('/auth/callback');

    const done = await browse(jar, callback);
    expect(done.res.status).toBe(303);
    expect(done.res.headers.get('location')).toBe('/');
    const session = done.setCookies.find((c) => c.startsWith('growcycle_session='));
    expect(session).toMatch(/; HttpOnly; Secure; SameSite=Lax; Path=\/;/);

    const home = await browse(jar, '/');
    expect(home.text).toContain('Henrik Dahl');
    expect(home.text).toContain('HR admin, Manager, Employee');
    expect(home.res.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('comes back to the page asked for once signed in, and only to a page of this site', async () => {
    const cases: Array<[string, string]> = [
      ['/team/e10?tab=plans', '/team/e10?tab=plans'],
      ['/r/abc?k=1&n=2&e=3&a=0&s=x', '/r/abc?k=1&n=2&e=3&a=0&s=x'],
      ['//evil.example/x', '/'],
      ['/\\evil.example', '/'],
      ['https://evil.example/', '/'],
      ['/a"><b>', '/'],
    ];
    for (const [next, back] of cases) {
      const jar: Jar = new Map();
      const { callback } = await chooseOnDevPage(
        jar,
        'e05',
        `/auth/sign-in?${new URLSearchParams({ next })}`,
      );
      const done = await browse(jar, callback);
      expect(done.res.headers.get('location'), next).toBe(back);
    }
  });

  it('refuses a callback whose state is not the one started in this browser', async () => {
    const jar: Jar = new Map();
    const { callback } = await chooseOnDevPage(jar, 'e05');
    const forged = new URL(callback);
    forged.searchParams.set('state', 'someone-elses-state');
    const refused = await browse(jar, forged.toString());
    expect(refused.res.status).toBe(400);
    expect(refused.text).toContain('does not belong to the sign-in started here');
    expect(jar.has('growcycle_session')).toBe(false);
  });

  it('refuses a code redeemed with another PKCE verifier', async () => {
    const jar: Jar = new Map();
    const { callback } = await chooseOnDevPage(jar, 'e05');
    const [state = '', nonce = ''] = (jar.get('growcycle_signin') ?? '').split('.');
    // The attacker's browser holds the same state but its own verifier.
    jar.set('growcycle_signin', `${state}.${nonce}.${'x'.repeat(43)}`);
    const refused = await browse(jar, callback);
    expect(refused.res.status).toBe(400);
    expect(refused.text).toContain('did not confirm who you are');
    expect(jar.has('growcycle_session')).toBe(false);
  });

  it('refuses a sign-out without the CSRF token or from another origin, and the session goes on', async () => {
    const { jar } = await signIn('e05');
    const csrf = csrfOf((await browse(jar, '/')).text);
    const noToken = await signOutForm(jar, {}, { origin: stack.urls.api });
    expect(noToken.res.status).toBe(403);
    expect(noToken.text).toContain('This form has expired');
    const crossSite = await signOutForm(jar, { csrf }, { origin: 'https://evil.example' });
    expect(crossSite.res.status).toBe(403);
    expect(crossSite.text).toContain('came from another site');
    expect((await browse(jar, '/')).text).toContain('Sign out');
  });

  it('signs out through the issuer, and the old cookie no longer works', async () => {
    const { jar } = await signIn('e05');
    const oldCookie = jar.get('growcycle_session') ?? '';
    const csrf = csrfOf((await browse(jar, '/')).text);
    const out = await signOutForm(jar, { csrf }, { origin: stack.urls.api });
    expect(out.res.status).toBe(303);
    const logout = new URL(out.res.headers.get('location') ?? '');
    expect(logout.pathname).toBe('/logout');
    expect((await browse(new Map(), logout.toString())).res.headers.get('location')).toBe(
      `${stack.urls.api}/`,
    );
    const replayed = await browse(new Map([['growcycle_session', oldCookie]]), '/');
    expect(replayed.text).toContain('href="/auth/sign-in"');
    expect(replayed.text).not.toContain('Sign out');
  });

  it('refreshes the ID token once it has expired, keeping the person signed in', async () => {
    const { jar } = await signIn('e05');
    const sessionHash = createHash('sha256')
      .update(jar.get('growcycle_session') ?? '')
      .digest('base64url');
    await db().session.patch({ sessionHash }).set({ idTokenExpiresAt: 0 }).go();
    const home = await browse(jar, '/');
    expect(home.text).toContain('Sign out');
    const after = (await db().session.get({ sessionHash }).go()).data;
    expect(after?.idTokenExpiresAt).toBeGreaterThan(0);
  });
});

describe('the signedIn middleware', () => {
  it('hands a page the signed-in person, or sends a browser without a session to sign in', async () => {
    const { jar } = await signIn('e04');
    const page = middy<SignedInEvent, HttpResult>()
      .use(signedIn())
      .handler(async (event) => ({
        statusCode: 200,
        body: `${event.user.employeeId} ${event.user.manager}`,
      }));
    const get = (cookies: string[]) =>
      page(
        {
          headers: {},
          cookies,
          rawPath: '/team/e10',
          rawQueryString: 'tab=plans',
          requestContext: { http: { method: 'GET' } },
        } as unknown as SignedInEvent,
        {} as Context,
      );
    expect(await get([`growcycle_session=${jar.get('growcycle_session')}`])).toMatchObject({
      statusCode: 200,
      body: 'e04 true',
    });
    // Signed in, the browser comes back to the page it asked for.
    expect(await get([])).toMatchObject({
      statusCode: 303,
      headers: { location: '/auth/sign-in?next=%2Fteam%2Fe10%3Ftab%3Dplans' },
    });
    expect(await get([`growcycle_session=${'x'.repeat(43)}`])).toMatchObject({ statusCode: 303 });
  });
});

describe('signing in from the CLI', () => {
  const cliIn = (env: NodeJS.ProcessEnv) => {
    const out: string[] = [];
    const err: string[] = [];
    let sawUrl: (url: string) => void = () => {};
    const url = new Promise<string>((resolve) => {
      sawUrl = resolve;
    });
    const io: Io = {
      out: (l) => out.push(l),
      err: (l) => {
        err.push(l);
        const found = /Sign in at: (\S+)/.exec(l)?.[1];
        if (found) sawUrl(found);
      },
      isTty: false,
    };
    return {
      io,
      out,
      err,
      url,
      run: (...args: string[]) => run([...args, '--api', stack.urls.api], io, env),
    };
  };
  const env: NodeJS.ProcessEnv = { XDG_CONFIG_HOME: mkdtempSync(path.join(tmpdir(), 'growcycle-cli-')) };
  const stored = () =>
    JSON.parse(readFileSync(credentialsFile(env), 'utf8')) as Record<string, { idToken: string }>;

  it('logs in through a loopback redirect and keeps the token owner-only in the config folder', async () => {
    const cli = cliIn(env);
    const loggingIn = cli.run('login');
    const jar: Jar = new Map();
    const devPage = await browse(jar, await cli.url);
    expect(devPage.text).toContain('Grace Liu');
    const chosen = await browse(jar, '/oauth2/authorize', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...hiddenFields(devPage.text), as: 'e03' }).toString(),
    });
    const loopback = new URL(chosen.res.headers.get('location') ?? '');
    expect(`${loopback.hostname}${loopback.pathname}`).toBe('127.0.0.1/callback');
    expect((await fetch(loopback)).status).toBe(200);
    expect(await loggingIn).toBe(0);
    expect(cli.out).toEqual([`signed in to ${stack.urls.api}`]);
    expect(statSync(credentialsFile(env)).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(credentialsFile(env))).mode & 0o777).toBe(0o700);

    const listed = cliIn(env);
    expect(await listed.run('plan', 'list', '--owner', 'e03')).toBe(0);
    expect(listed.err).toEqual([]);
  });

  it('refreshes a kept token that has expired before using it', async () => {
    const credentials = stored();
    const expired = `e30.${Buffer.from(JSON.stringify({ exp: 1 })).toString('base64url')}.x`;
    writeFileSync(
      credentialsFile(env),
      JSON.stringify({ [stack.urls.api]: { ...credentials[stack.urls.api], idToken: expired } }),
    );
    const cli = cliIn(env);
    expect(await cli.run('plan', 'list', '--owner', 'e03')).toBe(0);
    expect(stored()[stack.urls.api]?.idToken).not.toBe(expired);
  });

  it('logs out: the kept token is forgotten', async () => {
    const cli = cliIn(env);
    expect(await cli.run('logout')).toBe(0);
    expect(cli.out).toEqual([`signed out of ${stack.urls.api}`]);
    expect(() => stored()).toThrow();
  });

  it('needs no ceremony against a local stack: with no token at all, import-org succeeds as HR', async () => {
    const cli = cliIn({ XDG_CONFIG_HOME: mkdtempSync(path.join(tmpdir(), 'growcycle-cli-')) });
    expect(await cli.run('import-org', SAMPLE_ORG_CSV, '--dry-run')).toBe(0);
    expect(cli.err).toEqual([]);
  });

  it('needs none for the CSV export either: the local stack answers for an unknown cycle, not 401', async () => {
    const cli = cliIn({ XDG_CONFIG_HOME: mkdtempSync(path.join(tmpdir(), 'growcycle-cli-')) });
    expect(await cli.run('export', 'no-such-cycle')).toBe(1);
    expect(cli.err.join('\n')).toContain('the API answered 404');
  });
});

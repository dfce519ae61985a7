import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HttpEvent } from '../../functions/shared/http';
import { authorizeUrl, codeChallenge } from '../../functions/shared/oauth';
import { type CurrentUser, checkPost, cookiesOf, SignInAttempt } from '../../functions/shared/session';

/* The session's decisions that need no table: a POST's site and token, cookies, the sign-in attempt. */

const user: CurrentUser = {
  employeeId: 'e01',
  name: 'Anna',
  hr: false,
  manager: false,
  csrfToken: 'a'.repeat(43),
  sessionHash: 'h',
};
const post = (headers: Record<string, string>): HttpEvent => ({ headers }) as unknown as HttpEvent;
const withToken = new URLSearchParams({ csrf: user.csrfToken });

beforeEach(() => {
  vi.stubEnv('PUBLIC_BASE_URL', 'https://app.example.com/');
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('checkPost', () => {
  it('accepts a same-origin POST that carries the session’s token', () => {
    expect(checkPost(post({ 'sec-fetch-site': 'same-origin' }), user, withToken)).toBeUndefined();
    expect(checkPost(post({ origin: 'https://app.example.com' }), user, withToken)).toBeUndefined();
  });

  it('refuses a POST from another site even with the right token, whichever header says so', () => {
    expect(checkPost(post({ 'sec-fetch-site': 'cross-site' }), user, withToken)).toMatch(/another site/);
    expect(checkPost(post({ 'sec-fetch-site': 'same-site' }), user, withToken)).toMatch(/another site/);
    expect(checkPost(post({ origin: 'https://evil.example' }), user, withToken)).toMatch(/another site/);
    // Sec-Fetch-Site is the browser's word: an Origin that agrees does not outvote it.
    expect(
      checkPost(post({ 'sec-fetch-site': 'cross-site', origin: 'https://app.example.com' }), user, withToken),
    ).toMatch(/another site/);
  });

  it('refuses a POST that says nothing of where it comes from, or says "null"', () => {
    expect(checkPost(post({}), user, withToken)).toMatch(/another site/);
    expect(checkPost(post({ origin: 'null' }), user, withToken)).toMatch(/another site/);
  });

  it('refuses a same-origin POST without the token or with another one', () => {
    const same = post({ 'sec-fetch-site': 'same-origin' });
    expect(checkPost(same, user, new URLSearchParams())).toMatch(/expired/);
    expect(checkPost(same, user, new URLSearchParams({ csrf: 'b'.repeat(43) }))).toMatch(/expired/);
    expect(checkPost(same, user, new URLSearchParams({ csrf: 'a' }))).toMatch(/expired/);
  });
});

describe('cookies and the sign-in attempt', () => {
  it('reads cookies from payload 2.0’s list, or from the header', () => {
    expect(cookiesOf({ cookies: ['a=1', 'b=x=y'], headers: {} } as unknown as HttpEvent)).toEqual({
      a: '1',
      b: 'x=y',
    });
    expect(cookiesOf({ headers: { Cookie: 'a=1; b=2' } } as unknown as HttpEvent)).toEqual({
      a: '1',
      b: '2',
    });
  });

  it('takes only a well-formed attempt cookie: three 256-bit base64url values', () => {
    const v = 'A'.repeat(43);
    expect(SignInAttempt.safeParse(`${v}.${v}.${v}`).success).toBe(true);
    expect(SignInAttempt.safeParse(`${v}.${v}`).success).toBe(false);
    expect(SignInAttempt.safeParse(`${v}.${v}.${v};x`).success).toBe(false);
  });

  it('sends the S256 challenge of the verifier (RFC 7636 appendix B), never the verifier', () => {
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    expect(codeChallenge(verifier)).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    const url = new URL(
      authorizeUrl(
        { domainUrl: 'https://id.example.com', clientId: 'c' },
        { redirectUri: 'https://app/cb', state: 's', verifier },
      ),
    );
    expect(url.searchParams.get('code_challenge')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.search).not.toContain(verifier);
  });
});

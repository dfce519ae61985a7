import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  checkLink,
  forgetLinkKeys,
  keyIdOf,
  linkAssignment,
  MAX_LINK_DAYS,
  signedPath,
  signedUrl,
} from '../../domain/mail/links';
import { newLinkNonce } from '../../domain/platform/ids';
import { stubTestEnv, TEST_LINK_KEY, TEST_LINK_SECRET_VALUE } from '../support/unit-doubles';

const KEY = { id: 'k1', secret: 'unit-test-link-key' };
const NONCE = 'AAAAAAAAAAAAAAAAAAAAAA';
const REQUEST_ID = 'req-3f1c9a';
const TARGET = { requestId: REQUEST_ID, nonce: NONCE };
const EXPIRES_AT = new Date('2025-03-21T17:00:00Z');
const BEFORE_EXPIRY = new Date('2025-03-14T09:00:00Z');

/** The parts of a signed path the form handler reads. */
const parts = (path: string) => {
  const url = new URL(path, 'https://forms.example.com');
  const q = (name: string) => url.searchParams.get(name) ?? undefined;
  return { pathname: url.pathname, k: q('k'), n: q('n'), e: q('e'), a: q('a'), s: q('s') };
};

describe('signedPath', () => {
  it('names the request in the path and carries key id, nonce, expiry (in seconds) and signature', () => {
    // Act
    const link = parts(signedPath(KEY, 'respond', TARGET, EXPIRES_AT));

    // Assess
    expect(link.pathname).toBe(`/r/${REQUEST_ID}`);
    expect(link.k).toBe('k1');
    expect(link.n).toBe(NONCE);
    expect(link.e).toBe(String(EXPIRES_AT.getTime() / 1000));
    expect(link.s).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('checkLink', () => {
  const { e, s } = parts(signedPath(KEY, 'respond', TARGET, EXPIRES_AT));

  it('accepts an untouched link before it expires', () => {
    expect(checkLink(KEY, 'respond', TARGET, e, s, BEFORE_EXPIRY)).toBe('valid');
  });

  it('rejects a link whose signature was altered', () => {
    // Prepare: change one character of the signature.
    const tampered = `${s?.slice(0, -1)}${s?.endsWith('A') ? 'B' : 'A'}`;

    // Act / Assess
    expect(checkLink(KEY, 'respond', TARGET, e, tampered, BEFORE_EXPIRY)).toBe('invalid');
  });

  it('rejects a link re-targeted to another request', () => {
    expect(checkLink(KEY, 'respond', { ...TARGET, requestId: 'req-someone-else' }, e, s, BEFORE_EXPIRY)).toBe(
      'invalid',
    );
  });

  it('rejects a link whose nonce was changed or dropped', () => {
    expect(
      checkLink(KEY, 'respond', { ...TARGET, nonce: 'BAAAAAAAAAAAAAAAAAAAAA' }, e, s, BEFORE_EXPIRY),
    ).toBe('invalid');
    expect(checkLink(KEY, 'respond', { requestId: REQUEST_ID }, e, s, BEFORE_EXPIRY)).toBe('invalid');
  });

  it('rejects a link whose expiry was pushed later', () => {
    // Prepare
    const extended = String(Number(e) + 86_400);

    // Act / Assess
    expect(checkLink(KEY, 'respond', TARGET, extended, s, BEFORE_EXPIRY)).toBe('invalid');
  });

  it('rejects a link signed with another key, one under another key id, and one naming no known key', () => {
    expect(checkLink({ ...KEY, secret: 'another-key' }, 'respond', TARGET, e, s, BEFORE_EXPIRY)).toBe(
      'invalid',
    );
    expect(checkLink({ ...KEY, id: 'k2' }, 'respond', TARGET, e, s, BEFORE_EXPIRY)).toBe('invalid');
    expect(checkLink(undefined, 'respond', TARGET, e, s, BEFORE_EXPIRY)).toBe('invalid');
  });

  it('reports a genuine link after its expiry as expired, not invalid', () => {
    expect(checkLink(KEY, 'respond', TARGET, e, s, new Date('2025-03-21T17:00:01Z'))).toBe('expired');
  });

  it('rejects a link missing its expiry or its signature', () => {
    expect(checkLink(KEY, 'respond', TARGET, undefined, s, BEFORE_EXPIRY)).toBe('invalid');
    expect(checkLink(KEY, 'respond', TARGET, '', s, BEFORE_EXPIRY)).toBe('invalid');
    expect(checkLink(KEY, 'respond', TARGET, e, undefined, BEFORE_EXPIRY)).toBe('invalid');
    expect(checkLink(KEY, 'respond', TARGET, e, '', BEFORE_EXPIRY)).toBe('invalid');
  });

  it('rejects an expiry that is not a number', () => {
    expect(checkLink(KEY, 'respond', TARGET, 'abc', s, BEFORE_EXPIRY)).toBe('invalid');
  });

  // Each spelling parses to the genuine expiry, so only the digits-only rule stands between it and a
  // link that is valid under two different URLs.
  it.each(['1742576400.0', ' 1742576400', '1.7425764e9', '0x67dd9b10', '+1742576400'])(
    'rejects the genuine expiry spelled as %j',
    (expires) => {
      // Prepare
      expect(Number(expires)).toBe(Number(e));

      // Act / Assess
      expect(checkLink(KEY, 'respond', TARGET, expires, s, BEFORE_EXPIRY)).toBe('invalid');
    },
  );

  it('signs an input that cannot be read two ways: moving a dot between id and nonce breaks it', () => {
    // Prepare: with "purpose.id.nonce" joined by dots, these two would sign the same string.
    const a = { requestId: 'req.a', nonce: 'AAAAAAAAAAAAAAAAAAAAAA' };
    const b = { requestId: 'req', nonce: 'a.AAAAAAAAAAAAAAAAAAAAAA' };
    const signed = parts(signedPath(KEY, 'respond', a, EXPIRES_AT));

    // Act / Assess
    expect(checkLink(KEY, 'respond', a, signed.e, signed.s, BEFORE_EXPIRY)).toBe('valid');
    expect(checkLink(KEY, 'respond', b, signed.e, signed.s, BEFORE_EXPIRY)).toBe('invalid');
  });
});

describe('links of a reassigned request', () => {
  const first = parts(signedPath(KEY, 'respond', TARGET, EXPIRES_AT));
  const second = parts(signedPath(KEY, 'respond', { ...TARGET, assignment: 1 }, EXPIRES_AT));

  it('signs the assignment into the link; the first recipient’s carries none', () => {
    expect(second.a).toBe('1');
    expect(first.a).toBeUndefined();
    expect(first.s).not.toBe(second.s);
  });

  it('accepts the new link for its own assignment only', () => {
    for (const [assignment, expected] of [
      [1, 'valid'],
      [0, 'invalid'],
      [2, 'invalid'],
    ] as const)
      expect(checkLink(KEY, 'respond', { ...TARGET, assignment }, second.e, second.s, BEFORE_EXPIRY)).toBe(
        expected,
      );
  });

  it('does not let the old link claim the new assignment by adding a=1', () => {
    expect(checkLink(KEY, 'respond', { ...TARGET, assignment: 1 }, first.e, first.s, BEFORE_EXPIRY)).toBe(
      'invalid',
    );
  });

  it('reads the assignment from the query: absent is the first, anything but a plain number is refused', () => {
    expect(linkAssignment(undefined)).toBe(0);
    expect(linkAssignment('3')).toBe(3);
    for (const bad of ['0', '01', '-1', '1.0', 'x', '', '9999999'])
      expect(linkAssignment(bad)).toBeUndefined();
  });
});

describe('link hygiene', () => {
  it('gives each request a nonce of 128 random bits', () => {
    const nonces = new Set(Array.from({ length: 1000 }, newLinkNonce));
    expect(nonces.size).toBe(1000);
    for (const n of nonces) expect(Buffer.from(n, 'base64url')).toHaveLength(16);
  });

  it('names a key by its version id, shortened to letters and digits', () => {
    expect(keyIdOf('a1b2c3d4-e5f6-7890-abcd-ef0123456789')).toBe('a1b2c3d4e5f6');
  });
});

describe('signedUrl', () => {
  beforeEach(() => {
    stubTestEnv();
    forgetLinkKeys();
    mockClient(SecretsManagerClient).on(GetSecretValueCommand).resolves(TEST_LINK_SECRET_VALUE);
  });

  it('signs with the current key, naming it', async () => {
    const url = await signedUrl({ requestId: REQUEST_ID, nonce: NONCE }, EXPIRES_AT);
    expect(parts(url).k).toBe(TEST_LINK_KEY.id);
  });

  it(`never makes a link that lives longer than ${MAX_LINK_DAYS} days, whatever the request's close`, async () => {
    // Act
    const url = await signedUrl({ requestId: REQUEST_ID, nonce: NONCE }, new Date('2099-01-01T00:00:00Z'));

    // Assess
    const days = (Number(parts(url).e) * 1000 - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(MAX_LINK_DAYS - 1);
    expect(days).toBeLessThanOrEqual(MAX_LINK_DAYS);
  });

  it('keeps to a policy’s shorter maximum: the link is refused as expired once it has passed', async () => {
    const url = parts(
      await signedUrl({ requestId: REQUEST_ID, nonce: NONCE }, new Date('2099-01-01T00:00:00Z'), 7),
    );
    const days = (Number(url.e) * 1000 - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6);
    expect(days).toBeLessThanOrEqual(7);
    const check = (at: Date) => checkLink(TEST_LINK_KEY, 'respond', TARGET, url.e, url.s, at);
    expect(check(new Date(Date.now() + 6 * 86_400_000))).toBe('valid');
    expect(check(new Date(Date.now() + 8 * 86_400_000))).toBe('expired');
    // A policy cannot lengthen a link beyond the global maximum.
    const long = parts(
      await signedUrl({ requestId: REQUEST_ID, nonce: NONCE }, new Date('2099-01-01T00:00:00Z'), 900),
    );
    expect((Number(long.e) * 1000 - Date.now()) / 86_400_000).toBeLessThanOrEqual(MAX_LINK_DAYS);
  });
});

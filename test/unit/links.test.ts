import { describe, expect, it } from 'vitest';
import { checkLink, linkAssignment, signedPath } from '../../domain/mail/links';

const SECRET = 'unit-test-link-key';
const REQUEST_ID = 'req-3f1c9a';
const EXPIRES_AT = new Date('2025-03-21T17:00:00Z');
const BEFORE_EXPIRY = new Date('2025-03-14T09:00:00Z');

/** The parts of a signed path the form handler reads: request id, `e` and `s`. */
const parts = (path: string) => {
  const url = new URL(path, 'https://forms.example.com');
  return {
    pathname: url.pathname,
    e: url.searchParams.get('e') ?? undefined,
    s: url.searchParams.get('s') ?? undefined,
  };
};

describe('signedPath', () => {
  it('names the request in the path and carries expiry (in seconds) and signature in the query', () => {
    // Act
    const link = parts(signedPath(SECRET, 'respond', REQUEST_ID, EXPIRES_AT));

    // Assess
    expect(link.pathname).toBe(`/r/${REQUEST_ID}`);
    expect(link.e).toBe(String(EXPIRES_AT.getTime() / 1000));
    expect(link.s).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('checkLink', () => {
  const { e, s } = parts(signedPath(SECRET, 'respond', REQUEST_ID, EXPIRES_AT));

  it('accepts an untouched link before it expires', () => {
    expect(checkLink(SECRET, 'respond', REQUEST_ID, e, s, BEFORE_EXPIRY)).toBe('valid');
  });

  it('rejects a link whose signature was altered', () => {
    // Prepare: change one character of the signature.
    const tampered = `${s?.slice(0, -1)}${s?.endsWith('A') ? 'B' : 'A'}`;

    // Act / Assess
    expect(checkLink(SECRET, 'respond', REQUEST_ID, e, tampered, BEFORE_EXPIRY)).toBe('invalid');
  });

  it('rejects a link re-targeted to another request', () => {
    expect(checkLink(SECRET, 'respond', 'req-someone-else', e, s, BEFORE_EXPIRY)).toBe('invalid');
  });

  it('rejects a link whose expiry was pushed later', () => {
    // Prepare
    const extended = String(Number(e) + 86_400);

    // Act / Assess
    expect(checkLink(SECRET, 'respond', REQUEST_ID, extended, s, BEFORE_EXPIRY)).toBe('invalid');
  });

  it('rejects a link signed with another key', () => {
    expect(checkLink('another-key', 'respond', REQUEST_ID, e, s, BEFORE_EXPIRY)).toBe('invalid');
  });

  it('reports a genuine link after its expiry as expired, not invalid', () => {
    expect(checkLink(SECRET, 'respond', REQUEST_ID, e, s, new Date('2025-03-21T17:00:01Z'))).toBe('expired');
  });

  it('rejects a link missing its expiry or its signature', () => {
    expect(checkLink(SECRET, 'respond', REQUEST_ID, undefined, s, BEFORE_EXPIRY)).toBe('invalid');
    expect(checkLink(SECRET, 'respond', REQUEST_ID, '', s, BEFORE_EXPIRY)).toBe('invalid');
    expect(checkLink(SECRET, 'respond', REQUEST_ID, e, undefined, BEFORE_EXPIRY)).toBe('invalid');
    expect(checkLink(SECRET, 'respond', REQUEST_ID, e, '', BEFORE_EXPIRY)).toBe('invalid');
  });

  it('rejects an expiry that is not a number', () => {
    expect(checkLink(SECRET, 'respond', REQUEST_ID, 'abc', s, BEFORE_EXPIRY)).toBe('invalid');
  });

  // Each spelling parses to the genuine expiry, so only the digits-only rule stands between it and a
  // link that is valid under two different URLs.
  it.each(['1742576400.0', ' 1742576400', '1.7425764e9', '0x67dd9b10', '+1742576400'])(
    'rejects the genuine expiry spelled as %j',
    (expires) => {
      // Prepare
      expect(Number(expires)).toBe(Number(e));

      // Act / Assess
      expect(checkLink(SECRET, 'respond', REQUEST_ID, expires, s, BEFORE_EXPIRY)).toBe('invalid');
    },
  );
});

describe('links of a reassigned request', () => {
  const first = parts(signedPath(SECRET, 'respond', REQUEST_ID, EXPIRES_AT));
  const second = new URL(
    signedPath(SECRET, 'respond', REQUEST_ID, EXPIRES_AT, 1),
    'https://forms.example.com',
  );
  const a = second.searchParams.get('a') ?? undefined;
  const s2 = second.searchParams.get('s') ?? undefined;

  it('signs the assignment into the link, and leaves the first recipient’s link as it always was', () => {
    expect(a).toBe('1');
    expect(first.s).not.toBe(s2);
    expect(
      new URL(signedPath(SECRET, 'respond', REQUEST_ID, EXPIRES_AT), 'https://x').searchParams.has('a'),
    ).toBe(false);
  });

  it('accepts the new link for its own assignment only', () => {
    expect(checkLink(SECRET, 'respond', REQUEST_ID, first.e, s2, BEFORE_EXPIRY, 1)).toBe('valid');
    expect(checkLink(SECRET, 'respond', REQUEST_ID, first.e, s2, BEFORE_EXPIRY, 0)).toBe('invalid');
    expect(checkLink(SECRET, 'respond', REQUEST_ID, first.e, s2, BEFORE_EXPIRY, 2)).toBe('invalid');
  });

  it('does not let the old link claim the new assignment by adding a=1', () => {
    expect(checkLink(SECRET, 'respond', REQUEST_ID, first.e, first.s, BEFORE_EXPIRY, 1)).toBe('invalid');
  });

  it('reads the assignment from the query: absent is the first, anything but a plain number is refused', () => {
    expect(linkAssignment(undefined)).toBe(0);
    expect(linkAssignment('3')).toBe(3);
    for (const bad of ['0', '01', '-1', '1.0', 'x', '', '9999999'])
      expect(linkAssignment(bad)).toBeUndefined();
  });
});

import { createHmac, timingSafeEqual } from 'node:crypto';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { secrets } from '../platform/clients';
import { now } from '../platform/clock';
import { config } from '../platform/config';
import { MAX_LINK_DAYS } from './link-lifetime';

/*
 * An email link names a stable request id, never a task token, and proves which request it is for:
 * - a nonce of 128 random bits stored on the request (`n`), so a link cannot be guessed even by
 *   someone who learned the key;
 * - the id of the key that signed it (`k`), so the key can rotate: links are checked against the
 *   current key and the previous one, and fail once the key that signed them is retired;
 * - an expiry (`e`), never later than MAX_LINK_DAYS from when the link was made;
 * - the assignment (`a`) of a request HR passed to someone else, so the previous recipient's link can
 *   be told apart and refused (the first recipient's, assignment 0, carries none);
 * - an HMAC-SHA256 over all of these and the link's one purpose, as a JSON array, which cannot be
 *   read two ways whatever the values hold.
 * The keys live in Secrets Manager, which rotates them (functions/events/rotate-link-key.ts): the
 * AWSCURRENT version signs, AWSPREVIOUS still verifies. A container reads them every five minutes,
 * and sooner when a link names a key it does not know (at most once a minute).
 */
export type LinkPurpose = 'respond';
export type LinkCheck = 'valid' | 'expired' | 'invalid';

/** A signing key and the id links name it by. */
export type LinkKey = { id: string; secret: string };

/** What a link is for: the request, the nonce stored on it, and its assignment. */
export type LinkTarget = { requestId: string; nonce?: string | undefined; assignment?: number | undefined };

export { MAX_LINK_DAYS };

const KEY_ID = /^[A-Za-z0-9]{1,32}$/;
/** A key's id in links: its Secrets Manager version id, shortened (12 hex digits: 48 bits, plenty to tell a few apart). */
export const keyIdOf = (versionId: string): string =>
  versionId.replace(/[^A-Za-z0-9]/g, '').slice(0, 12) || 'k';

const keyOf = async (stage: 'AWSCURRENT' | 'AWSPREVIOUS'): Promise<LinkKey | undefined> => {
  try {
    const out = await secrets.send(
      new GetSecretValueCommand({ SecretId: config.linkSecretId, VersionStage: stage }),
    );
    if (!out.SecretString || !out.VersionId) throw new Error('Link secret has no string value');
    return { id: keyIdOf(out.VersionId), secret: out.SecretString };
  } catch (error) {
    // A secret never rotated has no previous version.
    if (stage === 'AWSPREVIOUS' && (error as { name?: string }).name === 'ResourceNotFoundException')
      return undefined;
    throw error;
  }
};

type KeyRing = { current: LinkKey; byId: Map<string, LinkKey>; readAt: number };
let ring: Promise<KeyRing> | undefined;
const REREAD_MS = 60_000;
/** After a rotation, a container signs with the new key within this long (the old one still verifies). */
const MAX_AGE_MS = 5 * 60_000;
const fresh = (): Promise<KeyRing> =>
  ring ? ring.then((r) => (Date.now() - r.readAt < MAX_AGE_MS ? r : readRing())) : readRing();

const readRing = (): Promise<KeyRing> => {
  ring = Promise.all([keyOf('AWSCURRENT'), keyOf('AWSPREVIOUS')])
    .then(([current, previous]) => {
      if (!current) throw new Error('Link secret has no current version');
      const byId = new Map([current, ...(previous ? [previous] : [])].map((k) => [k.id, k]));
      return { current, byId, readAt: Date.now() };
    })
    .catch((error: unknown) => {
      ring = undefined;
      throw error;
    });
  return ring;
};

/** The key new links are signed with. */
export const currentLinkKey = async (): Promise<LinkKey> => (await fresh()).current;

/** The key a link names, if it is the current or the previous one; undefined for any other. */
export const linkKeyById = async (id: string | undefined): Promise<LinkKey | undefined> => {
  if (!id || !KEY_ID.test(id)) return undefined;
  const known = await fresh();
  const found = known.byId.get(id);
  if (found || Date.now() - known.readAt < REREAD_MS) return found;
  // The key may have rotated since this container read it.
  return (await readRing()).byId.get(id);
};

/** Forgets the keys read, so the next link reads them again (tests that rotate the key). */
export const forgetLinkKeys = (): void => {
  ring = undefined;
};

const sign = (key: LinkKey, purpose: LinkPurpose, target: LinkTarget, expires: number): string =>
  createHmac('sha256', key.secret)
    .update(
      JSON.stringify([
        'growcycle-link/2',
        purpose,
        key.id,
        target.requestId,
        target.nonce ?? '',
        target.assignment ?? 0,
        expires,
      ]),
    )
    .digest('base64url');

export const signedPath = (
  key: LinkKey,
  purpose: LinkPurpose,
  target: LinkTarget,
  expiresAt: Date,
): string => {
  const expires = Math.floor(expiresAt.getTime() / 1000);
  const query = new URLSearchParams({
    k: key.id,
    ...(target.nonce ? { n: target.nonce } : {}),
    e: String(expires),
    ...(target.assignment ? { a: String(target.assignment) } : {}),
    s: sign(key, purpose, target, expires),
  });
  return `/r/${encodeURIComponent(target.requestId)}?${query}`;
};

/**
 * A link to answer the request, with the current key, expiring with the request or, at the latest,
 * `maxDays` (its template's or plan policy's `linkMaxDays`, at most MAX_LINK_DAYS) from now.
 */
export const signedUrl = async (
  target: LinkTarget,
  closesAt: Date,
  maxDays: number = MAX_LINK_DAYS,
): Promise<string> => {
  const latest = now().getTime() + Math.min(maxDays, MAX_LINK_DAYS) * 86_400_000;
  const expiresAt = new Date(Math.min(closesAt.getTime(), latest));
  return `${config.publicBaseUrl}${signedPath(await currentLinkKey(), 'respond', target, expiresAt)}`;
};

/** The assignment a link names (`a`), 0 when absent; undefined when malformed. */
export const linkAssignment = (a: string | undefined): number | undefined =>
  a === undefined ? 0 : /^[1-9]\d{0,5}$/.test(a) ? Number(a) : undefined;

const NONCE = /^[A-Za-z0-9_-]{22}$/;

/**
 * Whether a link's query is one this service signed for the target with `key` (the key its `k`
 * names, undefined when unknown or retired), and whether it has expired.
 */
export const checkLink = (
  key: LinkKey | undefined,
  purpose: LinkPurpose,
  target: LinkTarget,
  expires: string | undefined,
  signature: string | undefined,
  at: Date = now(),
): LinkCheck => {
  if (!key || !expires || !signature || !/^\d{1,12}$/.test(expires)) return 'invalid';
  if (target.nonce !== undefined && !NONCE.test(target.nonce)) return 'invalid';
  const expected = Buffer.from(sign(key, purpose, target, Number(expires)));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'invalid';
  return Number(expires) * 1000 < at.getTime() ? 'expired' : 'valid';
};

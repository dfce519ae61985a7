import { createHmac, timingSafeEqual } from 'node:crypto';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { secrets } from '../platform/clients';
import { now } from '../platform/clock';
import { config } from '../platform/config';

/*
 * An email link names a stable request id, never a task token. It carries an expiry and an HMAC over
 * purpose, request id and expiry, so a link cannot be forged, re-targeted to another request, or used
 * after it expires. A request passed to another person carries an assignment number (`a`), signed
 * too, so the previous recipient's link can be told apart and refused; the first recipient's
 * (assignment 0) signs without it.
 * The secret lives in Secrets Manager and is read once per container.
 */
export type LinkPurpose = 'respond';
export type LinkCheck = 'valid' | 'expired' | 'invalid';

let cachedSecret: Promise<string> | undefined;

export const linkSecret = (): Promise<string> => {
  cachedSecret ??= secrets
    .send(new GetSecretValueCommand({ SecretId: config.linkSecretId }))
    .then((out) => {
      if (!out.SecretString) throw new Error('Link secret has no string value');
      return out.SecretString;
    })
    .catch((error: unknown) => {
      cachedSecret = undefined;
      throw error;
    });
  return cachedSecret;
};

const sign = (
  secret: string,
  purpose: LinkPurpose,
  requestId: string,
  expires: number,
  assignment = 0,
): string =>
  createHmac('sha256', secret)
    .update(`${purpose}.${requestId}.${expires}${assignment ? `.${assignment}` : ''}`)
    .digest('base64url');

export const signedPath = (
  secret: string,
  purpose: LinkPurpose,
  requestId: string,
  expiresAt: Date,
  assignment = 0,
): string => {
  const expires = Math.floor(expiresAt.getTime() / 1000);
  const a = assignment ? `&a=${assignment}` : '';
  return `/r/${encodeURIComponent(requestId)}?e=${expires}${a}&s=${sign(secret, purpose, requestId, expires, assignment)}`;
};

export const signedUrl = async (requestId: string, expiresAt: Date, assignment = 0): Promise<string> =>
  `${config.publicBaseUrl}${signedPath(await linkSecret(), 'respond', requestId, expiresAt, assignment)}`;

/** The assignment a link names (`a`), 0 when absent; undefined when malformed. */
export const linkAssignment = (a: string | undefined): number | undefined =>
  a === undefined ? 0 : /^[1-9]\d{0,5}$/.test(a) ? Number(a) : undefined;

export const checkLink = (
  secret: string,
  purpose: LinkPurpose,
  requestId: string,
  expires: string | undefined,
  signature: string | undefined,
  at: Date = now(),
  assignment = 0,
): LinkCheck => {
  if (!expires || !signature || !/^\d{1,12}$/.test(expires)) return 'invalid';
  const expected = Buffer.from(sign(secret, purpose, requestId, Number(expires), assignment));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'invalid';
  return Number(expires) * 1000 < at.getTime() ? 'expired' : 'valid';
};

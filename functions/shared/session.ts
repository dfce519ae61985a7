import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import { JwtRsaVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { groupsOf } from '../../domain/people/access';
import { EMPLOYEE_CLAIM, HR_GROUP } from '../../domain/people/roles';
import { config } from '../../domain/platform/config';
import { logger } from '../../domain/platform/logger';
import { db, type Session } from '../../domain/platform/table';
import { type HttpEvent, type HttpResult, header, problem } from './http';
import { type Issuer, randomToken, refreshTokens, type TokenResponse } from './oauth';

/*
 * The app's signed-in session: a random id in an HttpOnly, Secure, SameSite=Lax cookie, and a
 * server-side item in DynamoDB (keyed by the id's hash) holding who it is, the issuer's tokens and
 * the CSRF token. Server-side, so that signing out ends it for good (a stolen cookie stops working
 * at once) and the tokens never reach the browser. Pages take the signed-in person from
 * `currentUser` or the `signedIn` middleware; every POST passes `checkPost`.
 */

export const SESSION_COOKIE = 'growcycle_session';
/** The sign-in attempt: state, nonce and PKCE verifier, for the callback only, ten minutes. */
export const SIGN_IN_COOKIE = 'growcycle_signin';
const SIGN_IN_SECONDS = 600;
/** A session ends twelve hours after sign-in, however active, as a working day's does. */
const SESSION_SECONDS = 12 * 3600;

export const appIssuer = (): Issuer => ({
  domainUrl: config.authDomainUrl,
  clientId: config.authAppClientId,
});
export const callbackUrl = (): string => `${config.publicBaseUrl}/auth/callback`;

// The generic verifier serves Cognito and the development issuer alike; its JWKS is fetched with the
// runtime's fetch, which, unlike the library's own HTTPS fetcher, also reads the local issuer's http URL.
let verifier: ReturnType<typeof JwtRsaVerifier.create> | undefined;
const idTokenVerifier = () => {
  verifier ??= JwtRsaVerifier.create(
    { issuer: config.authIssuer, audience: config.authAppClientId, jwksUri: config.authJwksUrl },
    {
      jwksCache: new SimpleJwksCache({
        fetcher: { fetch: async (uri: string) => (await fetch(uri)).arrayBuffer() },
      }),
    },
  );
  return verifier;
};

const IdClaims = z.object({
  [EMPLOYEE_CLAIM]: z.string().min(1).max(64),
  'cognito:groups': z.array(z.string()).optional(),
  token_use: z.literal('id'),
  nonce: z.string().optional(),
  exp: z.number(),
});

export class SignInError extends Error {
  override name = 'SignInError';
}

/** Verifies an ID token from the issuer: signature, issuer, audience, expiry, and the nonce when one was sent. */
export const verifyIdToken = async (idToken: string, nonce?: string) => {
  const payload = await idTokenVerifier()
    .verify(idToken)
    .catch(() => {
      throw new SignInError('the ID token is not valid');
    });
  const claims = IdClaims.safeParse(payload);
  if (!claims.success) throw new SignInError('the ID token names no employee');
  if (nonce !== undefined && claims.data.nonce !== nonce) throw new SignInError('the ID token nonce differs');
  return {
    employeeId: claims.data[EMPLOYEE_CLAIM],
    hr: groupsOf(claims.data['cognito:groups']).includes(HR_GROUP),
    exp: claims.data.exp,
  };
};

export const cookiesOf = (event: HttpEvent): Record<string, string> => {
  // API Gateway v2 gathers the Cookie headers into `cookies`; a direct call may send the header.
  const raw = event.cookies ?? (header(event, 'cookie') ?? '').split(';');
  const out: Record<string, string> = {};
  for (const pair of raw) {
    const at = pair.indexOf('=');
    if (at > 0) out[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return out;
};

export const cookie = (name: string, value: string, maxAgeSeconds: number, path = '/'): string =>
  `${name}=${value}; HttpOnly; Secure; SameSite=Lax; Path=${path}; Max-Age=${maxAgeSeconds}`;
export const clearCookie = (name: string, path = '/'): string => cookie(name, '', 0, path);

const hashOf = (sessionId: string) => createHash('sha256').update(sessionId).digest('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Where to go once signed in: a path of this site only. One leading slash and no backslash, so a
 * browser can never read it as another host (`//evil.example`, `/\evil.example`).
 */
export const SafeNext = z
  .string()
  .max(1024)
  .regex(/^\/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/);

/**
 * The sign-in attempt's cookie: state, nonce and verifier, each random and base64url, so '.'
 * separates them; then, base64url too, the path to return to.
 */
export const SignInAttempt = z
  .string()
  .regex(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}(\.[A-Za-z0-9_-]{1,1400})?$/)
  .transform((v) => {
    const [state, nonce, verifier, encodedNext] = v.split('.') as [string, string, string, string?];
    const next = SafeNext.safeParse(encodedNext && Buffer.from(encodedNext, 'base64url').toString('utf8'));
    return { state, nonce, verifier, next: next.success ? next.data : '/' };
  });

export const newSignInAttempt = (next?: string) => {
  const attempt = { state: randomToken(), nonce: randomToken(), verifier: randomToken() };
  const back = SafeNext.safeParse(next);
  const parts = [attempt.state, attempt.nonce, attempt.verifier];
  if (back.success && back.data !== '/') parts.push(Buffer.from(back.data).toString('base64url'));
  return { attempt, setCookie: cookie(SIGN_IN_COOKIE, parts.join('.'), SIGN_IN_SECONDS, '/auth/') };
};

/** Starts a session for verified tokens; the cookie to set carries its id. */
export const startSession = async (
  tokens: TokenResponse,
  who: { employeeId: string; hr: boolean; exp: number },
): Promise<string> => {
  const sessionId = randomToken();
  await db()
    .session.create({
      sessionHash: hashOf(sessionId),
      employeeId: who.employeeId,
      hr: who.hr,
      csrfToken: randomToken(),
      idToken: tokens.id_token,
      idTokenExpiresAt: who.exp,
      ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
      createdAt: new Date().toISOString(),
      expiresAt: nowSeconds() + SESSION_SECONDS,
    })
    .go();
  return cookie(SESSION_COOKIE, sessionId, SESSION_SECONDS);
};

const SessionId = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

const sessionOf = async (event: HttpEvent): Promise<Session | undefined> => {
  const id = SessionId.safeParse(cookiesOf(event)[SESSION_COOKIE]);
  if (!id.success) return undefined;
  const found =
    (
      await db()
        .session.get({ sessionHash: hashOf(id.data) })
        .go()
    ).data ?? undefined;
  // The table's TTL deletes late (up to days): an item past its end is no session.
  return found && found.expiresAt > nowSeconds() ? found : undefined;
};

/** Keeps the session's identity fresh: past the ID token's expiry, the refresh token gets a new one. */
const refreshed = async (session: Session): Promise<Session | undefined> => {
  if (session.idTokenExpiresAt > nowSeconds()) return session;
  if (!session.refreshToken) return undefined;
  try {
    const tokens = await refreshTokens(appIssuer(), session.refreshToken);
    const who = await verifyIdToken(tokens.id_token);
    if (who.employeeId !== session.employeeId) return undefined;
    const update = {
      idToken: tokens.id_token,
      idTokenExpiresAt: who.exp,
      hr: who.hr,
      ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
    };
    await db().session.patch({ sessionHash: session.sessionHash }).set(update).go();
    return { ...session, ...update };
  } catch (error) {
    // Revoked or expired at the issuer (the person was disabled): the session ends here.
    logger.info('session refresh refused', { error: error instanceof Error ? error.name : 'unknown' });
    return undefined;
  }
};

/**
 * Who is signed in, for the email-link forms: the session alone, no refresh (the forms function
 * holds no issuer's client). Past the ID token's expiry it answers undefined, and the page's sign-in
 * link renews the session through the app.
 */
export const signedInEmployee = async (event: HttpEvent): Promise<string | undefined> => {
  const session = await sessionOf(event);
  return session && session.idTokenExpiresAt > nowSeconds() ? session.employeeId : undefined;
};

/**
 * For an email link's page: nothing when the request's recipient is signed in; otherwise the sign-in
 * link to offer instead of what is someone else's input or results.
 */
export const signInUnlessRecipient = async (
  event: HttpEvent,
  recipientId: string,
): Promise<{ signIn?: string }> =>
  (await signedInEmployee(event)) === recipientId ? {} : { signIn: signInUrl(event) };

export type CurrentUser = {
  employeeId: string;
  /** Their name as the org chart has it (the id when they are not in it, as an HR admin may not be). */
  name: string;
  hr: boolean;
  /** Whether anyone reports to them: the team pages are theirs. */
  manager: boolean;
  /** The POST forms' synchronizer token. */
  csrfToken: string;
  sessionHash: string;
};

/** Who is signed in, or undefined (no cookie, an ended or revoked session). */
export const currentUser = async (event: HttpEvent): Promise<CurrentUser | undefined> => {
  const found = await sessionOf(event);
  const session = found && (await refreshed(found));
  if (!session) return undefined;
  const [person, reports] = await Promise.all([
    db().employee.get({ employeeId: session.employeeId }).go(),
    db().employee.query.byManager({ managerId: session.employeeId }).go({ limit: 1 }),
  ]);
  return {
    employeeId: session.employeeId,
    name: person.data?.name ?? session.employeeId,
    hr: session.hr,
    manager: reports.data.length > 0,
    csrfToken: session.csrfToken,
    sessionHash: session.sessionHash,
  };
};

export const endSession = async (user: CurrentUser): Promise<void> => {
  await db().session.delete({ sessionHash: user.sessionHash }).go();
};

export const redirect = (location: string, cookies: string[] = []): HttpResult => ({
  statusCode: 303,
  headers: { location, 'cache-control': 'no-store' },
  ...(cookies.length ? { cookies } : {}),
});

export type SignedInEvent = HttpEvent & { user: CurrentUser };

/** The app's sign-in, coming back to where the browser is now. */
export const signInUrl = (event: Pick<HttpEvent, 'rawPath' | 'rawQueryString'>): string => {
  if (!event.rawPath) return '/auth/sign-in';
  const here = `${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`;
  return `/auth/sign-in?${new URLSearchParams({ next: here })}`;
};

/** Nobody signed in: a page (GET) sends the browser to sign in; any other request is refused. */
const signInFirst = (event: HttpEvent): HttpResult =>
  event.requestContext?.http?.method === 'GET'
    ? redirect(signInUrl(event))
    : problem(401, 'Not signed in', 'Sign in first, then send the request again.');

/**
 * The middleware pages use: the signed-in person on `event.user`, or, when nobody is, the `refused`
 * answer (by default a redirect to sign-in for a GET, a 401 otherwise) before the handler runs.
 */
export const signedIn = (
  refused: (event: HttpEvent) => HttpResult = signInFirst,
): MiddlewareObj<SignedInEvent, HttpResult, Error, Context> => ({
  before: async (request) => {
    const user = await currentUser(request.event);
    if (!user) return refused(request.event);
    request.event.user = user;
    return undefined;
  },
});

const sameToken = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Whether a POST may act for the session: it comes from the app's own origin and carries the
 * session's synchronizer token. A browser says where a request comes from in Sec-Fetch-Site; the
 * Origin header is checked when it does not (Origin is "null" under the pages' no-referrer policy).
 */
export const checkPost = (event: HttpEvent, user: CurrentUser, form: URLSearchParams): string | undefined => {
  const site = header(event, 'sec-fetch-site');
  const origin = header(event, 'origin');
  const sameOrigin =
    site !== undefined ? site === 'same-origin' : origin === new URL(config.publicBaseUrl).origin;
  if (!sameOrigin) return 'This request came from another site.';
  const token = form.get('csrf') ?? '';
  if (!sameToken(token, user.csrfToken))
    return 'This form has expired. Go back, reload the page and try again.';
  return undefined;
};

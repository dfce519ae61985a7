import { createHash, randomBytes } from 'node:crypto';
import * as z from 'zod';

/*
 * The client side of OAuth 2.0 authorization code with PKCE (RFC 6749, RFC 7636), as the app and
 * the CLI both speak it to the issuer: Cognito managed login on AWS, the development issuer locally.
 * Both issuers serve the same paths under one base URL, so nothing here knows which one it talks to.
 */

/** A random value for a state, a nonce, a PKCE verifier or a session id: 256 bits, base64url. */
export const randomToken = (): string => randomBytes(32).toString('base64url');

/** The S256 code challenge of a PKCE verifier. */
export const codeChallenge = (verifier: string): string =>
  createHash('sha256').update(verifier).digest('base64url');

export const SCOPES = 'openid email profile';

export type Issuer = { domainUrl: string; clientId: string };

export const authorizeUrl = (
  issuer: Issuer,
  params: { redirectUri: string; state: string; verifier: string; nonce?: string },
): string => {
  const url = new URL(`${issuer.domainUrl}/oauth2/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: issuer.clientId,
    redirect_uri: params.redirectUri,
    scope: SCOPES,
    state: params.state,
    code_challenge: codeChallenge(params.verifier),
    code_challenge_method: 'S256',
    ...(params.nonce ? { nonce: params.nonce } : {}),
  }).toString();
  return url.toString();
};

/** Where signing out of the issuer goes, and where it comes back to. */
export const logoutUrl = (issuer: Issuer, returnTo: string): string =>
  `${issuer.domainUrl}/logout?${new URLSearchParams({ client_id: issuer.clientId, logout_uri: returnTo })}`;

/** The token endpoint's answer; a refresh grant may leave the refresh token out (it stays the same). */
export const TokenResponse = z.object({
  id_token: z.string().min(1),
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.number().int().positive(),
  token_type: z.string(),
});
export type TokenResponse = z.infer<typeof TokenResponse>;

export class TokenRequestError extends Error {
  override name = 'TokenRequestError';
}

const tokenRequest = async (issuer: Issuer, form: Record<string, string>): Promise<TokenResponse> => {
  const res = await fetch(`${issuer.domainUrl}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: issuer.clientId, ...form }),
  });
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    // The OAuth error code only: its description may quote what was sent.
    const code = z.object({ error: z.string().max(64) }).safeParse(body);
    throw new TokenRequestError(`token endpoint refused: ${code.success ? code.data.error : res.status}`);
  }
  const parsed = TokenResponse.safeParse(body);
  if (!parsed.success) throw new TokenRequestError('token endpoint answered an unexpected shape');
  return parsed.data;
};

export const exchangeCode = (
  issuer: Issuer,
  params: { code: string; verifier: string; redirectUri: string },
): Promise<TokenResponse> =>
  tokenRequest(issuer, {
    grant_type: 'authorization_code',
    code: params.code,
    code_verifier: params.verifier,
    redirect_uri: params.redirectUri,
  });

export const refreshTokens = (issuer: Issuer, refreshToken: string): Promise<TokenResponse> =>
  tokenRequest(issuer, { grant_type: 'refresh_token', refresh_token: refreshToken });

/** The claims of a JWT without checking it: for a holder's own bookkeeping (its expiry), never for trust. */
export const unverifiedExpiry = (jwt: string): number | undefined => {
  const payload = jwt.split('.')[1];
  if (!payload) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString()) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : undefined;
  } catch {
    return undefined;
  }
};

import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod';
import { html } from '../domain/platform/html';
import { db, type Employee } from '../domain/platform/table';
import { page } from '../functions/api/form-page';
import { HTML_HEADERS } from '../functions/shared/http';
import { codeChallenge, randomToken } from '../functions/shared/oauth';
import type { ExtraRoute } from './api-gateway';
import { DEV_AUDIENCE, DEV_CLI_CLIENT, type DevTokenIssuer } from './dev-tokens';

/*
 * The development issuer as a small OAuth 2.0 server, the local stand-in for Cognito managed login:
 * /oauth2/authorize shows a development sign-in page listing the organisation's people and signs in
 * as the one chosen (no password: it is a development machine's), /oauth2/token exchanges a code
 * and its PKCE verifier, or a refresh token, for tokens, /.well-known/jwks.json publishes the key,
 * and /logout returns to the client. Codes and refresh tokens live in memory: a restart of the
 * stack signs everyone out, as a refresh token revoked at Cognito would.
 */

const CODE_SECONDS = 60;
const ID_TOKEN_SECONDS = 3600;

type Grant = { clientId: string; employeeId: string; hr: boolean };
type Code = Grant & { redirectUri: string; challenge: string; nonce?: string; expiresAt: number };

const Authorize = z.object({
  response_type: z.literal('code'),
  client_id: z.enum([DEV_AUDIENCE, DEV_CLI_CLIENT]),
  redirect_uri: z.url().max(512),
  state: z.string().min(1).max(256),
  code_challenge: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  code_challenge_method: z.literal('S256'),
  scope: z.string().max(256).optional(),
  nonce: z.string().max(256).optional(),
});
type Authorize = z.infer<typeof Authorize>;

const Chosen = z.object({ as: z.string().regex(/^[A-Za-z0-9_.-]{1,64}(:hr)?$/) });

const TokenForm = z.discriminatedUnion('grant_type', [
  z.object({
    grant_type: z.literal('authorization_code'),
    client_id: z.string().max(64),
    code: z.string().max(128),
    redirect_uri: z.string().max(512),
    code_verifier: z.string().regex(/^[A-Za-z0-9._~-]{43,128}$/),
  }),
  z.object({
    grant_type: z.literal('refresh_token'),
    client_id: z.string().max(64),
    refresh_token: z.string().max(128),
  }),
]);

const readForm = (req: IncomingMessage): Promise<URLSearchParams> =>
  new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 16_384) req.destroy();
    });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });

const json = (res: ServerResponse, status: number, body: unknown) => {
  res
    .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    .end(JSON.stringify(body));
};

const htmlPage = (res: ServerResponse, status: number, body: string, formTarget?: string) => {
  // The chosen person's form is answered with a redirect to the client: the CSP lets it go there.
  const csp = HTML_HEADERS['content-security-policy'].replace(
    "form-action 'self'",
    `form-action 'self'${formTarget ? ` ${formTarget}` : ''}`,
  );
  res.writeHead(status, { ...HTML_HEADERS, 'content-security-policy': csp }).end(body);
};

const sameS256 = (verifier: string, challenge: string) => {
  const computed = Buffer.from(codeChallenge(verifier));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
};

/** The redirect URIs each client registered: the app's callback; the CLI's loopback, any port (RFC 8252). */
const allowedRedirect = (clientId: string, redirectUri: string, appCallback: string): boolean => {
  if (clientId === DEV_AUDIENCE) return redirectUri === appCallback;
  const url = new URL(redirectUri);
  return url.protocol === 'http:' && url.hostname === '127.0.0.1' && url.pathname === '/callback';
};

const roleOf = (person: Employee, managers: Set<string>) =>
  managers.has(person.employeeId) ? 'Manager' : 'Employee';

const signInPage = (params: Authorize, people: Employee[]): string => {
  const managers = new Set(people.flatMap((p) => (p.managerId ? [p.managerId] : [])));
  const hidden = Object.entries(params).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value ?? ''}">`,
  );
  const rows = people.map(
    (p) => html`<tr><td>${p.name}</td><td>${p.title}</td><td>${roleOf(p, managers)}</td>
<td><button type="submit" name="as" value="${p.employeeId}">Sign in</button>
<button type="submit" name="as" value="${p.employeeId}:hr">Sign in as HR</button></td></tr>`,
  );
  return page(
    'Development sign-in',
    html`<p class="note">The local stack's development issuer: choose who to be. "Sign in as HR" adds the HR admin group. On AWS this is Cognito's sign-in.</p>
<form method="post" action="/oauth2/authorize">${hidden}
<table><thead><tr><th scope="col">Name</th><th scope="col">Title</th><th scope="col">Role</th><th scope="col">Sign in</th></tr></thead>
<tbody>${rows}</tbody></table>
</form>${people.length === 0 ? html`<p>Nobody is in the organisation yet: import it first (<code>growcycle import-org</code>).</p>` : ''}`,
  );
};

export const createDevOAuth = (issuer: DevTokenIssuer, appBaseUrl: () => string): ExtraRoute => {
  const codes = new Map<string, Code>();
  const refreshTokens = new Map<string, Grant>();
  const tokensFor = (grant: Grant, nonce?: string, refreshToken?: string) => {
    const token = refreshToken ?? randomToken();
    refreshTokens.set(token, grant);
    const options = { hr: grant.hr, clientId: grant.clientId, ttlSeconds: ID_TOKEN_SECONDS };
    return {
      id_token: issuer.issue(grant.employeeId, { ...options, ...(nonce ? { nonce } : {}) }),
      access_token: issuer.issue(grant.employeeId, { ...options, use: 'access' }),
      ...(refreshToken ? {} : { refresh_token: token }),
      expires_in: ID_TOKEN_SECONDS,
      token_type: 'Bearer',
    };
  };
  const authorizeParams = (values: Record<string, string>, res: ServerResponse) => {
    const parsed = Authorize.safeParse(values);
    if (!parsed.success) {
      json(res, 400, {
        error: 'invalid_request',
        error_description: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      });
      return undefined;
    }
    if (!allowedRedirect(parsed.data.client_id, parsed.data.redirect_uri, `${appBaseUrl()}/auth/callback`)) {
      json(res, 400, { error: 'invalid_request', error_description: 'redirect_uri is not registered' });
      return undefined;
    }
    return parsed.data;
  };

  return async (req, url, res) => {
    if (url.pathname === '/.well-known/jwks.json' && req.method === 'GET') {
      json(res, 200, issuer.jwks());
      return true;
    }
    if (url.pathname === '/oauth2/authorize' && req.method === 'GET') {
      const params = authorizeParams(Object.fromEntries(url.searchParams), res);
      if (!params) return true;
      const people = (await db().employee.query.everyone({}).go({ pages: 'all' })).data.filter(
        (p) => p.status !== 'left',
      );
      htmlPage(res, 200, signInPage(params, people), new URL(params.redirect_uri).origin);
      return true;
    }
    if (url.pathname === '/oauth2/authorize' && req.method === 'POST') {
      const form = Object.fromEntries(await readForm(req));
      const { as: _chosen, ...rest } = form;
      const params = authorizeParams(rest, res);
      if (!params) return true;
      const chosen = Chosen.safeParse(form);
      if (!chosen.success) {
        json(res, 400, { error: 'invalid_request', error_description: 'as: choose a person' });
        return true;
      }
      const [employeeId = '', hr] = chosen.data.as.split(':');
      const code = randomToken();
      codes.set(code, {
        clientId: params.client_id,
        employeeId,
        hr: hr === 'hr',
        redirectUri: params.redirect_uri,
        challenge: params.code_challenge,
        ...(params.nonce ? { nonce: params.nonce } : {}),
        expiresAt: Date.now() + CODE_SECONDS * 1000,
      });
      const back = new URL(params.redirect_uri);
      back.searchParams.set('code', code);
      back.searchParams.set('state', params.state);
      res.writeHead(302, { location: back.toString(), 'cache-control': 'no-store' }).end();
      return true;
    }
    if (url.pathname === '/oauth2/token' && req.method === 'POST') {
      const parsed = TokenForm.safeParse(Object.fromEntries(await readForm(req)));
      if (!parsed.success) {
        json(res, 400, { error: 'invalid_request' });
        return true;
      }
      const form = parsed.data;
      if (form.grant_type === 'refresh_token') {
        const grant = refreshTokens.get(form.refresh_token);
        if (!grant || grant.clientId !== form.client_id) json(res, 400, { error: 'invalid_grant' });
        else json(res, 200, tokensFor(grant, undefined, form.refresh_token));
        return true;
      }
      const code = codes.get(form.code);
      // A code is used once, whatever the outcome, as RFC 6749 asks.
      codes.delete(form.code);
      if (
        !code ||
        code.expiresAt < Date.now() ||
        code.clientId !== form.client_id ||
        code.redirectUri !== form.redirect_uri ||
        !sameS256(form.code_verifier, code.challenge)
      ) {
        json(res, 400, { error: 'invalid_grant' });
        return true;
      }
      json(res, 200, tokensFor(code, code.nonce));
      return true;
    }
    if (url.pathname === '/logout' && req.method === 'GET') {
      const back = url.searchParams.get('logout_uri') ?? '';
      if (back !== `${appBaseUrl()}/`) {
        json(res, 400, { error: 'invalid_request', error_description: 'logout_uri is not registered' });
        return true;
      }
      res.writeHead(302, { location: back, 'cache-control': 'no-store' }).end();
      return true;
    }
    return false;
  };
};

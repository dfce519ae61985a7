import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir } from 'node:os';
import path from 'node:path';
import * as z from 'zod';
import { html } from '../domain/platform/html';
import {
  authorizeUrl,
  exchangeCode,
  type Issuer,
  randomToken,
  refreshTokens,
  type TokenResponse,
  unverifiedExpiry,
} from '../functions/shared/oauth';

/*
 * The CLI's sign-in: `growcycle login` runs the same authorization code flow with PKCE as the app,
 * through a loopback redirect (RFC 8252: http://127.0.0.1:<any free port>/callback), and keeps the
 * tokens per API in the user's config folder, readable by the owner only. Every command uses them,
 * refreshed when the ID token has expired. Against a local stack with no token at all, the CLI asks
 * the development issuer for an HR token by itself.
 */

/** The HR admin the CLI acts as on a local stack when nobody signed in: no employee record of its own. */
export const LOCAL_HR = 'local-hr';
const LOGIN_TIMEOUT_MS = 5 * 60_000;

export const configDir = (env: NodeJS.ProcessEnv): string =>
  path.join(env.XDG_CONFIG_HOME || path.join(env.HOME || homedir(), '.config'), 'growcycle');
export const credentialsFile = (env: NodeJS.ProcessEnv): string =>
  path.join(configDir(env), 'credentials.json');

const Stored = z.object({
  idToken: z.string(),
  refreshToken: z.string().optional(),
  domainUrl: z.string(),
  clientId: z.string(),
});
const Credentials = z.record(z.string(), Stored);
type Credentials = z.infer<typeof Credentials>;

const readCredentials = (env: NodeJS.ProcessEnv): Credentials => {
  const file = credentialsFile(env);
  if (!existsSync(file)) return {};
  const parsed = Credentials.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  return parsed.success ? parsed.data : {};
};

const writeCredentials = (env: NodeJS.ProcessEnv, credentials: Credentials) => {
  const dir = configDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir leaves an existing folder's mode as it was.
  chmodSync(dir, 0o700);
  const file = credentialsFile(env);
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
};

const AuthConfig = z.object({ domainUrl: z.url(), clientId: z.string().min(1), scopes: z.string() });

const issuerOf = async (api: string): Promise<Issuer> => {
  const res = await fetch(`${api}/auth/config`).catch(() => undefined);
  const parsed = AuthConfig.safeParse(res?.ok ? await res.json() : undefined);
  if (!parsed.success) throw new Error(`${api} does not say where to sign in (GET /auth/config)`);
  return { domainUrl: parsed.data.domainUrl, clientId: parsed.data.clientId };
};

const openInBrowser = (url: string) => {
  const opener =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  spawn(opener, [url], { stdio: 'ignore', detached: true })
    .on('error', () => {})
    .unref();
};

const CallbackQuery = z.object({ code: z.string().min(1).max(2048), state: z.string().max(256) });

/** Waits on a loopback port for the issuer's redirect; the code once the state matches. */
const loopback = async (state: string) => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  const code = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no sign-in within five minutes')), LOGIN_TIMEOUT_MS);
    server.on('request', (req, res) => {
      const url = new URL(req.url ?? '/', redirectUri);
      const query = CallbackQuery.safeParse(Object.fromEntries(url.searchParams));
      const ok = url.pathname === '/callback' && query.success && query.data.state === state;
      const message = ok
        ? 'Signed in: you can close this tab.'
        : 'Sign-in refused: start again with growcycle login.';
      res
        .writeHead(ok ? 200 : 400, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
        })
        .end(html`<!doctype html><html lang="en"><title>growcycle</title><p>${message}</p></html>`.value);
      if (url.pathname !== '/callback') return;
      clearTimeout(timer);
      if (ok) resolve(query.data.code);
      else reject(new Error('the sign-in answer did not match this login'));
    });
  });
  return { redirectUri, code: code.finally(() => server.close()) };
};

const store = (
  env: NodeJS.ProcessEnv,
  api: string,
  issuer: Issuer,
  tokens: TokenResponse,
  previous?: string,
) => {
  const credentials = readCredentials(env);
  const refreshToken = tokens.refresh_token ?? previous;
  credentials[api] = {
    idToken: tokens.id_token,
    ...(refreshToken ? { refreshToken } : {}),
    domainUrl: issuer.domainUrl,
    clientId: issuer.clientId,
  };
  writeCredentials(env, credentials);
};

/** Signs in through the issuer the API names; `say` tells the person where to go. */
export const login = async (
  api: string,
  env: NodeJS.ProcessEnv,
  say: (line: string) => void,
  open: boolean,
): Promise<void> => {
  const issuer = await issuerOf(api);
  const state = randomToken();
  const verifier = randomToken();
  const { redirectUri, code } = await loopback(state);
  const url = authorizeUrl(issuer, { redirectUri, state, verifier });
  say(`Sign in at: ${url}`);
  if (open) openInBrowser(url);
  const tokens = await exchangeCode(issuer, { code: await code, verifier, redirectUri });
  store(env, api, issuer, tokens);
};

export const logout = (api: string, env: NodeJS.ProcessEnv): boolean => {
  const credentials = readCredentials(env);
  if (!credentials[api]) return false;
  delete credentials[api];
  if (Object.keys(credentials).length) writeCredentials(env, credentials);
  else rmSync(credentialsFile(env), { force: true });
  return true;
};

/** The stored ID token for this API, refreshed first once it has expired; undefined when nobody signed in. */
export const storedToken = async (api: string, env: NodeJS.ProcessEnv): Promise<string | undefined> => {
  const stored = readCredentials(env)[api];
  if (!stored) return undefined;
  const exp = unverifiedExpiry(stored.idToken) ?? 0;
  // A minute's margin, so the token does not expire on its way.
  if (exp * 1000 > Date.now() + 60_000) return stored.idToken;
  if (!stored.refreshToken) return undefined;
  const issuer = { domainUrl: stored.domainUrl, clientId: stored.clientId };
  const tokens = await refreshTokens(issuer, stored.refreshToken).catch(() => undefined);
  if (!tokens) return undefined;
  store(env, api, issuer, tokens, stored.refreshToken);
  return tokens.id_token;
};

/** On a local stack (it answers its discovery route), an HR token from its development issuer. */
export const localHrToken = async (api: string): Promise<string | undefined> => {
  const local = await fetch(`${api}/_local/aws`).catch(() => undefined);
  if (!local?.ok) return undefined;
  const res = await fetch(`${api}/_local/token?employee=${LOCAL_HR}&hr=true`, { method: 'POST' });
  const parsed = z.object({ token: z.string() }).safeParse(res.ok ? await res.json() : undefined);
  return parsed.success ? parsed.data.token : undefined;
};

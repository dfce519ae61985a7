import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { EMPLOYEE_CLAIM, HR_GROUP } from '../domain/people/roles';

/*
 * The local stand-in for Cognito: a development token issuer. It signs RS256 JWTs carrying the same
 * claims a Cognito ID token does (the employee id attribute and the groups), and the local gateway
 * verifies them the way API Gateway's JWT authorizer does: signature, issuer, audience, expiry.
 * The key lives under .local/ and never leaves the machine.
 */

export const DEV_ISSUER = 'growcycle-local-dev-issuer';
export const DEV_AUDIENCE = 'growcycle-local';
/** The CLI's client at the development issuer, as the CLI has a client of its own in the user pool. */
export const DEV_CLI_CLIENT = 'growcycle-local-cli';
const CLIENTS = new Set([DEV_AUDIENCE, DEV_CLI_CLIENT]);
const KEY_ID = 'local';

export type Claims = Record<string, string | number | string[]>;

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

export class DevTokenIssuer {
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;

  constructor(keyFile: string) {
    if (!existsSync(keyFile)) {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    }
    this.privateKey = createPrivateKey(readFileSync(keyFile));
    this.publicKey = createPublicKey(this.privateKey);
  }

  /**
   * A token for one employee; `hr` adds the HR admin group. An ID token by default, for the app's
   * client unless another is named; an access token, as Cognito's, names its client and no audience.
   */
  issue(
    employeeId: string,
    options: {
      hr?: boolean;
      ttlSeconds?: number;
      clientId?: string;
      nonce?: string;
      use?: 'id' | 'access';
    } = {},
  ): string {
    const now = Math.floor(Date.now() / 1000);
    const clientId = options.clientId ?? DEV_AUDIENCE;
    const claims: Claims = {
      iss: DEV_ISSUER,
      ...(options.use === 'access' ? { client_id: clientId } : { aud: clientId }),
      sub: `local-${employeeId}`,
      token_use: options.use ?? 'id',
      [EMPLOYEE_CLAIM]: employeeId,
      'cognito:groups': options.hr ? [HR_GROUP] : [],
      ...(options.nonce ? { nonce: options.nonce } : {}),
      iat: now,
      exp: now + (options.ttlSeconds ?? 3600),
    };
    const unsigned = `${b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: KEY_ID }))}.${b64url(JSON.stringify(claims))}`;
    return `${unsigned}.${sign('RSA-SHA256', Buffer.from(unsigned), this.privateKey).toString('base64url')}`;
  }

  /** The public key as a JSON Web Key Set, as an issuer publishes it at /.well-known/jwks.json. */
  jwks(): { keys: Array<Record<string, string>> } {
    const jwk = this.publicKey.export({ format: 'jwk' }) as Record<string, string>;
    return { keys: [{ ...jwk, kid: KEY_ID, alg: 'RS256', use: 'sig' }] };
  }

  /** The claims of a valid token, or why it is not valid. */
  verify(token: string): { ok: true; claims: Claims } | { ok: false; reason: string } {
    const parts = token.split('.');
    if (parts.length !== 3) return { ok: false, reason: 'malformed' };
    const [header, payload, signature] = parts as [string, string, string];
    try {
      const alg = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string }).alg;
      if (alg !== 'RS256') return { ok: false, reason: 'algorithm' };
      if (
        !verify(
          'RSA-SHA256',
          Buffer.from(`${header}.${payload}`),
          this.publicKey,
          Buffer.from(signature, 'base64url'),
        )
      ) {
        return { ok: false, reason: 'signature' };
      }
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Claims;
      // As API Gateway's JWT authorizer: the audience, or else the client id, names an accepted client.
      const client = claims.aud ?? claims.client_id;
      if (claims.iss !== DEV_ISSUER || typeof client !== 'string' || !CLIENTS.has(client))
        return { ok: false, reason: 'issuer or audience' };
      if (typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now())
        return { ok: false, reason: 'expired' };
      return { ok: true, claims };
    } catch {
      return { ok: false, reason: 'malformed' };
    }
  }
}

/** As API Gateway hands JWT claims to a function: arrays become "[a b]" strings. */
export const asGatewayClaims = (claims: Claims): Record<string, string | number> =>
  Object.fromEntries(Object.entries(claims).map(([k, v]) => [k, Array.isArray(v) ? `[${v.join(' ')}]` : v]));

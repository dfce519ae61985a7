import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Activity } from './activity';
import type { LocalLambda } from './lambda';
import type { LocalRoute } from './template';

/*
 * The template's HTTP API routes, served in-process: each request becomes the API Gateway v2
 * (payload 2.0) event the deployed function receives. IAM-authorized routes are not signature-checked
 * locally, as with SAM local; on AWS the authorizer rejects unsigned calls before the function runs.
 */

// API Gateway HTTP APIs accept payloads up to 10 MB.
const MAX_BODY = 10 * 1024 * 1024;

type Matcher = { route: LocalRoute; regex: RegExp; params: string[] };

const compile = (route: LocalRoute): Matcher => {
  const params: string[] = [];
  const pattern = route.path
    .split('/')
    .map((segment) => {
      const param = /^\{([^}]+)\}$/.exec(segment);
      if (!param) return segment.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&');
      params.push(param[1] as string);
      return '([^/]+)';
    })
    .join('/');
  return { route, regex: new RegExp(`^${pattern}$`), params };
};

export const matchRoute = (matchers: Matcher[], method: string, path: string) => {
  for (const m of matchers) {
    if (m.route.method !== method) continue;
    const found = m.regex.exec(path);
    if (found) {
      const pathParameters = Object.fromEntries(
        m.params.map((p, i) => [p, decodeURIComponent(found[i + 1] ?? '')]),
      );
      return { route: m.route, pathParameters };
    }
  }
  return undefined;
};

export const compileRoutes = (routes: LocalRoute[]): Matcher[] => routes.map(compile);

const readBody = (req: IncomingMessage): Promise<Buffer | 'too-large'> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_BODY ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });

const isText = (contentType: string) =>
  /^(text\/|application\/(json|x-www-form-urlencoded|problem\+json))/i.test(contentType);

export const toEvent = (
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  route: LocalRoute,
  pathParameters: Record<string, string>,
  claims?: Record<string, string | number>,
): APIGatewayProxyEventV2 => {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  // Payload 2.0 hands the cookies over as a list of their own, not as a header.
  const cookies = headers.cookie?.split(/;\s*/).filter(Boolean);
  delete headers.cookie;
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
  const text = isText(headers['content-type'] ?? '');
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: `${route.method} ${route.path}`,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    ...(cookies?.length ? { cookies } : {}),
    ...(url.search ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length ? { pathParameters } : {}),
    ...(body.length ? { body: text ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !text,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: url.host,
      domainPrefix: 'local',
      http: {
        method: route.method,
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: crypto.randomUUID(),
      routeKey: `${route.method} ${route.path}`,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
      ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
    },
  } as APIGatewayProxyEventV2;
};

export type ExtraRoute = (req: IncomingMessage, url: URL, res: ServerResponse) => Promise<boolean>;

/** Verifies a bearer token for a JWT-authorized route: its claims as the gateway passes them, or undefined. */
export type JwtCheck = (token: string) => Record<string, string | number> | undefined;

export const createApiGateway = (
  routes: LocalRoute[],
  lambda: LocalLambda,
  activity: Activity,
  extra: ExtraRoute,
  checkJwt: JwtCheck,
): Server => {
  const matchers = compileRoutes(routes);
  return createServer((req, res) => {
    void activity.track(async () => {
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
      try {
        if (await extra(req, url, res)) return;
        const match = matchRoute(matchers, req.method ?? 'GET', url.pathname);
        if (!match) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: 'Not Found' }));
          return;
        }
        let claims: Record<string, string | number> | undefined;
        if (match.route.authorization === 'JWT') {
          const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
          claims = token ? checkJwt(token) : undefined;
          if (!claims) {
            // As API Gateway's JWT authorizer: the function never runs.
            res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
            res.end(JSON.stringify({ message: 'Unauthorized' }));
            return;
          }
        }
        const body = await readBody(req);
        if (body === 'too-large') {
          res.writeHead(413, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: 'Request Entity Too Large' }));
          return;
        }
        const result = (await lambda.invoke(
          match.route.functionLogicalId,
          toEvent(req, url, body, match.route, match.pathParameters, claims),
        )) as APIGatewayProxyStructuredResultV2;
        const headers: Record<string, string | string[]> = { ...(result.headers ?? {}) } as Record<
          string,
          string
        >;
        // As API Gateway does with payload 2.0: each of the result's cookies is a Set-Cookie header.
        if (result.cookies?.length) headers['set-cookie'] = result.cookies;
        res.writeHead(result.statusCode ?? 200, headers);
        res.end(result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? ''));
      } catch (error) {
        // As API Gateway does for a failed integration: a generic 500, details only in the logs.
        console.error(
          JSON.stringify({
            level: 'error',
            message: 'integration failed',
            error: error instanceof Error ? error.name : 'unknown',
          }),
        );
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Internal Server Error' }));
      }
    });
  });
};

import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type Principal, principalFrom } from '../../domain/people/access';
import { forbidden, type HttpEvent, type HttpResult, jsonResult, problem } from '../shared/http';
import { httpErrors, observed } from '../shared/middleware';
import { auditRoutes } from './hr-routes/audit';
import { catalogRoutes } from './hr-routes/catalog';
import { cycleRoutes } from './hr-routes/cycles';
import { employeeRoutes } from './hr-routes/employees';
import { feedbackRoutes } from './hr-routes/feedback';
import { goalRoutes } from './hr-routes/goals';
import { orgRoutes } from './hr-routes/org';
import { planRoutes } from './hr-routes/plans';
import { requestRoutes } from './hr-routes/requests';
import { reviewRoutes } from './hr-routes/reviews';
import type { Routes } from './hr-routes/route';
import { openApiDocument } from './openapi';

/*
 * The HR API: one Lambda behind the gateway's JWT authorizer, answering every route of every
 * resource. Each resource's routes are in hr-routes/, one file each; this is where they come together
 * and where the caller is read from the token.
 */

const routes: Routes = {
  ...auditRoutes,
  ...employeeRoutes,
  ...orgRoutes,
  ...goalRoutes,
  ...catalogRoutes,
  ...cycleRoutes,
  ...reviewRoutes,
  ...requestRoutes,
  ...planRoutes,
  ...feedbackRoutes,
};

/** The HR API's routes; the gateway only forwards the route keys listed in infra, so others never arrive. */
export const HR_ROUTES = Object.keys(routes);

const claimsOf = (event: HttpEvent) =>
  (event.requestContext as { authorizer?: { jwt?: { claims?: Parameters<typeof principalFrom>[0] } } })
    .authorizer?.jwt?.claims;

/**
 * Answers one HR API route in-process for a caller the app's session names: the app's pages read and
 * act through the same routes, so they share the API's validation and every access rule.
 */
export const callRoute = async (
  routeKey: string,
  caller: Principal,
  request: {
    path?: Record<string, string>;
    query?: Record<string, string>;
    body?: unknown;
    idempotencyKey?: string;
  } = {},
): Promise<{
  status: number;
  body: unknown;
  text: string;
  contentType: string;
  headers: Record<string, string>;
}> => {
  const route = routes[routeKey];
  if (!route) throw new Error(`no HR API route ${routeKey}`);
  const [method = 'GET', rawPath = '/'] = routeKey.split(' ');
  const path = rawPath.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(request.path?.[name] ?? ''),
  );
  const event = {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: new URLSearchParams(request.query ?? {}).toString(),
    headers: {
      'content-type': 'application/json',
      ...(request.idempotencyKey ? { 'idempotency-key': request.idempotencyKey } : {}),
    },
    ...(request.path ? { pathParameters: request.path } : {}),
    ...(request.query ? { queryStringParameters: request.query } : {}),
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    isBase64Encoded: false,
    requestContext: { http: { method, path } },
  } as unknown as HttpEvent;
  const result = await route(event, caller);
  const text = typeof result.body === 'string' ? result.body : '';
  const contentType = String(result.headers?.['content-type'] ?? '');
  const json = contentType.includes('json') && text !== '';
  return {
    status: result.statusCode ?? 200,
    body: json ? (JSON.parse(text) as unknown) : undefined,
    text,
    contentType,
    headers: Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)])),
  };
};

export const handleHr = async (event: HttpEvent): Promise<HttpResult> => {
  // The API's own description is public, like the documentation it is.
  if (event.routeKey === 'GET /openapi.json') return jsonResult(200, openApiDocument());
  const route = routes[event.routeKey];
  if (!route) return problem(404, 'Not found', `No route ${event.routeKey}`);
  const caller = principalFrom(claimsOf(event));
  if (!caller) return forbidden('The token names no employee');
  return route(event, caller);
};

export const handler = middy<HttpEvent, HttpResult, Error, Context>()
  .use(observed())
  .use(httpErrors())
  .handler(handleHr);

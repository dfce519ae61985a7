import type { Principal } from '../../../domain/people/access';
import type { HttpEvent } from '../../shared/http';
import { auditRoutes } from './audit';
import { catalogRoutes } from './catalog';
import { cycleRoutes } from './cycles';
import { employeeRoutes } from './employees';
import { feedbackRoutes } from './feedback';
import { goalRoutes } from './goals';
import { orgRoutes } from './org';
import { personRoutes } from './person-export';
import { planRoutes } from './plans';
import { requestRoutes } from './requests';
import { reviewRoutes } from './reviews';
import type { Routes } from './route';

/*
 * Every route of the HR API, by resource, each resource in a file of its own; and `callRoute`, which
 * answers one of them in-process for the app's pages.
 */

export const routes: Routes = {
  ...personRoutes((routeKey, caller, request) => callRoute(routeKey, caller, request)),
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

import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { principalFrom } from '../../domain/people/access';
import { forbidden, type HttpEvent, type HttpResult, jsonResult, problem } from '../shared/http';
import { httpErrors, observed } from '../shared/middleware';
import { HR_ROUTES, routes } from './hr-routes';
import { openApiDocument } from './openapi';

export { HR_ROUTES };

/*
 * The HR API: one Lambda behind the gateway's JWT authorizer, answering every route of every
 * resource (gathered in hr-routes/index.ts). This is where the caller is read from the token.
 */

const claimsOf = (event: HttpEvent) =>
  (event.requestContext as { authorizer?: { jwt?: { claims?: Parameters<typeof principalFrom>[0] } } })
    .authorizer?.jwt?.claims;

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

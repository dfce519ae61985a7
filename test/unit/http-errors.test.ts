import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { signedPath } from '../../domain/mail/links';
import { EmailInFlightError, EmailThrottledError } from '../../domain/mail/send';
import { handler as formsHandler } from '../../functions/api/forms';
import { handler as hrHandler } from '../../functions/api/hr-api';
import type { HttpEvent, HttpResult } from '../../functions/shared/http';
import { type CapturedLogs, captureLogs } from '../support/logs';
import {
  HR_CLAIMS,
  httpEvent,
  stubTestEnv,
  TEST_LINK_KEY,
  TEST_LINK_SECRET_VALUE,
  transactionCanceledByConflict,
} from '../support/unit-doubles';

/*
 * What a caller gets when a handler throws: a problem document (or, for a browser on a form link, a
 * page) with a correlation id the log line carries too, and nothing of the error itself.
 */

const ddb = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);

const LAMBDA_REQUEST_ID = 'lambda-request-7';
const context = { awsRequestId: LAMBDA_REQUEST_ID } as Context;

/** An error whose message quotes personal data, as a driver's or a library's may. */
const leakyError = () => new TypeError('cannot read ada.lovelace@example.com of Ada Lovelace');

const getEmployee = (): HttpEvent =>
  httpEvent({
    method: 'GET',
    route: '/employees/{employeeId}',
    path: '/employees/ada',
    pathParameters: { employeeId: 'ada' },
    claims: HR_CLAIMS,
  });

const formLink = (headers: Record<string, string> = {}): HttpEvent => {
  const url = new URL(
    signedPath(TEST_LINK_KEY, 'respond', { requestId: 'req-1' }, new Date('2099-01-01T00:00:00Z')),
    'https://forms.example.com',
  );
  return httpEvent({
    method: 'GET',
    route: '/r/{requestId}',
    path: url.pathname,
    pathParameters: { requestId: 'req-1' },
    query: Object.fromEntries(url.searchParams),
    headers,
  });
};

const bodyOf = (result: HttpResult) => JSON.parse(result.body ?? '{}') as Record<string, unknown>;

/** Nothing of the error: not its message, not a stack frame. */
const expectNothingOfTheError = (result: HttpResult) => {
  expect(result.body).not.toMatch(/Ada|lovelace|cannot read|TypeError|\bat \S+ \(|\.ts:\d+/);
};

describe('an HTTP handler that throws', () => {
  let logs: CapturedLogs;
  const errorLines = () => logs.lines().filter((line) => line.level === 'ERROR');

  beforeEach(() => {
    stubTestEnv();
    logs = captureLogs();
    secrets.on(GetSecretValueCommand).resolves(TEST_LINK_SECRET_VALUE);
  });
  afterEach(() => {
    ddb.reset();
    secrets.reset();
    logs.stop();
    vi.unstubAllEnvs();
  });

  it('answers the HR API caller 500 problem+json with the gateway request id, logged on the same line, and no stack', async () => {
    // Prepare
    ddb.on(GetCommand).rejects(leakyError());

    // Act
    const result = (await hrHandler(getEmployee(), context)) as HttpResult;

    // Assess
    expect(result.statusCode).toBe(500);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    expect(bodyOf(result)).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      detail: expect.any(String),
      correlationId: 'gateway-request-1',
    });
    expect(result.headers?.['x-correlation-id']).toBe('gateway-request-1');
    expectNothingOfTheError(result);
    expect(errorLines()).toHaveLength(1);
    expect(errorLines()[0]).toMatchObject({
      message: 'request failed',
      correlationId: 'gateway-request-1',
      function_request_id: LAMBDA_REQUEST_ID,
      routeKey: 'GET /employees/{employeeId}',
      error: expect.stringMatching(/TypeError$/),
    });
    expect(logs.text()).not.toMatch(/Ada|lovelace|cannot read/);
  });

  it('takes the Lambda request id without a gateway one, and makes one up without either', async () => {
    // Prepare
    ddb.on(GetCommand).rejects(leakyError());
    const event = getEmployee();
    const bare = { ...event, requestContext: { ...event.requestContext, requestId: '' } };

    // Act
    const withLambda = (await hrHandler(bare, context)) as HttpResult;
    const withNeither = (await hrHandler(bare, {} as Context)) as HttpResult;

    // Assess
    expect(bodyOf(withLambda).correlationId).toBe(LAMBDA_REQUEST_ID);
    expect(bodyOf(withNeither).correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(errorLines()[1]).toMatchObject({
      correlationId: bodyOf(withNeither).correlationId,
    });
  });

  it('answers 409 problem+json when a write met a concurrent transaction, since nothing was saved', async () => {
    // Prepare
    ddb.on(GetCommand).rejects(transactionCanceledByConflict());

    // Act
    const result = (await hrHandler(getEmployee(), context)) as HttpResult;

    // Assess
    expect(result.statusCode).toBe(409);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    expect(bodyOf(result)).toMatchObject({ status: 409, correlationId: 'gateway-request-1' });
  });

  it('answers 503 with Retry-After when an email the request sends is held back, since it is worth sending again', async () => {
    for (const error of [new EmailInFlightError('being sent'), new EmailThrottledError('held back')]) {
      // Prepare
      ddb.reset();
      ddb.on(GetCommand).rejects(error);

      // Act
      const result = (await hrHandler(getEmployee(), context)) as HttpResult;

      // Assess
      expect(result.statusCode).toBe(503);
      expect(result.headers?.['retry-after']).toBe('60');
      expect(bodyOf(result)).toMatchObject({ status: 503, correlationId: 'gateway-request-1' });
    }
  });

  it('answers a form link fetched by a program 500 problem+json with the id and no stack', async () => {
    // Prepare
    ddb.on(GetCommand).rejects(leakyError());

    // Act
    const result = (await formsHandler(formLink(), context)) as HttpResult;

    // Assess
    expect(result.statusCode).toBe(500);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    expect(bodyOf(result)).toMatchObject({ status: 500, correlationId: 'gateway-request-1' });
    expectNothingOfTheError(result);
  });

  it('shows a person on a form link an error page with the reference, under the pages’ strict headers', async () => {
    // Prepare
    ddb.on(GetCommand).rejects(leakyError());

    // Act
    const result = (await formsHandler(
      formLink({ accept: 'text/html,application/xhtml+xml;q=0.9' }),
      context,
    )) as HttpResult;

    // Assess
    expect(result.statusCode).toBe(500);
    expect(result.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(result.headers?.['content-security-policy']).toContain("default-src 'none'");
    expect(result.body).toContain('gateway-request-1');
    expectNothingOfTheError(result);
  });
});

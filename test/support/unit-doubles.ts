import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  type GetCommandInput,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, vi } from 'vitest';

/*
 * What unit tests of handlers and steps stand on instead of AWS: the environment a deployed function
 * gets, API Gateway events, a small table behind Get and BatchGet, and the errors DynamoDB throws.
 */

/** The environment a deployed function gets from the stack, with test values. */
export const TEST_ENV = {
  TABLE_NAME: 'growcycle-unit',
  SENDER_ADDRESS: 'growcycle@example.com',
  HR_ADDRESS: 'hr@example.com',
  PUBLIC_BASE_URL: 'https://forms.example.com',
  LINK_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:link-key',
  REVIEW_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:111122223333:stateMachine:review',
  CYCLE_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:111122223333:stateMachine:cycle',
  PLAN_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:111122223333:stateMachine:plan',
  PLAN_ITEM_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:111122223333:stateMachine:plan-item',
  SCHEDULE_GROUP_NAME: 'growcycle-cycle-starts',
  SCHEDULER_ROLE_ARN: 'arn:aws:iam::111122223333:role/cycle-start',
  FAILED_INVOCATIONS_QUEUE_ARN: 'arn:aws:sqs:eu-west-1:111122223333:failed-invocations',
  RESUME_FUNCTION_NAME: 'growcycle-resume',
} as const;

/** For a test file or a describe: `Date` reads `at` in every test, and the real clock is back after them. */
export const fixedClock = (at: Date): void => {
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(at);
  });
  afterAll(() => {
    vi.useRealTimers();
  });
};

export const stubTestEnv = (): void => {
  for (const [name, value] of Object.entries(TEST_ENV)) vi.stubEnv(name, value);
};

export type HttpEventInput = {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  /** The route as API Gateway names it, e.g. `/r/{requestId}`. */
  route: string;
  /** The path as requested, e.g. `/r/abc`. */
  path: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
  /** JWT claims as API Gateway's JWT authorizer passes them, for authorized routes. */
  claims?: Record<string, string | number>;
};

/** The claims of an HR admin's token, as the HTTP API hands them over (groups as "[a b]"). */
export const HR_CLAIMS = { 'custom:employee_id': 'hr-1', 'cognito:groups': '[hr-admin]' };

/** An API Gateway HTTP API (payload 2.0) event, as the gateway hands it to the function. */
export const httpEvent = (input: HttpEventInput): APIGatewayProxyEventV2 => {
  const query = input.query ?? {};
  const rawQueryString = new URLSearchParams(query).toString();
  return {
    version: '2.0',
    routeKey: `${input.method} ${input.route}`,
    rawPath: input.path,
    rawQueryString,
    headers: { host: 'forms.example.com', ...input.headers },
    ...(rawQueryString ? { queryStringParameters: query } : {}),
    ...(input.pathParameters ? { pathParameters: input.pathParameters } : {}),
    requestContext: {
      accountId: '111122223333',
      apiId: 'unitapi',
      domainName: 'forms.example.com',
      domainPrefix: 'forms',
      http: {
        method: input.method,
        path: input.path,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'vitest',
      },
      requestId: 'gateway-request-1',
      routeKey: `${input.method} ${input.route}`,
      stage: '$default',
      time: '10/Mar/2025:09:00:00 +0000',
      timeEpoch: Date.parse('2025-03-10T09:00:00Z'),
      ...(input.claims ? { authorizer: { jwt: { claims: input.claims, scopes: null } } } : {}),
    },
    ...(input.body === undefined ? {} : { body: input.body }),
    isBase64Encoded: false,
  };
};

/** A DynamoDB item as ElectroDB stores it (keys and entity identifiers included). */
export type Row = Record<string, unknown>;

/** The item an ElectroDB `put` would write, e.g. `storedItem(db().request.put(request))`. */
export const storedItem = (put: { params: <P>() => P }): Row => put.params<{ Item: Row }>().Item;

const rowKey = (key: Row | undefined): string => `${String(key?.pk)}|${String(key?.sk)}`;

/**
 * A tiny stand-in for the table behind Get and BatchGet, so a test states which rows exist and the
 * code under test finds them by the keys ElectroDB builds.
 */
export const fakeTable = (...items: Row[]) => {
  const rows = new Map(items.map((item): [string, Row] => [rowKey(item), item]));
  return {
    put: (item: Row): void => {
      rows.set(rowKey(item), item);
    },
    get: (input: GetCommandInput) => ({ Item: rows.get(rowKey(input.Key)) }),
    batchGet: (input: BatchGetCommandInput): BatchGetCommandOutput => ({
      $metadata: {},
      Responses: Object.fromEntries(
        Object.entries(input.RequestItems ?? {}).map(([table, request]) => [
          table,
          (request.Keys ?? []).flatMap((key): Row[] => {
            const row = rows.get(rowKey(key));
            return row ? [row] : [];
          }),
        ]),
      ),
      UnprocessedKeys: {},
    }),
  };
};

/**
 * The fake table behind a document client's mock, for tests that throw many requests at a handler:
 * reads find `items`, queries find nothing, every write succeeds, an update answering the item as
 * stored (as `ReturnValues: ALL_NEW` would once the change is in it).
 */
export const tableBehind = (ddb: AwsClientStub<DynamoDBDocumentClient>, ...items: Row[]) => {
  const table = fakeTable(...items);
  ddb.on(GetCommand).callsFake(table.get);
  ddb.on(BatchGetCommand).callsFake(table.batchGet);
  ddb.on(QueryCommand).resolves({ Items: [] });
  ddb.on(UpdateCommand).callsFake((input: UpdateCommandInput) => ({ Attributes: table.get(input).Item }));
  ddb.on(PutCommand).resolves({});
  ddb.on(DeleteCommand).resolves({});
  ddb.on(TransactWriteCommand).resolves({});
  ddb.on(BatchWriteCommand).resolves({ UnprocessedItems: {} });
  return table;
};

/** What DynamoDB throws when a conditional write finds the condition false. */
export const conditionalCheckFailed = (): ConditionalCheckFailedException =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

/** What DynamoDB throws when a transaction's condition on its first item fails. */
export const transactionCanceledByCondition = (): TransactionCanceledException =>
  new TransactionCanceledException({
    message:
      'Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]',
    $metadata: {},
    CancellationReasons: [
      { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' },
      { Code: 'None' },
    ],
  });

/**
 * What DynamoDB throws when another transaction was writing one of a transaction's items at the same
 * moment: on AWS the losing one of two concurrent answers (DynamoDB Local serializes them instead).
 */
export const transactionCanceledByConflict = (): TransactionCanceledException =>
  new TransactionCanceledException({
    message:
      'Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict, None]',
    $metadata: {},
    CancellationReasons: [
      { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' },
      { Code: 'None' },
    ],
  });

/** The link key the unit tests' Secrets Manager stub holds, as links name it (domain/mail/links.ts). */
export const TEST_LINK_KEY = { id: 'v1', secret: 'unit-test-link-key' } as const;
/** What the stub answers GetSecretValue with, for the current and the previous version alike. */
export const TEST_LINK_SECRET_VALUE = { SecretString: TEST_LINK_KEY.secret, VersionId: TEST_LINK_KEY.id };

import { performance } from 'node:perf_hooks';
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import autocannon from 'autocannon';
import { LAUNCH_CONCURRENCY } from '../domain/cycles/launch';
import { signedUrl } from '../domain/mail/links';
import { db } from '../domain/platform/table';
import { localCredentials } from '../local/dynamodb';
import { filledForm } from '../local/people';
import type { LocalStack } from '../local/stack';
import { runScaleCycle } from './scale';

/*
 * The launch and the forms against the DynamoDB Local they run on, each measured beside its
 * baseline in the same run, since timings on a shared machine move from run to run:
 * - a 1,000-person cycle's launch rate (reviews started a second) over the rate of the same number
 *   of raw PutItem calls, of the size of a review's start input, at the launch's concurrency;
 * - the 99th percentile of a form's GET and POST with 50 clients (autocannon), on the requests the
 *   cycle's first step opened (goal setting, the demo template's first step), over that of a raw
 *   GetItem of the same request items with 50 clients of the SDK.
 * The cycle's executions are stopped at the end, so what the bench runs next has the stack to itself.
 */

const PARTICIPANTS = 1000;
const CLIENTS = 50;
const GETS = 3000;
// Pages opened at once before the measurement, for the answers to post.
const OPENING = 10;
const RAW_TABLE = 'bench-raw';
// A slow answer on a busy machine is a latency to measure, not an error.
const TIMEOUT_SECONDS = 120;

export type FormsResult = {
  launchPerSecond: number;
  rawWritesPerSecond: number;
  getP99Ms: number;
  getPerSecond: number;
  postP99Ms: number;
  postPerSecond: number;
  rawReadP99Ms: number;
  rawReadsPerSecond: number;
  /** Form requests, GET or POST, that did not answer 2xx (a POST that found its request settled, an error). */
  non2xx: number;
};

/** A DynamoDB client of its own, as many sockets as clients, so the baseline waits on nothing but the database. */
const rawClient = (endpoint: string) =>
  new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: localCredentials,
    requestHandler: { httpAgent: { keepAlive: true, maxSockets: CLIENTS } },
  });

/** Runs `count` calls of `call`, `concurrency` at a time; each call's milliseconds and the whole run's seconds. */
const timedCalls = async (
  count: number,
  concurrency: number,
  call: (i: number) => Promise<unknown>,
): Promise<{ ms: number[]; seconds: number }> => {
  const ms: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const at = performance.now();
      await call(i);
      ms.push(performance.now() - at);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ms, seconds: (performance.now() - started) / 1000 };
};

const p99 = (ms: number[]): number => {
  const sorted = [...ms].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(sorted.length * 0.99) - 1)] ?? 0;
};

const createRawTable = async (client: DynamoDBClient): Promise<void> => {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: RAW_TABLE,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
};

/** Writes a second: `count` PutItem calls of `bytes`-long items, `concurrency` at a time, to a table of their own. */
const rawWriteRate = async (
  client: DynamoDBClient,
  count: number,
  concurrency: number,
  bytes: number,
): Promise<number> => {
  await createRawTable(client);
  const payload = 'x'.repeat(bytes);
  const { seconds } = await timedCalls(count, concurrency, (i) =>
    client.send(
      new PutItemCommand({ TableName: RAW_TABLE, Item: { pk: { S: `write#${i}` }, input: { S: payload } } }),
    ),
  );
  return count / seconds;
};

/** A request item's key as DynamoDB takes it, from the key ElectroDB builds. */
const requestKey = (requestId: string): Record<string, { S: string }> => {
  const { Key } = db().request.get({ requestId }).params() as { Key: Record<string, string> };
  return Object.fromEntries(Object.entries(Key).map(([name, value]) => [name, { S: value }]));
};

export const runFormsBench = async (
  stack: LocalStack,
  dir: string,
  log: (line: string) => void,
): Promise<FormsResult> => {
  const raw = rawClient(stack.urls.dynamodb);
  // A review's start input as the launch sends it: its cycle, its employee and its send slot.
  const startInput = JSON.stringify({
    cycleId: '01JBENCHCYCLE0000000000000',
    employeeId: 'p00000',
    opensAt: new Date().toISOString(),
  });
  const rawWritesPerSecond = await rawWriteRate(raw, PARTICIPANTS, LAUNCH_CONCURRENCY, startInput.length);
  const cycle = await runScaleCycle(stack, PARTICIPANTS, dir, { firstStep: true, log });
  const launchPerSecond = PARTICIPANTS / cycle.launchSeconds;

  const open = (
    await db().request.query.byCycle({ cycleId: cycle.cycleId }).go({ pages: 'all' })
  ).data.filter((r) => r.status === 'open');
  // The links their emails carry, built as the emails build them.
  const links = await Promise.all(
    open.map(async (r) => {
      const url = await signedUrl(
        { requestId: r.requestId, nonce: r.linkNonce, assignment: r.assignment },
        new Date(r.closeAt),
      );
      const { pathname, search } = new URL(url);
      return { url, path: `${pathname}${search}`, key: requestKey(r.requestId) };
    }),
  );
  if (links.length === 0) throw new Error('the first step opened no request to measure the forms on');
  // Each page once, as its person would open it, for what they post: this also warms the handler.
  const posts: Array<{ path: string; body: string }> = [];
  await timedCalls(links.length, OPENING, async (i) => {
    const link = links[i] as (typeof links)[number];
    const filled = filledForm(await (await fetch(link.url)).text(), i);
    if (filled) posts.push({ path: filled.action, body: filled.body });
  });
  log(`forms: ${links.length} open requests, ${posts.length} answers prepared`);

  const target = stack.urls.api.replace('//localhost', '//127.0.0.1');
  let nextGet = 0;
  const get = await autocannon({
    url: target,
    connections: CLIENTS,
    timeout: TIMEOUT_SECONDS,
    amount: GETS,
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          path: links[nextGet++ % links.length]?.path ?? '/',
        }),
      },
    ],
  });
  const rawRead = (i: number) =>
    raw.send(
      new GetItemCommand({
        TableName: stack.tableName,
        ConsistentRead: true,
        Key: links[i % links.length]?.key,
      }),
    );
  // Every socket opened first, as the pages' pass opened the API's.
  await timedCalls(CLIENTS * 2, CLIENTS, rawRead);
  const rawReads = await timedCalls(GETS, CLIENTS, rawRead);
  let nextPost = 0;
  const post = await autocannon({
    url: target,
    connections: CLIENTS,
    timeout: TIMEOUT_SECONDS,
    amount: posts.length,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        setupRequest: (request) => {
          const answer = posts[nextPost++ % posts.length];
          return { ...request, path: answer?.path, body: answer?.body };
        },
      },
    ],
  });
  await stack.settle();
  for (const e of stack.sfn.list())
    if (e.status === 'RUNNING' && e.input.includes(`"cycleId":"${cycle.cycleId}"`))
      stack.sfn.stop(e.executionArn);
  return {
    launchPerSecond,
    rawWritesPerSecond,
    getP99Ms: get.latency.p99,
    getPerSecond: get.requests.average,
    postP99Ms: post.latency.p99,
    postPerSecond: post.requests.average,
    rawReadP99Ms: p99(rawReads.ms),
    rawReadsPerSecond: GETS / rawReads.seconds,
    non2xx: get.non2xx + post.non2xx + get.errors + post.errors,
  };
};

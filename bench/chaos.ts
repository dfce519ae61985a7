import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import * as z from 'zod';
import { db } from '../domain/platform/table';
import { ROOT } from '../infra/function';
import { DEMO_START } from '../local/demo';
import { localCredentials, startDynamoDb } from '../local/dynamodb';
import { seededRandom } from '../local/faults';
import { fetchInbox } from '../local/people';
import { startInbox } from '../local/stack';
import { freePort } from '../local/where';
import { type ChaosStackOptions, type ControlAnswer, readCounts } from './chaos-stack';
import { type CycleHost, ofMachine, runFullCycle } from './full-cycle';

/*
 * `npm run chaos`: a whole cycle of a generated organisation (bench/full-cycle.ts, 200 people by
 * default) on a local stack where SES throttles 30% of sends and loses its reply to 2% of those it
 * accepts, DynamoDB throttles 10% of writes, each step function fails once at a random invocation,
 * and which is killed with SIGKILL and
 * started again twice, at random moments while answers and steps are in flight. The stack runs in a
 * process of its own (bench/chaos-stack.ts) on its journal; DynamoDB Local and the inbox are this
 * process's, as AWS's table and sent mail outlive the code. Everything random comes from one seed.
 * It prints what was injected and what must be zero: failed executions, answers taken but not
 * stored, emails sent twice and emails never sent.
 */

const { values } = parseArgs({
  options: {
    participants: { type: 'string', default: '200' },
    restarts: { type: 'string', default: '2' },
    growth: { type: 'string', default: '10' },
    seed: { type: 'string', default: '20271206' },
    json: { type: 'boolean', default: false },
  },
});
const wholeNumber = (name: string, raw: string, min: number, max: number): number => {
  const n = Number(raw);
  if (Number.isInteger(n) && n >= min && n <= max) return n;
  console.error(`--${name}: a whole number from ${min} to ${max}`);
  process.exit(2);
};
const participants = wholeNumber('participants', values.participants, 1, 10_000);
const restarts = wholeNumber('restarts', values.restarts, 0, 10);
// Never more than the people with a manager (everyone but the first).
const growth = Math.min(wholeNumber('growth', values.growth, 0, 1000), participants - 1);
const seed = wholeNumber('seed', values.seed, 0, 2 ** 32 - 1);
const log = (line: string) => {
  if (!values.json) console.error(line);
};

const DAY_MS = 86_400_000;
const random = seededRandom(seed);
const dir = mkdtempSync(path.join(tmpdir(), 'growcycle-chaos-'));
const dataDir = path.join(dir, 'stack');
const dynamoPort = await freePort();
const dynamo = await startDynamoDb(dynamoPort, undefined);
const dynamoEndpoint = `http://127.0.0.1:${dynamoPort}`;
const inbox: Server = await startInbox(0);
const inboxUrl = `http://localhost:${(inbox.address() as AddressInfo).port}`;
const ports = { api: await freePort(), sfn: await freePort() };

const Ready = z.object({
  control: z.string(),
  api: z.string(),
  cycleStateMachineArn: z.string(),
  resumed: z.object({ executions: z.number(), schedules: z.number() }),
});
type Ready = z.infer<typeof Ready>;

let child: ChildProcess | undefined;
let ready: Ready | undefined;
let lastNowMs = DEMO_START.getTime();
let started = 0;
let resumedExecutions = 0;

/** Starts the stack's process at the last simulated instant seen; resolves once it says it is up. */
const startChild = async (): Promise<Ready> => {
  const options: ChaosStackOptions = {
    dataDir,
    dynamoEndpoint,
    inboxUrl,
    ports,
    simulatedStart: lastNowMs,
    // Each start draws its own faults, all from the run's seed.
    seed: seed + started * 7919,
    sesThrottleRate: 0.3,
    dynamoWriteThrottleRate: 0.1,
    // An email that went out though its sender never heard: only SES's Send event tells.
    sesLostReplyRate: 0.02,
    stepFailureChance: 1,
  };
  started += 1;
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'bench/chaos-stack.ts'), JSON.stringify(options)],
    {
      cwd: ROOT,
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child = proc;
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = once(proc, 'exit').then(() => {
    throw new Error(`The chaos stack exited before it was up:\n${stderr}`);
  });
  const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
  const up = (async () => {
    for await (const line of lines) if (line.startsWith('{"ready"')) return Ready.parse(JSON.parse(line));
    throw new Error(`The chaos stack said nothing:\n${stderr}`);
  })();
  const answer = await Promise.race([up, exited]);
  resumedExecutions += answer.resumed.executions;
  return answer;
};

const control = async (method: 'GET' | 'POST', route: string): Promise<ControlAnswer> => {
  if (!ready) throw new Error('The chaos stack is not up');
  const body = (await (await fetch(`${ready.control}${route}`, { method })).json()) as ControlAnswer;
  lastNowMs = Math.max(lastNowMs, body.nowMs);
  return body;
};

const crash = async () => {
  const proc = child;
  if (!proc) return;
  const exit = once(proc, 'exit');
  proc.kill('SIGKILL');
  await exit;
  log(`  killed the stack (SIGKILL) at ${new Date(lastNowMs).toISOString()}, starting it again`);
  ready = await startChild();
};

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
Object.assign(process.env, {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
  AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
  TABLE_NAME: 'growcycle',
});

const cleanUp = () => {
  child?.kill('SIGKILL');
  inbox.close();
  dynamo.kill();
  rmSync(dir, { recursive: true, force: true });
};
// Interrupted (Ctrl+C): nothing of the run is left running or on disk.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    cleanUp();
    process.exit(130);
  });

/** A development token from the running stack's local issuer (`query` names whose). */
const tokenFrom = async (api: string, query: string): Promise<string> => {
  const res = await fetch(`${api}/_local/token?${query}`, { method: 'POST' });
  return z.object({ token: z.string() }).parse(await res.json()).token;
};

let exitCode = 0;
try {
  ready = await startChild();
  const up = ready;
  const host: CycleHost = {
    api: up.api,
    inbox: inboxUrl,
    hrToken: () => tokenFrom(up.api, 'employee=hr-bench&hr=true'),
    tokenOf: (employeeId) => tokenFrom(up.api, `employee=${encodeURIComponent(employeeId)}`),
    cycleStateMachineArn: up.cycleStateMachineArn,
    nowMs: async () => (await control('GET', '/now')).nowMs,
    settle: async () => (await control('POST', '/settle')).version,
    version: async () => (await control('GET', '/now')).version,
    advance: async () => (await control('POST', '/advance')).step ?? 'no-timers',
    executions: async (stateMachineArn) =>
      ((await control('GET', '/executions')).executions ?? []).filter(ofMachine(stateMachineArn)),
  };
  // The first crash falls on the cycle's first day, in its first rush of answers; the others within
  // its next two weeks, each at the first answers after it.
  const crashAt = Array.from(
    { length: restarts },
    (_, i) => lastNowMs + DAY_MS * (i === 0 ? random() : 2 + random() * 14),
  );
  const taken = new Set<string>();
  const result = await runFullCycle(host, participants, dir, log, {
    taken,
    crashes: { at: crashAt, crash, delayMs: () => random() * 400 },
    growth,
  });
  let lost = 0;
  for (const requestId of taken) {
    const request = (await db().request.get({ requestId }).go({ consistent: true })).data;
    if (request?.status !== 'submitted') lost += 1;
  }
  const outbox = (await db().outbox.scan.go({ pages: 'all' })).data;
  const delivered = await fetchInbox(inboxUrl, 0);
  const deliveredIds = new Set(delivered.map((e) => e.messageId));
  const sent = outbox.filter((row) => row.status === 'sent');
  const sentIds = new Set(sent.map((row) => row.messageId));
  const counts = readCounts(dataDir);
  const stepsNeverFailed = counts.stepsInvoked.filter((id) => !counts.stepsFailed.includes(id));
  const stepsNeverRun = counts.stepsKnown.filter((id) => !counts.stepsInvoked.includes(id));
  const rows = [
    {
      name: 'faults.injected',
      value: counts.ses + counts.dynamodb + counts.sesLost + counts.stepsFailed.length + started - 1,
    },
    { name: 'faults.sesThrottled', value: counts.ses },
    { name: 'faults.sesRepliesLost', value: counts.sesLost },
    { name: 'faults.dynamodbWritesThrottled', value: counts.dynamodb },
    { name: 'faults.stepFunctionsFailed', value: counts.stepsFailed.length },
    { name: 'faults.stepFunctionsNeverFailed', value: stepsNeverFailed.length },
    { name: 'faults.stepFunctionsNeverRun', value: stepsNeverRun.length },
    { name: 'stack.restarts', value: started - 1 },
    { name: 'stack.resumedExecutions', value: resumedExecutions },
    { name: 'executions.failed', value: result.failedExecutions },
    { name: 'answers.lost', value: lost },
    // A delivery no sent row accounts for: its email went out again under a new SES message id.
    {
      name: 'emails.duplicate',
      value: delivered.filter((e) => !sentIds.has(e.messageId)).length,
    },
    {
      name: 'emails.missing',
      value:
        outbox.length -
        sent.length +
        sent.filter((row) => !row.messageId || !deliveredIds.has(row.messageId)).length,
    },
    { name: 'answers.taken', value: taken.size },
    { name: 'emails.delivered', value: delivered.length },
    { name: 'cycle.closed', value: result.closed ? 1 : 0 },
    { name: 'realSeconds', value: Math.round(result.realSeconds) },
  ];
  for (const row of rows)
    console.log(values.json ? JSON.stringify(row) : `${row.name.padEnd(32)} ${row.value}`);
  // Which ones, on stderr even with --json: the rows stay `{"name","value"}`.
  if (stepsNeverFailed.length > 0) console.error(`never failed: ${stepsNeverFailed.join(', ')}`);
  if (stepsNeverRun.length > 0) console.error(`never ran: ${stepsNeverRun.join(', ')}`);
  // The run's verdict as its exit code, so a script or CI can act on it: every target is 0.
  const missed = rows.filter(
    (r) =>
      ['executions.failed', 'answers.lost', 'emails.duplicate', 'emails.missing'].includes(r.name) &&
      r.value > 0,
  );
  if (missed.length > 0 || !result.closed) {
    console.error(
      `chaos run missed its targets: ${missed.map((r) => `${r.name} ${r.value}`).join(', ') || 'the cycle did not close'}`,
    );
    exitCode = 1;
  }
} catch (error) {
  console.error(`chaos run failed: ${error instanceof Error ? error.message : String(error)}`);
  exitCode = 1;
} finally {
  if (child && child.exitCode === null) {
    const exit = once(child, 'exit');
    child.kill('SIGTERM');
    await exit;
  }
  cleanUp();
}
process.exit(exitCode);

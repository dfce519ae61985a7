import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import {
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskHeartbeatCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { reviewExecution } from '../../domain/platform/ids';
import { cycleScheduleName } from '../../domain/platform/schedules';
import { ROOT } from '../../infra/function';
import { realSleep } from '../../local/clock';
import { localCredentials, reclaimDynamoDb } from '../../local/dynamodb';
import { answer, type CapturedEmail, emailKind, fetchInbox, linkIn } from '../../local/people';
import type { CfnTemplate } from '../../local/template';
import { freePort } from '../../local/where';

/*
 * `npm start` killed outright in the middle of a cycle, then started again on the same data folder:
 * the stack runs as a child process on a temp folder and ports of its own, in real time. Before the
 * kill some forms are answered (one review gets as far as its manager's appraisal, another is half
 * through its peers); after the restart the rest are. The cycle must finish with every answer kept,
 * no request emailed twice, the task token handed out before the kill still good, and a cycle
 * scheduled for later still scheduled. Nothing here waits but for a condition, with a deadline.
 */

const dataDir = mkdtempSync(path.join(tmpdir(), 'growcycle-crash-'));
let ports: { api: number; inbox: number; sfn: number; dynamodb: number };
let stack: ChildProcess | undefined;

/** `npm start`, as a process of its own; resolves once it says it is up. */
const startProcess = async (): Promise<ChildProcess> => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      GROWCYCLE_DATA_DIR: dataDir,
      GROWCYCLE_API_PORT: String(ports.api),
      GROWCYCLE_INBOX_PORT: String(ports.inbox),
      GROWCYCLE_SFN_PORT: String(ports.sfn),
      GROWCYCLE_DYNAMODB_PORT: String(ports.dynamodb),
      GROWCYCLE_LOG: 'silent',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    // Minutes, on a loaded machine: it synthesizes the CDK app and boots a JVM.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`The stack did not start:\n${output}`));
    }, 240_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.includes('Ctrl+C stops the stack.')) return;
      clearTimeout(timer);
      resolve();
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The stack exited (${code}):\n${output}`));
    });
  });
  return child;
};

const until = async <T>(what: string, probe: () => Promise<T | undefined>, ms = 90_000): Promise<T> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Gave up waiting for ${what}`);
    await realSleep(200);
  }
};

const clientConfig = () => ({ region: 'us-east-1', credentials: localCredentials });
const sfn = () => new SFNClient({ ...clientConfig(), endpoint: `http://127.0.0.1:${ports.sfn}` });
const table = () =>
  DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...clientConfig(), endpoint: `http://127.0.0.1:${ports.dynamodb}` }),
  );

/** The table's items of one entity (a test may scan; the product never does). */
const items = async (entity: string): Promise<Array<Record<string, unknown>>> => {
  const found: Array<Record<string, unknown>> = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await table().send(
      new ScanCommand({
        TableName: 'growcycle',
        FilterExpression: '#e = :e',
        ExpressionAttributeNames: { '#e': '__edb_e__' },
        ExpressionAttributeValues: { ':e': entity },
        ExclusiveStartKey: start,
      }),
    );
    found.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return found;
};

const hrToken = async () => {
  const res = await fetch(`http://localhost:${ports.api}/_local/token?employee=hr-crash&hr=true`, {
    method: 'POST',
  });
  return ((await res.json()) as { token: string }).token;
};

const scheduleCycle = async (name: string, participants: string[], startAt: Date): Promise<string> => {
  const res = await fetch(`http://localhost:${ports.api}/cycles`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await hrToken()}` },
    body: JSON.stringify({ name, participants, startAt: startAt.toISOString() }),
  });
  expect(res.status).toBe(201);
  return String(((await res.json()) as { cycleId: string }).cycleId);
};

const inbox = () => fetchInbox(`http://localhost:${ports.inbox}`);
const isRequest = (e: CapturedEmail) => emailKind(e).endsWith('.request');
const requestIdOf = (e: CapturedEmail) => new URL(linkIn(e) as string).pathname.split('/')[2] as string;

const executionsOf = async (prefix: string) => {
  const machines = (await sfn().send(new ListStateMachinesCommand({}))).stateMachines ?? [];
  const arn = machines.find((m) => m.name?.startsWith(prefix))?.stateMachineArn;
  return (await sfn().send(new ListExecutionsCommand({ stateMachineArn: arn }))).executions ?? [];
};

const answered = new Set<string>();
const answerEach = async (emails: CapturedEmail[]) => {
  for (const email of emails) {
    const requestId = requestIdOf(email);
    if (answered.has(requestId)) continue;
    expect(await answer(linkIn(email) as string, answered.size)).toBe(200);
    answered.add(requestId);
  }
};

const SOFIE = 'sofie.andersen@example.com';
const OLA = 'ola.haugen@example.com';
const INGRID = 'ingrid.berg@example.com';

let cycleId: string;
let laterCycleId: string;
const delivered: CapturedEmail[] = [];
let tokenHandedOut: string;

beforeAll(async () => {
  ports = {
    api: await freePort(),
    inbox: await freePort(),
    sfn: await freePort(),
    dynamodb: await freePort(),
  };
  stack = await startProcess();
  // Sofie, Ola and Emma, Ingrid's reports; Noah, the fourth, is asked for feedback on them.
  cycleId = await scheduleCycle('Crash', ['e09', 'e10', 'e11'], new Date());
  const firstEmails = await until('every review to ask its people', async () => {
    const asked = (await inbox()).filter(isRequest);
    return asked.length >= 12 ? asked : undefined;
  });
  // Sofie's review is answered as far as her manager's appraisal; Ola's is half done.
  const selfAssessmentOf = (address: string) =>
    firstEmails.filter(
      (e) => e.destination.to.includes(address) && emailKind(e) === 'self-assessment.request',
    );
  await answerEach([
    ...selfAssessmentOf(SOFIE),
    ...firstEmails.filter((e) => e.subject.includes('Sofie Andersen')),
  ]);
  await answerEach([
    ...selfAssessmentOf(OLA),
    ...firstEmails.filter((e) => e.subject.includes('Ola Haugen')).slice(0, 1),
  ]);
  const appraisal = await until('the appraisal request for Sofie', async () =>
    (await inbox()).find((e) => e.destination.to.includes(INGRID) && isRequest(e)),
  );
  // Killed once Ingrid's wait holds its token and no email is half sent, as a crash would find it.
  tokenHandedOut = await until('the appraisal to wait with its token, and no email in flight', async () => {
    const wait = (await items('waitToken')).find((w) => w.waitId === `request#${requestIdOf(appraisal)}`);
    const sending = (await items('outbox')).filter((o) => o.status !== 'sent');
    return sending.length === 0 ? (wait?.taskToken as string | undefined) : undefined;
  });
  delivered.push(...(await inbox()));
  laterCycleId = await scheduleCycle('Later', ['e13'], new Date(Date.now() + 30 * 86_400_000));

  stack.kill('SIGKILL');
  await once(stack, 'exit');
  stack = await startProcess();
}, 720_000);

afterAll(async () => {
  if (stack && stack.exitCode === null && stack.signalCode === null) {
    stack.kill('SIGTERM');
    await once(stack, 'exit');
  }
  // A run that failed after the kill may leave that stack's DynamoDB Local behind.
  await reclaimDynamoDb(path.join(dataDir, 'dynamodb'));
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe('npm start killed with SIGKILL in the middle of a cycle, then started again', () => {
  it('still accepts the task token it handed out before the kill', async () => {
    await expect(
      sfn().send(new SendTaskHeartbeatCommand({ taskToken: tokenHandedOut })),
    ).resolves.toBeDefined();
  });

  it('keeps the one-time schedule of a cycle that starts later', async () => {
    const scheduler = new SchedulerClient({ ...clientConfig(), endpoint: `http://127.0.0.1:${ports.sfn}` });
    // The group the template defines, under the name it gives it.
    const resources = Object.values((JSON.parse(inject('sharedTemplate').json) as CfnTemplate).Resources);
    const group = resources.find((r) => r.Type === 'AWS::Scheduler::ScheduleGroup')?.Properties?.Name;
    const schedule = await scheduler.send(
      new GetScheduleCommand({ Name: cycleScheduleName(laterCycleId), GroupName: String(group) }),
    );
    expect(schedule.State).toBe('ENABLED');
  });

  it('finishes the cycle once the rest is answered, every answer kept and no request emailed twice', async () => {
    const cycleRun = await until('the cycle to finish', async () => {
      await answerEach([...delivered, ...(await inbox())].filter(isRequest));
      const run = (await executionsOf('AppraisalCycle')).find((e) => e.name === `cycle--${cycleId}`);
      return run?.status === 'RUNNING' ? undefined : run;
    });
    expect(cycleRun?.status).toBe('SUCCEEDED');
    const names = ['e09', 'e10', 'e11'].map((employeeId) => reviewExecution(cycleId, employeeId));
    const reviews = (await executionsOf('EmployeeReview')).filter((e) => names.includes(e.name ?? ''));
    expect(reviews.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);

    const requests = (await items('request')).filter((r) => r.cycleId === cycleId);
    // Three self-assessments, nine peers, three appraisals; the steps after them are not in this cycle.
    expect(requests.filter((r) => r.status === 'submitted')).toHaveLength(15);
    expect(new Set(requests.filter((r) => r.status === 'submitted').map((r) => r.requestId))).toEqual(
      answered,
    );

    const requestEmails = [...delivered, ...(await inbox())].filter(isRequest);
    const perRequest = new Map<string, number>();
    for (const e of requestEmails) perRequest.set(requestIdOf(e), (perRequest.get(requestIdOf(e)) ?? 0) + 1);
    expect([...perRequest.values()].filter((n) => n > 1)).toEqual([]);
    expect(perRequest.size).toBe(15);
    const outbox = (await items('outbox')).filter((o) => answered.has(String(o.requestId)));
    expect(outbox.map((o) => o.status)).toEqual(Array(15).fill('sent'));
  });
});

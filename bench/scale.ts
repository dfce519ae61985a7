import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { run } from '../cli/growcycle';
import { CATALOG_YAML } from '../local/sample-org';
import type { LocalStack } from '../local/stack';
import { generateOrg, orgCsv } from './org';
import { usage } from './usage';

/*
 * One large appraisal cycle on the local stack with the simulated clock: a generated organisation
 * is imported, every one of its people is a participant of a cycle from the default template, and
 * the run covers scheduling and the launch of every review execution (each then waits for its send
 * slot). With `firstStep` it goes on through the first human step: every self-assessment and
 * peer-feedback request opened and its email sent, at the throttled send rate. Nobody answers:
 * answering is measured per employee on the demo cycle.
 */

export type ScaleResult = {
  cycleId: string;
  participants: number;
  importSeconds: number;
  scheduleSeconds: number;
  /** Real seconds from the cycle's start until every review execution has been started. */
  launchSeconds: number;
  /** Whether the run went on through the first human step. */
  firstStep: boolean;
  /** Real seconds from the cycle's start until the run ended (launched, or first step done). */
  realSeconds: number;
  /** Simulated seconds from the cycle's start until the run ended (the send rate sets it). */
  simulatedSeconds: number;
  maxHistoryEvents: number;
  cycleHistoryEvents: number;
  maxPayloadBytes: number;
  emailsSent: number;
  requestsOpened: number;
  transitionsPerEmployee: number;
  failedExecutions: number;
  /** Review executions a second, complete launch of every page started (deterministic names: 0). */
  secondLaunchStarted: number;
};

const HOUR_MS = 3_600_000;

/** Where a generated cycle is scheduled: the stack's API, an HR token and its simulated time now. */
export type ScheduleTarget = { api: string; hrToken: string; nowMs: number };

const cli = async (target: ScheduleTarget, args: string[]): Promise<string[]> => {
  const lines: string[] = [];
  const code = await run([...args, '--api', target.api, '--token', target.hrToken], {
    out: (l) => lines.push(l),
    err: (l) => lines.push(l),
    isTty: false,
  });
  if (code !== 0) throw new Error(`growcycle ${args[0]} failed: ${lines.join(' ')}`);
  return lines;
};

/**
 * A generated organisation of `participants` imported with the CLI, the catalog applied (then
 * `adjust`ed, if given), and a cycle of everyone scheduled an hour ahead.
 */
export const scheduleGeneratedCycle = async (
  target: ScheduleTarget,
  participants: number,
  dir: string,
  log: (line: string) => void,
  adjust?: () => Promise<void>,
): Promise<{ cycleId: string; startAt: Date; importSeconds: number; scheduleSeconds: number }> => {
  const people = generateOrg(participants);
  const file = path.join(dir, `org-${participants}.csv`);
  writeFileSync(file, orgCsv(people));

  let started = performance.now();
  await cli(target, ['import-org', file]);
  const importSeconds = (performance.now() - started) / 1000;
  await cli(target, ['apply', CATALOG_YAML]);
  await adjust?.();

  const startAt = new Date(target.nowMs + HOUR_MS);
  started = performance.now();
  const res = await fetch(`${target.api}/cycles`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${target.hrToken}`,
      'idempotency-key': `bench-${participants}`,
    },
    body: JSON.stringify({
      name: `Bench cycle (${participants})`,
      templateId: 'annual-review',
      startAt: startAt.toISOString(),
      participants: people.map((p) => p.employeeId),
    }),
  });
  const body = (await res.json()) as { cycleId?: string };
  if (res.status !== 201 || !body.cycleId) throw new Error(`scheduling answered ${res.status}`);
  const scheduleSeconds = (performance.now() - started) / 1000;
  log(
    `imported ${participants} in ${importSeconds.toFixed(1)} s, scheduled in ${scheduleSeconds.toFixed(1)} s`,
  );
  return { cycleId: body.cycleId, startAt, importSeconds, scheduleSeconds };
};

export const runScaleCycle = async (
  stack: LocalStack,
  participants: number,
  dir: string,
  options: { firstStep?: boolean; log?: (line: string) => void } = {},
): Promise<ScaleResult> => {
  const log = options.log ?? (() => undefined);
  const firstStep = options.firstStep ?? false;
  const clock = stack.clock;
  if (!clock) throw new Error('The scale run needs a simulated clock');
  const { cycleId, startAt, importSeconds, scheduleSeconds } = await scheduleGeneratedCycle(
    { api: stack.urls.api, hrToken: stack.devToken('hr-bench', { hr: true }), nowMs: clock.nowMs() },
    participants,
    dir,
    log,
  );

  const reviewArn = stack.stateMachineArn('EmployeeReview');
  const cycleArn = stack.stateMachineArn('AppraisalCycle');
  const ofCycle = `"cycleId":"${cycleId}"`;
  const reviews = () =>
    stack.sfn.list().filter((e) => e.stateMachineArn === reviewArn && e.input.includes(ofCycle));
  const cycleExecution = () =>
    stack.sfn.list().find((e) => e.stateMachineArn === cycleArn && e.input.includes(ofCycle));

  // The launch runs without clock jumps, so its moments are caught by a real-time poll.
  let cycleStarted: number | undefined;
  let allLaunched: number | undefined;
  const poll = setInterval(() => {
    const now = performance.now();
    if (cycleStarted === undefined && cycleExecution()?.history.some((h) => h.stateName === 'Open the cycle'))
      cycleStarted = now;
    if (cycleStarted !== undefined && allLaunched === undefined && reviews().length >= participants)
      allLaunched = now;
  }, 50);
  let simulatedStart = 0;
  try {
    // Advance simulated time until every review is launched or, with firstStep, until every first
    // request is open and its email sent: then nothing is due for hours (the next timers are
    // reminders and deadlines, days away).
    for (let round = 0; round < 1_000_000; round++) {
      await stack.settle();
      const next = clock.nextDueMs();
      if (!firstStep && cycleStarted !== undefined && reviews().length >= participants) break;
      if (cycleStarted !== undefined && (next === undefined || next - clock.nowMs() > HOUR_MS)) break;
      if (
        cycleStarted === undefined &&
        simulatedStart === 0 &&
        next !== undefined &&
        next >= startAt.getTime()
      )
        simulatedStart = next;
      await stack.advance();
      if (round % 500 === 0 && cycleStarted !== undefined)
        log(`  ${reviews().length} reviews started, ${usage.emailsSent} emails sent`);
    }
  } finally {
    clearInterval(poll);
  }
  const done = performance.now();
  // Launch every page again, as a retried launch would: nothing new may start.
  const before = reviews().length;
  const launch = stack.lambda.functionFor('functions/steps/launch-reviews.ts').logicalId;
  let cursor: string | null = null;
  do {
    const page = (await stack.lambda.invoke(launch, { cycleId, cursor })) as {
      cursor: string | null;
    };
    cursor = page.cursor;
  } while (cursor);
  await stack.settle();
  const secondLaunchStarted = reviews().length - before;
  const executions = [cycleExecution(), ...reviews()].filter((e) => e !== undefined);
  const transitions = executions.reduce((s, e) => s + e.transitions, 0);
  return {
    cycleId,
    participants,
    importSeconds,
    scheduleSeconds,
    launchSeconds: ((allLaunched ?? done) - (cycleStarted ?? done)) / 1000,
    firstStep,
    realSeconds: (done - (cycleStarted ?? done)) / 1000,
    simulatedSeconds: (clock.nowMs() - (simulatedStart || startAt.getTime())) / 1000,
    maxHistoryEvents: Math.max(...executions.map((e) => e.awsHistoryEvents)),
    cycleHistoryEvents: cycleExecution()?.awsHistoryEvents ?? 0,
    maxPayloadBytes: Math.max(...executions.map((e) => e.maxPayloadBytes)),
    emailsSent: usage.emailsSent,
    requestsOpened: reviews().reduce(
      (s, e) =>
        s +
        e.history.filter((h) => h.type === 'TaskStateEntered' && h.stateName?.startsWith('Wait for')).length,
      0,
    ),
    transitionsPerEmployee: transitions / participants,
    failedExecutions: executions.filter((e) => e.status !== 'RUNNING' && e.status !== 'SUCCEEDED').length,
    secondLaunchStarted,
  };
};

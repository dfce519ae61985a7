import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as z from 'zod';
import { realSleep } from '../local/clock';
import { answer, inboxReader, itemsIn, submitForm } from '../local/people';
import type { LocalStack } from '../local/stack';
import { generateOrg } from './org';
import { scheduleGeneratedCycle } from './scale';
import { benchStack } from './stack';

/*
 * A whole appraisal cycle of a generated organisation (bench/org.ts) on the local stack, on the
 * simulated clock, from the import to the cycle's close: the demo template with every phase on
 * (goal setting, nominations, self-assessment and peers, the manager's appraisal, calibration, the
 * meeting, the release and the acknowledgment), no development plans drafted at release, as the
 * bench's demo cycle, and everyone answering every request when first asked, managers approving
 * goals as drafted; HR releases the results once the meeting invitations go out.
 *
 * Run as a process of its own (`tsx bench/full-cycle.ts N`, which bench/bench.ts spawns), so the
 * peak memory it reports (the process's maxRSS: the handlers, the workflow engine, the inbox) is
 * this run's alone. It prints one JSON object on its last line.
 */

export const FullCycleResult = z.object({
  participants: z.number(),
  /** Real seconds from the import to the cycle's close. */
  realSeconds: z.number(),
  simulatedDays: z.number(),
  peakRssMB: z.number(),
  formsAnswered: z.number(),
  emails: z.number(),
  executions: z.number(),
  failedExecutions: z.number(),
  /** Steps that failed after their retries, caught and recorded for HR (the cycle's failures). */
  recordedFailures: z.number(),
  /** Whether the cycle's own execution ran to its end. */
  closed: z.boolean(),
});
export type FullCycleResult = z.infer<typeof FullCycleResult>;

// Answers in flight at once: people answer side by side, not ten thousand in the same millisecond.
const ANSWERING = 20;

const runAll = async (tasks: Array<() => Promise<unknown>>, concurrency: number): Promise<void> => {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < tasks.length; i = next++) await tasks[i]?.();
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
};

/** An execution as the run looks at it: which, how it stands, and where a failed one stopped. */
export type ExecutionSummary = {
  name: string;
  stateMachineArn: string;
  status: string;
  input: string;
  error?: string | undefined;
  cause?: string | undefined;
  lastState?: string | undefined;
};

/**
 * What the run needs of a stack on the simulated clock, whether it runs in this process or in
 * another (the chaos run's, which is killed and restarted).
 */
export type CycleHost = {
  api: string;
  inbox: string;
  /** A fresh HR token: a development token expires within the simulated hours. */
  hrToken: () => Promise<string>;
  /** A fresh token of one employee, signed in as themselves. */
  tokenOf: (employeeId: string) => Promise<string>;
  cycleStateMachineArn: string;
  nowMs: () => Promise<number>;
  /** Waits until nothing is in flight; the stack's activity version then. */
  settle: () => Promise<number>;
  /** The activity version: a change means something happened since it was last read. */
  version: () => Promise<number>;
  advance: () => Promise<'advanced' | 'busy' | 'no-timers'>;
  /** The stack's executions, or those of one state machine. */
  executions: (stateMachineArn?: string) => Promise<ExecutionSummary[]>;
};

/** Whether an execution is of the state machine asked for, when one is (CycleHost executions). */
export const ofMachine =
  (stateMachineArn?: string) =>
  (e: { stateMachineArn: string }): boolean =>
    stateMachineArn === undefined || e.stateMachineArn === stateMachineArn;

export const summarise = (e: ReturnType<LocalStack['sfn']['list']>[number]): ExecutionSummary => ({
  name: e.name,
  stateMachineArn: e.stateMachineArn,
  status: e.status,
  input: e.input,
  error: e.error,
  cause: e.cause,
  // Built from the history, so only for an execution that stopped short: read every round at scale.
  lastState: e.status === 'RUNNING' || e.status === 'SUCCEEDED' ? undefined : e.history.at(-1)?.stateName,
});

export const inProcess = (stack: LocalStack): CycleHost => {
  const clock = stack.clock;
  if (!clock) throw new Error('The full cycle needs a simulated clock');
  return {
    api: stack.urls.api,
    inbox: stack.urls.inbox,
    hrToken: async () => stack.devToken('hr-bench', { hr: true }),
    tokenOf: async (employeeId) => stack.devToken(employeeId),
    cycleStateMachineArn: stack.stateMachineArn('AppraisalCycle'),
    nowMs: async () => clock.nowMs(),
    settle: async () => {
      await stack.settle();
      return stack.activity.version;
    },
    version: async () => stack.activity.version,
    // A jump fires the timers of the next simulated second together: a launch spreads ten thousand
    // reviews' first emails over the send rate's slots, and one jump per slot, each waiting for the
    // stack to settle, spent a settle on every timer.
    advance: () => stack.advance({ windowMs: 1_000 }),
    executions: async (stateMachineArn) => stack.sfn.list().filter(ofMachine(stateMachineArn)).map(summarise),
  };
};

/** A read of the run's own (the inbox's), tried again when a loaded machine resets its connection. */
const withRetries = async <T>(read: () => Promise<T>): Promise<T> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (attempt >= 5) throw error;
      await realSleep(200 * attempt);
    }
  }
};

/** The chaos run's crashes: at these simulated instants the stack is killed, then started again. */
export type Crashes = {
  at: number[];
  /** Kills the stack outright and resolves once it is back up. */
  crash: () => Promise<void>;
  /** How long after a trigger, in real milliseconds, the kill comes (answers and steps in flight). */
  delayMs: () => number;
};

/**
 * Plans and requests for feedback beside the cycle, for the first `count` people with a manager: a
 * plan started at once with an action due in ten days and two weeks of weekly mentoring sessions with
 * their manager, and a request for feedback from two colleagues, answered within a week.
 */
const startGrowth = async (host: CycleHost, participants: number, count: number, fromMs: number) => {
  const people = generateOrg(participants).filter((p) => p.managerId);
  const hr = { authorization: `Bearer ${await host.hrToken()}`, 'content-type': 'application/json' };
  const day = (n: number) => new Date(fromMs + n * 86_400_000).toISOString();
  for (const [i, person] of people.slice(0, count).entries()) {
    const plan = await fetch(`${host.api}/plans`, {
      method: 'POST',
      headers: { ...hr, 'idempotency-key': `growth-plan-${i}` },
      body: JSON.stringify({
        ownerId: person.employeeId,
        title: 'Growth beside the cycle',
        items: [
          { kind: 'practice', title: 'Lead a design review', dueAt: day(10), definitionOfDone: 'Held once' },
          {
            kind: 'mentoring',
            title: 'Weekly mentoring',
            dueAt: day(14),
            mentorId: person.managerId,
            sessionEveryDays: 7,
          },
        ],
      }),
    });
    if (plan.status !== 201) throw new Error(`a growth plan answered ${plan.status}`);
    const colleagues = people.filter((p) => p.employeeId !== person.employeeId).slice(i, i + 2);
    const ask = await fetch(`${host.api}/feedback/requests`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await host.tokenOf(person.employeeId)}`,
        'content-type': 'application/json',
        'idempotency-key': `growth-ask-${i}`,
      },
      body: JSON.stringify({
        recipients: colleagues.map((c) => ({ employeeId: c.employeeId })),
        question: 'What should I keep doing?',
        days: 7,
      }),
    });
    if (ask.status !== 201) throw new Error(`a request for feedback answered ${ask.status}`);
  }
};

export const runFullCycle = async (
  host: CycleHost,
  participants: number,
  dir: string,
  log: (line: string) => void,
  options: {
    /** Filled with the request id of every form that answered 200 (the chaos run checks each is stored). */
    taken?: Set<string>;
    crashes?: Crashes;
    /**
     * How many people also follow a development plan and ask for feedback beside the cycle, so that
     * the plan and feedback workflows run too; the run then goes on until every execution has ended.
     */
    growth?: number;
  } = {},
): Promise<FullCycleResult> => {
  const started = performance.now();
  const simulatedFrom = await host.nowMs();
  const hr = async () => ({
    authorization: `Bearer ${await host.hrToken()}`,
    'content-type': 'application/json',
  });
  // The template as the bench's demo cycle runs it: its plans are priced apart.
  const { cycleId } = await scheduleGeneratedCycle(
    { api: host.api, hrToken: await host.hrToken(), nowMs: simulatedFrom },
    participants,
    dir,
    log,
    async () => {
      const url = `${host.api}/templates/annual-review`;
      const { doc } = (await (await fetch(url, { headers: await hr() })).json()) as { doc: object };
      const res = await fetch(url, {
        method: 'PUT',
        headers: await hr(),
        body: JSON.stringify({ ...doc, developmentPlans: { draft: false } }),
      });
      if (!res.ok) throw new Error(`the template answered ${res.status}`);
      if (options.growth) await startGrowth(host, participants, options.growth, simulatedFrom);
    },
  );
  const ofCycle = `"cycleId":"${cycleId}"`;
  const cycleExecution = async () =>
    (await host.executions(host.cycleStateMachineArn)).find((e) => e.input.includes(ofCycle));

  const newEmails = inboxReader(host.inbox);
  const crashAt = [...(options.crashes?.at ?? [])].sort((a, b) => a - b);
  let released = false;
  let emails = 0;
  let answered = 0;
  // Answers whose POST never got an answer (the stack was killed under it): sent again.
  let unanswered: Array<{ kind: string; link: string; send: () => Promise<number> }> = [];
  // Forms that answered neither 200 nor 5xx, by kind and status (0: a page the bench could not fill).
  const refused = new Map<string, number>();
  let day = Math.floor(simulatedFrom / 86_400_000);
  let heardAt = performance.now();
  for (let round = 0; round < 10_000_000; round++) {
    // A long stretch inside one simulated day still shows the run is moving.
    if (performance.now() - heardAt > 300_000) {
      heardAt = performance.now();
      log(`  round ${round}: ${emails} emails, ${answered} answered, ${unanswered.length} to send again`);
    }
    const quietAt = await host.settle();
    const fresh = await withRetries(newEmails);
    emails += fresh.length;
    const items = fresh.flatMap(itemsIn);
    if (!released && items.some((i) => i.kind === 'review-meeting.request')) {
      released = true;
      const res = await fetch(`${host.api}/cycles/${cycleId}/release`, {
        method: 'POST',
        headers: await hr(),
      });
      if (!res.ok) throw new Error(`the release answered ${res.status}`);
    }
    const answers = [
      ...unanswered,
      ...items
        .filter((i) => i.link && (i.kind.endsWith('.request') || i.kind.startsWith('action-item.')))
        .map(({ kind, link = '' }) => ({
          kind,
          link,
          send: kind.startsWith('goal-approval.')
            ? () => submitForm(link, { decision: 'approve' })
            : kind.startsWith('action-item.')
              ? () => submitForm(link, { choice: 'done' })
              : () => answer(link, answered),
        })),
    ];
    const retried = new Set(unanswered);
    unanswered = [];
    const answering = runAll(
      answers.map((a) => async () => {
        const status = await a.send().catch(() => 503);
        if (status >= 500) return void unanswered.push(a);
        // A repeat that finds the form answered: the first try was stored before the kill.
        if (status !== 200 && !(status === 409 && retried.has(a))) {
          const key = `${a.kind} ${status}`;
          return void refused.set(key, (refused.get(key) ?? 0) + 1);
        }
        answered += 1;
        options.taken?.add(new URL(a.link).pathname.split('/')[2] ?? '');
      }),
      ANSWERING,
    );
    const now = await host.nowMs();
    // A crash waits for a moment with answers in flight, the steps they resume with them.
    const crashing = options.crashes && crashAt[0] !== undefined && now >= crashAt[0] && answers.length > 0;
    if (crashing && options.crashes) {
      crashAt.shift();
      const { crash, delayMs } = options.crashes;
      await Promise.all([answering, realSleep(delayMs()).then(crash)]);
      log(
        `  killed and restarted on day ${Math.floor(now / 86_400_000) - Math.floor(simulatedFrom / 86_400_000)}`,
      );
      continue;
    }
    await answering;
    if (fresh.length > 0 || unanswered.length > 0 || (await host.version()) !== quietAt) continue;
    const status = (await cycleExecution())?.status;
    const cycleOver = status !== undefined && status !== 'RUNNING';
    if (cycleOver && !options.growth) break;
    if (cycleOver && (await host.executions()).every((e) => e.status !== 'RUNNING')) break;
    const step = await host.advance();
    if (step === 'no-timers') break;
    const today = Math.floor((await host.nowMs()) / 86_400_000);
    if (today !== day) {
      day = today;
      heardAt = performance.now();
      const notTaken = [...refused].map(([key, n]) => `${key}: ${n}`).join(', ');
      log(
        `  day ${today - Math.floor(simulatedFrom / 86_400_000)}: ${emails} emails, ${answered} answered` +
          (notTaken ? `; not taken: ${notTaken}` : ''),
      );
    }
  }
  const executions = await host.executions();
  const failed = executions.filter((e) => e.status !== 'RUNNING' && e.status !== 'SUCCEEDED');
  // Which failed and where: execution names are ids, errors are error names and causes from our code.
  for (const e of failed.slice(0, 5))
    log(
      `failed: ${e.name} ${e.status} at "${e.lastState ?? '?'}": ${e.error ?? ''} ${(e.cause ?? '').slice(0, 300)}`,
    );
  const realSeconds = (performance.now() - started) / 1000;
  const status = await fetch(`${host.api}/cycles/${cycleId}`, { headers: await hr() });
  if (!status.ok) throw new Error(`the cycle's status answered ${status.status}`);
  const { failures } = (await status.json()) as { failures: Array<{ state: string; error: string }> };
  for (const f of failures.slice(0, 5)) log(`recorded failure: at "${f.state}": ${f.error}`);
  return {
    participants,
    realSeconds,
    simulatedDays: ((await host.nowMs()) - simulatedFrom) / 86_400_000,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    formsAnswered: answered,
    emails,
    executions: executions.length,
    failedExecutions: failed.length,
    recordedFailures: failures.length,
    closed: (await cycleExecution())?.status === 'SUCCEEDED',
  };
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const participants = Number(process.argv[2] ?? 10_000);
  const quiet = process.argv.includes('--quiet');
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const dir = mkdtempSync(path.join(tmpdir(), 'growcycle-full-cycle-'));
  const stack = await benchStack(dir);
  try {
    const result = await runFullCycle(
      inProcess(stack),
      participants,
      dir,
      quiet ? () => undefined : (l) => console.error(l),
    );
    console.log(JSON.stringify(result));
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}

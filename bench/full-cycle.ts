import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { answer, inboxReader, itemsIn, submitForm } from '../local/people';
import type { LocalStack } from '../local/stack';
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

const asHr = (stack: LocalStack) => ({
  authorization: `Bearer ${stack.devToken('hr-bench', { hr: true })}`,
  'content-type': 'application/json',
});

export const runFullCycle = async (
  stack: LocalStack,
  participants: number,
  dir: string,
  log: (line: string) => void,
  /** Filled with the request id of every form that answered 200 (the chaos run checks each is stored). */
  taken?: Set<string>,
): Promise<FullCycleResult> => {
  const clock = stack.clock;
  if (!clock) throw new Error('The full cycle needs a simulated clock');
  const started = performance.now();
  const simulatedFrom = clock.nowMs();
  // The template as the bench's demo cycle runs it: its plans are priced apart.
  const { cycleId } = await scheduleGeneratedCycle(stack, participants, dir, log, async () => {
    const url = `${stack.urls.api}/templates/annual-review`;
    const { doc } = (await (await fetch(url, { headers: asHr(stack) })).json()) as { doc: object };
    const res = await fetch(url, {
      method: 'PUT',
      headers: asHr(stack),
      body: JSON.stringify({ ...doc, developmentPlans: { draft: false } }),
    });
    if (!res.ok) throw new Error(`the template answered ${res.status}`);
  });
  const cycleArn = stack.stateMachineArn('AppraisalCycle');
  const ofCycle = `"cycleId":"${cycleId}"`;
  const cycleExecution = () =>
    stack.sfn.list().find((e) => e.stateMachineArn === cycleArn && e.input.includes(ofCycle));

  const newEmails = inboxReader(stack.urls.inbox);
  let released = false;
  let emails = 0;
  let answered = 0;
  let day = Math.floor(clock.nowMs() / 86_400_000);
  for (let round = 0; round < 10_000_000; round++) {
    await stack.settle();
    const quietAt = stack.activity.version;
    const fresh = await newEmails();
    emails += fresh.length;
    const items = fresh.flatMap(itemsIn);
    if (!released && items.some((i) => i.kind === 'review-meeting.request')) {
      released = true;
      const res = await fetch(`${stack.urls.api}/cycles/${cycleId}/release`, {
        method: 'POST',
        headers: asHr(stack),
      });
      if (!res.ok) throw new Error(`the release answered ${res.status}`);
    }
    const answers = items
      .filter((i) => i.link && i.kind.endsWith('.request'))
      .map(({ kind, link = '' }) => ({
        link,
        send: kind.startsWith('goal-approval.')
          ? () => submitForm(link, { decision: 'approve' })
          : () => answer(link, answered),
      }));
    await runAll(
      answers.map(({ link, send }) => async () => {
        if ((await send()) !== 200) return;
        answered += 1;
        taken?.add(new URL(link).pathname.split('/')[2] ?? '');
      }),
      ANSWERING,
    );
    if (fresh.length > 0 || stack.activity.version !== quietAt) continue;
    const status = cycleExecution()?.status;
    if (status !== undefined && status !== 'RUNNING') break;
    const step = await stack.advance();
    if (step === 'no-timers') break;
    const today = Math.floor(clock.nowMs() / 86_400_000);
    if (today !== day) {
      day = today;
      log(`  day ${today - Math.floor(simulatedFrom / 86_400_000)}: ${emails} emails, ${answered} answered`);
    }
  }
  const executions = stack.sfn.list();
  const failed = executions.filter((e) => e.status !== 'RUNNING' && e.status !== 'SUCCEEDED');
  // Which failed and where: execution names are ids, errors are error names and causes from our code.
  for (const e of failed.slice(0, 5))
    log(
      `failed: ${e.name} ${e.status} at "${e.history.at(-1)?.stateName ?? '?'}": ${e.error ?? ''} ${(e.cause ?? '').slice(0, 300)}`,
    );
  return {
    participants,
    realSeconds: (performance.now() - started) / 1000,
    simulatedDays: (clock.nowMs() - simulatedFrom) / 86_400_000,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    formsAnswered: answered,
    emails,
    executions: executions.length,
    failedExecutions: failed.length,
    closed: cycleExecution()?.status === 'SUCCEEDED',
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
      stack,
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

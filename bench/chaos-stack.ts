import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import * as z from 'zod';
import { failEachStepOnce, seededRandom } from '../local/faults';
import { startStack } from '../local/stack';
import { type CfnTemplate, synthesize } from '../local/template';
import { type ExecutionSummary, summarise } from './full-cycle';

/*
 * The stack the chaos run (bench/chaos.ts) kills: a persisting local stack on the simulated clock,
 * in a process of its own, with SES and DynamoDB throttling, SES replies lost after the send, and
 * each step function failing once.
 * DynamoDB Local and the inbox belong to the chaos run, as AWS's table and sent mail would outlive a
 * crash of the code; what this process keeps (executions, task tokens, schedules) is in its journal
 * under the data folder, and what it injected is in `chaos-faults.json` there, so a restart goes on
 * counting. The run drives the clock through a small control server, apart from the API so its calls
 * are not the stack's activity.
 */

export const ChaosStackOptions = z.object({
  dataDir: z.string(),
  dynamoEndpoint: z.string(),
  inboxUrl: z.string(),
  ports: z.object({ api: z.number(), sfn: z.number() }),
  /** The simulated instant to start at: the last one the run saw before the kill. */
  simulatedStart: z.number(),
  seed: z.number(),
  sesThrottleRate: z.number(),
  dynamoWriteThrottleRate: z.number(),
  sesLostReplyRate: z.number(),
  stepFailureChance: z.number(),
});
export type ChaosStackOptions = z.infer<typeof ChaosStackOptions>;

export const ChaosCounts = z.object({
  ses: z.number(),
  dynamodb: z.number(),
  sesLost: z.number(),
  stepsFailed: z.array(z.string()),
  stepsInvoked: z.array(z.string()),
  /** Every step function of the template, run or not. */
  stepsKnown: z.array(z.string()),
});
export type ChaosCounts = z.infer<typeof ChaosCounts>;

export const countsFile = (dataDir: string) => path.join(dataDir, 'chaos-faults.json');

/**
 * The template a start before synthesized for the same context, or a fresh one kept for the next:
 * a restart is the same deployment, and synthesizing the CDK app is most of a start's time.
 */
const synthesizedOnce =
  (dataDir: string) =>
  (context: Record<string, string>): CfnTemplate => {
    const file = path.join(dataDir, 'chaos-template.json');
    const key = JSON.stringify(context);
    if (existsSync(file)) {
      const kept = JSON.parse(readFileSync(file, 'utf8')) as { key: string; template: CfnTemplate };
      if (kept.key === key) return kept.template;
    }
    const template = synthesize(context);
    writeFileSync(file, JSON.stringify({ key, template }));
    return template;
  };

export const readCounts = (dataDir: string): ChaosCounts =>
  existsSync(countsFile(dataDir))
    ? ChaosCounts.parse(JSON.parse(readFileSync(countsFile(dataDir), 'utf8')))
    : { ses: 0, dynamodb: 0, sesLost: 0, stepsFailed: [], stepsInvoked: [], stepsKnown: [] };

/** The control server's answers. */
export type ControlAnswer = {
  nowMs: number;
  version: number;
  step?: 'advanced' | 'busy' | 'no-timers';
  executions?: ExecutionSummary[];
};

const main = async () => {
  const options = ChaosStackOptions.parse(JSON.parse(process.argv[2] ?? '{}'));
  const counts = readCounts(options.dataDir);
  const injected = { ses: counts.ses, dynamodb: counts.dynamodb, sesLost: counts.sesLost };
  const failed = new Set(counts.stepsFailed);
  const invoked = new Set(counts.stepsInvoked);
  let known: string[] = counts.stepsKnown;
  // Written in full on every change: a kill loses nothing counted before it.
  const save = () =>
    writeFileSync(
      countsFile(options.dataDir),
      JSON.stringify({
        ...injected,
        stepsFailed: [...failed],
        stepsInvoked: [...invoked],
        stepsKnown: known,
      }),
    );
  const random = seededRandom(options.seed);
  const stack = await startStack({
    ports: { ...options.ports, inbox: 0, dynamodb: 0 },
    dataDir: options.dataDir,
    persist: true,
    dynamoEndpoint: options.dynamoEndpoint,
    inboxUrl: options.inboxUrl,
    simulatedStart: new Date(options.simulatedStart),
    synthesize: synthesizedOnce(options.dataDir),
    faults: {
      sesThrottleRate: options.sesThrottleRate,
      dynamoWriteThrottleRate: options.dynamoWriteThrottleRate,
      sesLostReplyRate: options.sesLostReplyRate,
      random,
      injected,
      onInjected: save,
    },
  });
  const clock = stack.clock;
  if (!clock) throw new Error('The chaos stack runs on the simulated clock');
  known = [...stack.app.functions.values()]
    .filter((fn) => fn.entry.startsWith('functions/steps/'))
    .map((fn) => fn.logicalId);
  save();
  failEachStepOnce(stack.lambda, stack.app.functions.values(), {
    random,
    chance: options.stepFailureChance,
    failed,
    invoked,
    onChange: save,
  });

  const control = createServer(async (req, res) => {
    const answer = async (): Promise<ControlAnswer> => {
      const url = new URL(req.url ?? '/', 'http://control');
      switch (`${req.method} ${url.pathname}`) {
        case 'POST /settle':
          await stack.settle();
          break;
        case 'POST /advance': {
          const step = await stack.advance();
          return { nowMs: clock.nowMs(), version: stack.activity.version, step };
        }
        case 'GET /executions':
          return {
            nowMs: clock.nowMs(),
            version: stack.activity.version,
            executions: stack.sfn.list().map(summarise),
          };
      }
      return { nowMs: clock.nowMs(), version: stack.activity.version };
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(await answer()));
  });
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
  console.log(
    JSON.stringify({
      ready: true,
      control: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
      api: stack.urls.api,
      cycleStateMachineArn: stack.stateMachineArn('AppraisalCycle'),
      resumed: stack.resumed,
    }),
  );
  process.once('SIGTERM', () => {
    void stack.stop().then(() => process.exit(0));
  });
};

if (import.meta.url === `file://${process.argv[1]}`) await main();

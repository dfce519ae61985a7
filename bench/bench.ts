import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { run } from '../cli/growcycle';
import { runDemo } from '../local/demo';
import type { LocalStack } from '../local/stack';
import { measureBundles } from './bundles';
import { runFormsBench } from './forms';
import { FullCycleResult } from './full-cycle';
import { generateOrg, orgCsv } from './org';
import { type PlanRun, runPlanYear } from './plans';
import { runScaleCycle } from './scale';
import { benchStack } from './stack';
import { resetUsage, usage } from './usage';

/*
 * Cost and load of one appraisal cycle per employee, measured on the local stack with the demo's
 * cycle (its releases drafting no plans, everyone answering when first asked): state
 * transitions (retries included, as AWS bills them), Lambda
 * invocations and GB-seconds, DynamoDB capacity units as DynamoDB Local reports them, emails; priced
 * at public list prices. Then development plans on the same organisation, per item and per
 * employee-year (bench/plans.ts). Then a cycle of
 * `--participants` people (default 10,000) from a generated organisation: scheduling and launch,
 * and with `--first-step` every first request opened and its email sent at the send rate.
 */

const PRICES = {
  transition: 0.000025,
  lambdaGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1_000_000,
  writeUnit: 0.625 / 1_000_000,
  readUnit: 0.125 / 1_000_000,
  email: 0.1 / 1000,
};

const importTenThousand = async (api: string, token: string, dir: string): Promise<number> => {
  const file = path.join(dir, 'org-10k.csv');
  writeFileSync(file, orgCsv(generateOrg(10_000)));
  const started = performance.now();
  const code = await run(['import-org', file, '--api', api, '--token', token], {
    out: () => undefined,
    err: (l) => console.error(l),
    isTty: false,
  });
  if (code !== 0) throw new Error('the 10k import failed');
  return (performance.now() - started) / 1000;
};

/** A figure; a target, where the issue set one, is a bound the value should keep. */
type Row = { name: string; value: number; unit: string; target?: { atLeast?: number; atMost?: number } };

/** Where the demo cycle's write units went, per entity and operation, per employee, largest first. */
const writeBreakdown = (participants: number): string[] =>
  Object.entries(usage.writesBy)
    .sort(([, a], [, b]) => b.tableUnits + b.indexUnits - (a.tableUnits + a.indexUnits))
    .map(([label, t]) => {
      const per = (n: number) => (n / participants).toFixed(2).padStart(7);
      return `  ${label.padEnd(44)} ${per(t.calls)} calls ${per(t.tableUnits)} table ${per(t.indexUnits)} index WRU`;
    });

/** What measured usage costs at the list prices above. */
const costOf = (
  r: Pick<PlanRun, 'transitions' | 'gbSeconds' | 'invocations' | 'writeUnits' | 'readUnits' | 'emails'>,
) =>
  r.transitions * PRICES.transition +
  r.gbSeconds * PRICES.lambdaGbSecond +
  r.invocations * PRICES.lambdaRequest +
  r.writeUnits * PRICES.writeUnit +
  r.readUnits * PRICES.readUnit +
  r.emails * PRICES.email;

/**
 * Development plans after the demo cycle (bench/plans.ts): what one item done on time costs, and
 * what a year costs an employee: two cycles like the demo's and one plan of four items, agreed by
 * both, with a check-in every four weeks.
 */
const planRows = async (stack: LocalStack, perEmployeeCycle: number): Promise<Row[]> => {
  const items = await runPlanYear(stack, 'items-only');
  const year = await runPlanYear(stack, 'development');
  const perItem = (n: number) => n / items.items;
  const perPlan = costOf(year) / year.plans;
  return [
    { name: 'plan.transitions.perItem', value: perItem(items.itemTransitions), unit: 'transitions' },
    { name: 'plan.emails.perItem', value: perItem(items.emails), unit: 'emails' },
    { name: 'plan.cost.perItem', value: perItem(costOf(items)), unit: 'USD' },
    { name: 'plan.cost.perPlanYear', value: perPlan, unit: 'USD' },
    { name: 'plan.transitions.perPlanYear', value: year.transitions / year.plans, unit: 'transitions' },
    { name: 'plan.emails.perPlanYear', value: year.emails / year.plans, unit: 'emails' },
    { name: 'plan.maxHistoryEvents', value: year.maxHistoryEvents, unit: 'events' },
    { name: 'cost.perEmployeeYear', value: 2 * perEmployeeCycle + perPlan, unit: 'USD' },
    { name: 'plans.realSeconds', value: items.realSeconds + year.realSeconds, unit: 's' },
  ];
};

/**
 * The demo cycle, everyone answering on time, its releases drafting no plans (a year's plan is priced
 * apart, its agreement included): cost and load per employee-cycle; then the 10k import.
 */
const demoRows = async (stack: LocalStack, dataDir: string, breakdown: boolean): Promise<Row[]> => {
  resetUsage();
  const result = await runDemo(stack, () => undefined, {
    plans: false,
    habits: 'everyone-on-time',
    draftPlans: false,
  });
  const status = await fetch(`${stack.urls.api}/cycles/${result.cycleId}`, {
    headers: { authorization: `Bearer ${stack.devToken('hr-bench', { hr: true })}` },
  });
  const participants = ((await status.json()) as { reviews: { participants: number } }).reviews.participants;
  if (breakdown) console.error(['write units per employee:', ...writeBreakdown(participants)].join('\n'));
  const executions = stack.sfn.list();
  const transitions = executions.reduce((s, e) => s + e.transitions, 0);
  const { invocations, gbSeconds } = stack.lambda.stats;
  const per = (n: number) => n / participants;
  const cost = costOf({
    transitions,
    gbSeconds,
    invocations,
    writeUnits: usage.dynamoWriteUnits,
    readUnits: usage.dynamoReadUnits,
    emails: usage.emailsSent,
  });
  return [
    { name: 'cost.perEmployeeCycle', value: per(cost), unit: 'USD' },
    { name: 'transitions.perEmployee', value: per(transitions), unit: 'transitions' },
    { name: 'lambda.invocations.perEmployee', value: per(invocations), unit: 'invocations' },
    { name: 'lambda.gbSeconds.perEmployee', value: per(gbSeconds), unit: 'GB-s' },
    { name: 'dynamodb.writeUnits.perEmployee', value: per(usage.dynamoWriteUnits), unit: 'WRU' },
    { name: 'dynamodb.readUnits.perEmployee', value: per(usage.dynamoReadUnits), unit: 'RRU' },
    { name: 'emails.perEmployee', value: per(usage.emailsSent), unit: 'emails' },
    {
      name: 'executions.maxHistoryEvents',
      value: Math.max(...executions.map((e) => e.awsHistoryEvents)),
      unit: 'events',
    },
    {
      name: 'executions.maxPayloadBytes',
      value: Math.max(...executions.map((e) => e.maxPayloadBytes)),
      unit: 'bytes',
    },
    { name: 'demoCycle.realSeconds', value: result.realSeconds, unit: 's' },
    ...(await planRows(stack, per(cost))),
    {
      name: 'import.10k.seconds',
      value: await importTenThousand(stack.urls.api, stack.devToken('hr-bench', { hr: true }), dataDir),
      unit: 's',
    },
  ];
};

/** The launch and the forms, each over its DynamoDB Local baseline (bench/forms.ts). */
const formRows = async (stack: LocalStack, dataDir: string, log: (l: string) => void): Promise<Row[]> => {
  resetUsage();
  const r = await runFormsBench(stack, dataDir, log);
  const figures: Array<[string, number, string]> = [
    ['launch.perSecond', r.launchPerSecond, 'reviews/s'],
    ['dynamodb.putItem.perSecond', r.rawWritesPerSecond, 'writes/s'],
    ['form.get.p99ms', r.getP99Ms, 'ms'],
    ['form.get.perSecond', r.getPerSecond, 'requests/s'],
    ['form.post.p99ms', r.postP99Ms, 'ms'],
    ['form.post.perSecond', r.postPerSecond, 'requests/s'],
    ['form.non2xx', r.non2xx, 'responses'],
    ['dynamodb.getItem.p99ms', r.rawReadP99Ms, 'ms'],
    ['dynamodb.getItem.perSecond', r.rawReadsPerSecond, 'reads/s'],
  ];
  return [
    ...figures.map(([name, value, unit]) => ({ name, value, unit })),
    {
      name: 'launch.vsRawWriteRatio',
      value: r.launchPerSecond / r.rawWritesPerSecond,
      unit: 'ratio',
      target: { atLeast: 0.5 },
    },
    {
      name: 'form.get.vsRawReadP99',
      value: r.getP99Ms / r.rawReadP99Ms,
      unit: 'ratio',
      target: { atMost: 3 },
    },
  ];
};

const sizeLabel = (n: number) => (n % 1000 === 0 ? `${n / 1000}k` : String(n));

/** A cycle of `participants` people: scheduling and launch, and with `firstStep` the first human step. */
const scaleRows = async (
  stack: LocalStack,
  dataDir: string,
  participants: number,
  firstStep: boolean,
  log: (l: string) => void,
): Promise<Row[]> => {
  resetUsage();
  const r = await runScaleCycle(stack, participants, dataDir, { firstStep, log });
  const key = (name: string) => `cycle.${sizeLabel(participants)}.${name}`;
  return [
    { name: key('scheduleSeconds'), value: r.scheduleSeconds, unit: 's' },
    { name: key('launchSeconds'), value: r.launchSeconds, unit: 's' },
    { name: key('maxHistoryEvents'), value: r.maxHistoryEvents, unit: 'events' },
    { name: key('cycleHistoryEvents'), value: r.cycleHistoryEvents, unit: 'events' },
    { name: key('maxPayloadBytes'), value: r.maxPayloadBytes, unit: 'bytes' },
    ...(r.firstStep
      ? [
          { name: key('firstStep.realSeconds'), value: r.realSeconds, unit: 's' },
          { name: key('firstStep.simulatedSeconds'), value: r.simulatedSeconds, unit: 's' },
          { name: key('firstStep.requestsOpened'), value: r.requestsOpened, unit: 'requests' },
          { name: key('firstStep.emailsSent'), value: r.emailsSent, unit: 'emails' },
          {
            name: key('firstStep.transitionsPerEmployee'),
            value: r.transitionsPerEmployee,
            unit: 'transitions',
          },
        ]
      : []),
    { name: key('failedExecutions'), value: r.failedExecutions, unit: 'executions' },
    { name: key('secondLaunchStarted'), value: r.secondLaunchStarted, unit: 'executions' },
  ];
};

/**
 * A whole cycle of `size` people to its close (bench/full-cycle.ts), in a process of its own so its
 * peak memory is its own.
 */
const fullCycleRows = async (size: number, quiet: boolean): Promise<Row[]> => {
  const script = fileURLToPath(new URL('./full-cycle.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    [...process.execArgv, script, String(size), ...(quiet ? ['--quiet'] : [])],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`the full cycle exited with ${code}`);
  const r = FullCycleResult.parse(JSON.parse(out.trim().split('\n').at(-1) ?? '{}'));
  const key = (name: string) => `cycle.${sizeLabel(size)}.${name}`;
  const figures: Array<[string, number, string]> = [
    ['fullRunSeconds', r.realSeconds, 's'],
    ['peakRssMB', r.peakRssMB, 'MB'],
    ['fullRunSimulatedDays', r.simulatedDays, 'days'],
    ['fullRunFormsAnswered', r.formsAnswered, 'forms'],
    ['fullRunEmails', r.emails, 'emails'],
    ['fullRunExecutions', r.executions, 'executions'],
  ];
  return [
    ...figures.map(([name, value, unit]) => ({ name: key(name), value, unit })),
    {
      name: key('fullRunFailedExecutions'),
      value: r.failedExecutions,
      unit: 'executions',
      target: { atMost: 0 },
    },
    { name: key('fullRunRecordedFailures'), value: r.recordedFailures, unit: 'steps', target: { atMost: 0 } },
    { name: key('fullRunClosed'), value: r.closed ? 1 : 0, unit: 'yes/no', target: { atLeast: 1 } },
  ];
};

const main = async () => {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean' },
      participants: { type: 'string', default: '10000' },
      'first-step': { type: 'boolean' },
      'no-demo': { type: 'boolean' },
      'no-bundles': { type: 'boolean' },
      'no-forms': { type: 'boolean' },
      'full-cycle': { type: 'string' },
      breakdown: { type: 'boolean' },
    },
  });
  const participants = Number(values.participants);
  if (!Number.isInteger(participants) || participants < 0 || participants > 10_000) {
    console.error('--participants: a whole number from 0 (no large cycle) to 10000');
    process.exit(2);
  }
  // The whole cycle takes hours at 10,000 on a 2-core machine: part of the JSON run, asked for otherwise.
  const fullCycle = Number(values['full-cycle'] ?? (values.json ? 10_000 : 0));
  if (!Number.isInteger(fullCycle) || fullCycle < 0 || fullCycle > 10_000) {
    console.error('--full-cycle: a whole number from 0 (no whole cycle) to 10000');
    process.exit(2);
  }
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const print = (row: Row) => {
    const value = Number(row.value.toPrecision(4));
    const { atLeast, atMost } = row.target ?? {};
    const target =
      atLeast !== undefined ? ` (target ≥ ${atLeast})` : atMost !== undefined ? ` (target ≤ ${atMost})` : '';
    console.log(
      values.json
        ? JSON.stringify({ ...row, value })
        : `${row.name.padEnd(34)} ${String(value).padStart(12)} ${row.unit}${target}`,
    );
  };
  const progress = values.json ? () => undefined : (l: string) => console.error(l);
  if (!values['no-bundles']) {
    const b = await measureBundles();
    progress(
      `largest bundle ${b.largest}; slowest to load against its SDK clients alone: ${b.slowest} (${b.slowestMs.toFixed(0)} ms against ${b.baselineMs.toFixed(0)} ms)`,
    );
    print({ name: 'lambda.bundle.maxKB', value: b.maxKB, unit: 'KB' });
    print({ name: 'lambda.init.ratio', value: b.initRatio, unit: 'ratio', target: { atMost: 1.3 } });
    print({ name: 'lambda.init.sdkTracedRatio', value: b.sdkTracedRatio, unit: 'ratio' });
    print({ name: 'lambda.init.libraryFloorRatio', value: b.floorRatio, unit: 'ratio' });
  }
  // The bundles alone (`--participants 0 --no-demo --no-forms`) need no stack.
  if (!values['no-demo'] || !values['no-forms'] || participants > 0) {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'growcycle-bench-'));
    // One stack for both runs: handlers create their SDK clients once per process, as on Lambda.
    const stack = await benchStack(dataDir);
    try {
      if (!values['no-demo'])
        for (const row of await demoRows(stack, dataDir, values.breakdown ?? false)) print(row);
      if (!values['no-forms']) for (const row of await formRows(stack, dataDir, progress)) print(row);
      if (participants > 0)
        for (const row of await scaleRows(
          stack,
          dataDir,
          participants,
          values['first-step'] ?? false,
          progress,
        ))
          print(row);
    } finally {
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  if (fullCycle > 0) for (const row of await fullCycleRows(fullCycle, values.json ?? false)) print(row);
  process.exit(0);
};

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { run } from '../cli/growcycle';
import { resetUsage, usage } from '../domain/usage';
import { DEMO_START, runDemo } from '../local/demo';
import { startStack } from '../local/stack';

/*
 * Cost and load of one appraisal cycle per employee, measured on the local stack with the demo's
 * cycle (no development plans): state transitions, Lambda invocations and GB-seconds, DynamoDB
 * capacity units as DynamoDB Local reports them, emails; priced at public list prices.
 */

const PRICES = {
  transition: 0.000025,
  lambdaGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1_000_000,
  writeUnit: 0.625 / 1_000_000,
  readUnit: 0.125 / 1_000_000,
  email: 0.1 / 1000,
};

/** A 10,000-person HRIS export: one CEO, 10 VPs, 100 managers, the rest in their teams. */
export const tenThousandCsv = (): string => {
  const lines = [
    'employee_id,name,email,manager_id,job_title,track,level,department,location,time_zone,start_date,status',
  ];
  const zones = ['Europe/Oslo', 'America/New_York', 'Asia/Tokyo', 'Europe/London'];
  for (let i = 0; i < 10_000; i++) {
    const manager =
      i === 0
        ? ''
        : i <= 10
          ? 'p00000'
          : i <= 110
            ? `p${String(1 + (i % 10)).padStart(5, '0')}`
            : `p${String(11 + (i % 100)).padStart(5, '0')}`;
    const id = `p${String(i).padStart(5, '0')}`;
    const level = i === 0 ? 1 : i <= 10 ? 2 : i <= 110 ? 3 : 4;
    lines.push(
      `${id},"Person ${i}, Example",${id}@example.com,${manager},Role ${level},ic,${level},Dept ${i % 20},City,${zones[i % 4]},2020-01-01,active`,
    );
  }
  return `${lines.join('\r\n')}\r\n`;
};

const importTenThousand = async (api: string, token: string, dir: string): Promise<number> => {
  const file = path.join(dir, 'org-10k.csv');
  writeFileSync(file, tenThousandCsv());
  const started = performance.now();
  const code = await run(['import-org', file, '--api', api, '--token', token], {
    out: () => undefined,
    err: (l) => console.error(l),
    isTty: false,
  });
  if (code !== 0) throw new Error('the 10k import failed');
  return (performance.now() - started) / 1000;
};

const main = async () => {
  const { values } = parseArgs({ options: { json: { type: 'boolean' } } });
  process.env.GROWCYCLE_LOG = 'silent';
  const dataDir = mkdtempSync(path.join(tmpdir(), 'growcycle-bench-'));
  const stack = await startStack({
    ports: { api: 0, inbox: 0, sfn: 0, dynamodb: 8400 + Math.floor(Math.random() * 500) },
    dataDir,
    simulatedStart: DEMO_START,
  });
  try {
    resetUsage();
    const result = await runDemo(stack, () => undefined, { plans: false });
    const participants = 23;
    const transitions = stack.sfn.list().reduce((s, e) => s + e.transitions, 0);
    const maxHistory = Math.max(...stack.sfn.list().map((e) => e.history.length));
    const { invocations, gbSeconds } = stack.lambda.stats;
    const per = (n: number) => n / participants;
    const cost =
      transitions * PRICES.transition +
      gbSeconds * PRICES.lambdaGbSecond +
      invocations * PRICES.lambdaRequest +
      usage.dynamoWriteUnits * PRICES.writeUnit +
      usage.dynamoReadUnits * PRICES.readUnit +
      usage.emailsSent * PRICES.email;
    const rows = [
      { name: 'cost.perEmployeeCycle', value: per(cost), unit: 'USD' },
      { name: 'transitions.perEmployee', value: per(transitions), unit: 'transitions' },
      { name: 'lambda.invocations.perEmployee', value: per(invocations), unit: 'invocations' },
      { name: 'lambda.gbSeconds.perEmployee', value: per(gbSeconds), unit: 'GB-s' },
      { name: 'dynamodb.writeUnits.perEmployee', value: per(usage.dynamoWriteUnits), unit: 'WRU' },
      { name: 'dynamodb.readUnits.perEmployee', value: per(usage.dynamoReadUnits), unit: 'RRU' },
      { name: 'emails.perEmployee', value: per(usage.emailsSent), unit: 'emails' },
      { name: 'executions.maxHistoryEvents', value: maxHistory, unit: 'events' },
      { name: 'demoCycle.realSeconds', value: result.realSeconds, unit: 's' },
      {
        name: 'import.10k.seconds',
        value: await importTenThousand(stack.urls.api, stack.devToken('hr-bench', { hr: true }), dataDir),
        unit: 's',
      },
    ];
    for (const row of rows) {
      const value = Number(row.value.toPrecision(4));
      console.log(
        values.json
          ? JSON.stringify({ ...row, value })
          : `${row.name.padEnd(34)} ${String(value).padStart(12)} ${row.unit}`,
      );
    }
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  process.exit(0);
};

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

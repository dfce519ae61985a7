import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
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

import path from 'node:path';
import { run } from '../cli/growcycle';
import { db } from '../domain/platform/table';
import { signInLines } from './demo';
import { SAMPLE_ORG, SAMPLE_ORG_CSV } from './sample-org';
import { StackAlreadyRunningError, startStack } from './stack';
import { portsFromEnv, printWhereThingsAre } from './where';

/**
 * `npm start`: the local stack as a long-running service in real time, its data (and its running
 * executions, task tokens and schedules) kept under .local/, or under GROWCYCLE_DATA_DIR.
 */
const main = async () => {
  const dataDir = process.env.GROWCYCLE_DATA_DIR ? path.resolve(process.env.GROWCYCLE_DATA_DIR) : undefined;
  const stack = await startStack({ ports: portsFromEnv(), persist: true, ...(dataDir ? { dataDir } : {}) });
  const { employee } = db();
  if (!(await employee.get({ employeeId: SAMPLE_ORG[0]?.employeeId ?? '' }).go()).data) {
    const io = { out: () => undefined, err: (l: string) => console.error(l), isTty: false };
    const token = stack.devToken('hr-local', { hr: true });
    if ((await run(['import-org', SAMPLE_ORG_CSV, '--api', stack.urls.api, '--token', token], io)) !== 0) {
      throw new Error('seeding the sample organisation failed');
    }
    console.log(`Seeded the sample organisation (${SAMPLE_ORG.length} people) with growcycle import-org.`);
  }
  printWhereThingsAre(stack, console.log);
  const { executions, schedules } = stack.resumed;
  if (executions + schedules > 0)
    console.log(`Resumed ${executions} running execution(s) and ${schedules} pending schedule(s).\n`);
  for (const line of signInLines(stack.urls.api, SAMPLE_ORG)) console.log(line);
  console.log('\nThe CLI needs no token against this stack, e.g.:');
  console.log('  npm run growcycle -- schedule-cycle --name "Spring" --participants e09,e10,e11');
  console.log('Ctrl+C stops the stack.');
  const stop = () => void stack.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
};

main().catch((error: unknown) => {
  if (error instanceof StackAlreadyRunningError) {
    console.error(error.message);
    process.exit(2);
  }
  console.error(
    `growcycle local stack failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});

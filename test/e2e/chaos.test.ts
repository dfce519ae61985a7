import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../infra/function';

/*
 * `npm run chaos` itself, small: a cycle of four people, two of them also on a plan and asking for
 * feedback, on a stack throttled, failing steps and losing SES replies, killed and started again once.
 * It must exit 0 and print its rows, every target 0, every kind of fault injected.
 */

type Row = { name: string; value: number };

const chaos = async (...args: string[]): Promise<{ code: number | null; rows: Row[]; stderr: string }> => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/chaos.ts', '--json', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  const rows = stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Row);
  return { code, rows, stderr };
};

describe('npm run chaos', () => {
  it('runs a small cycle with plans and feedback through every fault and prints the zeros', async () => {
    // Act
    const { code, rows, stderr } = await chaos('--participants', '4', '--growth', '2', '--restarts', '1');

    // Assess
    const value = (name: string) => rows.find((r) => r.name === name)?.value;
    expect(stderr).not.toMatch(/chaos run (failed|missed)/);
    expect(code).toBe(0);
    for (const target of ['executions.failed', 'answers.lost', 'emails.duplicate', 'emails.missing'])
      expect({ target, value: value(target) }).toEqual({ target, value: 0 });
    expect(value('cycle.closed')).toBe(1);
    expect(value('stack.restarts')).toBe(1);
    expect(value('faults.sesThrottled')).toBeGreaterThan(0);
    expect(value('faults.dynamodbWritesThrottled')).toBeGreaterThan(0);
    expect(value('faults.stepFunctionsFailed')).toBeGreaterThan(0);
    // Every step function that ran met its failure once.
    expect(value('faults.stepFunctionsNeverFailed')).toBe(0);
    // The plan and feedback workflows ran too. Only these may never run: the failure recorder (no
    // step fails for good), goal-setting rounds (not in this template) and the check made when the
    // close date comes with reviews still open (here every review ends before).
    const neverRan = /never ran: (.*)/.exec(stderr)?.[1]?.split(', ') ?? [];
    expect(neverRan.length).toBe(value('faults.stepFunctionsNeverRun'));
    for (const id of neverRan) expect(id).toMatch(/^(RecordFailure|GoalRound|CheckClose)[0-9A-F]{8}$/);
  }, 400_000);
});

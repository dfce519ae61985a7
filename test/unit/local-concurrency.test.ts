import { describe, expect, it, vi } from 'vitest';
import { Activity } from '../../local/activity';
import { LocalLambda } from '../../local/lambda';
import { endAll, gated } from '../support/gated-handler';

/*
 * The local stack runs every function in one process: a state machine's tasks take turns, as many
 * at once as the stack allows (local/lambda.ts), where Lambda would throttle the rest and Step
 * Functions retry them. Other callers do not wait for a turn.
 */

const gatedLambda = (maxConcurrency: number) =>
  new LocalLambda(
    new Map([
      [
        'Gated',
        {
          logicalId: 'Gated',
          entry: 'test/support/gated-handler.ts',
          environment: {},
          memoryMb: 128,
          timeoutSeconds: 3,
        },
      ],
    ]),
    new Activity(),
    undefined,
    maxConcurrency,
  );

describe('the local Lambda’s concurrency', () => {
  it('runs at most its limit of tasks at once, the rest in turn, and every one to its end', async () => {
    const lambda = gatedLambda(2);
    const tasks = Array.from({ length: 5 }, () => lambda.invokeTask('Gated', {}));
    await vi.waitFor(() => expect(gated().running).toBe(2));
    expect(lambda.concurrency).toEqual({ running: 2, waiting: 3 });
    // Each ending lets the next in line run.
    endAll();
    await Promise.all(tasks.slice(0, 2));
    await vi.waitFor(() => expect(gated().running).toBe(2));
    expect(lambda.concurrency).toEqual({ running: 2, waiting: 1 });
    endAll();
    await Promise.all(tasks.slice(2, 4));
    await vi.waitFor(() => expect(gated().running).toBe(1));
    endAll();
    await expect(Promise.all(tasks)).resolves.toEqual(Array(5).fill({ ended: true }));
    expect(gated().most).toBe(2);
    expect(lambda.concurrency).toEqual({ running: 0, waiting: 0 });
  });

  it('does not make other callers wait for a turn', async () => {
    const lambda = gatedLambda(1);
    const task = lambda.invokeTask('Gated', {});
    const calls = [lambda.invoke('Gated', {}), lambda.invoke('Gated', {})];
    await vi.waitFor(() => expect(gated().running).toBe(3));
    endAll();
    await expect(Promise.all([task, ...calls])).resolves.toHaveLength(3);
  });
});

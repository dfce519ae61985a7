import { describe, expect, it } from 'vitest';
import { Activity } from '../../local/activity';
import { failEachStepOnce, faultsFrom, seededRandom } from '../../local/faults';
import { type Fault, LocalLambda } from '../../local/lambda';
import type { LocalFunction } from '../../local/template';
import { callsSoFar } from '../support/counting-handler';

const fn = (logicalId: string, entry: string): LocalFunction => ({
  logicalId,
  entry,
  environment: {},
  memoryMb: 128,
  timeoutSeconds: 3,
});

describe('faults injected into the local stack', () => {
  const lambda = new LocalLambda(
    new Map([['Counting', fn('Counting', 'test/support/counting-handler.ts')]]),
    new Activity(),
  );

  it('a fault before the handler fails the call and the handler never runs', async () => {
    const before = callsSoFar();
    lambda.injectFault('Counting', { error: 'Error', count: 1 });
    await expect(lambda.invoke('Counting', { value: 2 })).rejects.toMatchObject({ name: 'Error' });
    expect(callsSoFar()).toBe(before);
    await expect(lambda.invoke('Counting', { value: 2 })).resolves.toEqual({ doubled: 4 });
    expect(callsSoFar()).toBe(before + 1);
  });

  it('a fault after the handler fails the call once its work is done, as a lost answer', async () => {
    const before = callsSoFar();
    lambda.injectFault('Counting', { error: 'Sandbox.Timedout', count: 1, after: true });
    await expect(lambda.invoke('Counting', { value: 3 })).rejects.toMatchObject({ name: 'Sandbox.Timedout' });
    expect(callsSoFar()).toBe(before + 1);
    await expect(lambda.invoke('Counting', { value: 3 })).resolves.toEqual({ doubled: 6 });
  });

  it('each step function fails once, and a restart that knows it failed injects nothing more', async () => {
    const injected = new Map<string, Fault>();
    const stub = { injectFault: (id: string, f: Fault) => injected.set(id, f) } as unknown as LocalLambda;
    const functions = [
      fn('Open', 'functions/steps/open-cycle.ts'),
      fn('Close', 'functions/steps/close-cycle.ts'),
      fn('Api', 'functions/http/hr-api.ts'),
    ];
    let changes = 0;
    const steps = failEachStepOnce(stub, functions, {
      random: seededRandom(7),
      chance: 1,
      onChange: () => {
        changes += 1;
      },
    });
    expect([...injected.keys()]).toEqual(['Open', 'Close']);
    expect(await injected.get('Open')?.when?.({})).toBe(true);
    expect([...steps.failed]).toEqual(['Open']);
    expect([...steps.invoked]).toEqual(['Open']);
    expect(changes).toBe(1);

    injected.clear();
    failEachStepOnce(stub, functions, { random: seededRandom(8), chance: 1, failed: steps.failed });
    expect([...injected.keys()]).toEqual(['Close']);
  });

  it('counts go on from a restarted stack’s and are reported after each fault', () => {
    const seen: number[] = [];
    const faults = faultsFrom({
      sesThrottleRate: 1,
      injected: { ses: 5, dynamodb: 2, sesLost: 1 },
      onInjected: (counts) => seen.push(counts.ses),
    });
    expect(faults.sesThrottle()).toBe(true);
    expect(faults.dynamoWriteThrottle()).toBe(false);
    expect(faults.sesLoseReply()).toBe(false);
    expect(faults.injected).toEqual({ ses: 6, dynamodb: 2, sesLost: 1 });
    expect(seen).toEqual([6]);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type LocalStack, type StackOptions, startStack } from '../../local/stack';

export const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

export type TestStack = LocalStack & { dataDir: string; dispose: () => Promise<void> };

/** A local stack of its own for one test file: ephemeral ports, a temp data dir, a simulated clock. */
export const startTestStack = async (
  simulatedStart: Date,
  options: Pick<StackOptions, 'emailSendRate'> = {},
): Promise<TestStack> => {
  process.env.GROWCYCLE_LOG = 'silent';
  const dataDir = mkdtempSync(path.join(tmpdir(), 'growcycle-test-'));
  const stack = await startStack({
    ports: { api: 0, inbox: 0, sfn: 0, dynamodb: await freePort() },
    dataDir,
    simulatedStart,
    ...options,
  });
  return Object.assign(stack, {
    dataDir,
    dispose: async () => {
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
};

/** Drives simulated time until the predicate holds; `onIdle` may act (click a link) at every quiet moment. */
export const runUntil = async (
  stack: LocalStack,
  done: () => boolean | Promise<boolean>,
  onIdle?: () => Promise<void>,
): Promise<void> => {
  for (let i = 0; i < 10_000; i++) {
    await stack.settle();
    if (await done()) return;
    if (onIdle) {
      await onIdle();
      await stack.settle();
      if (await done()) return;
    }
    if ((await stack.advance()) === 'no-timers') return;
  }
};

export type ApiCall = (
  method: string,
  path: string,
  body?: unknown,
  idempotencyKey?: string,
) => Promise<{ status: number; body: Record<string, unknown> }>;

/** Calls the stack's HTTP API as an HR admin signed in with a development token. */
export const hrApi =
  (stack: LocalStack): ApiCall =>
  async (method, p, body, idempotencyKey) => {
    const res = await fetch(`${stack.urls.api}${p}`, {
      method,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${stack.devToken('hr-test', { hr: true })}`,
        ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

/** The appraisal-cycle execution of one cycle, once it has started. */
export const cycleExecution = (stack: LocalStack, cycleId: string) =>
  stack.sfn
    .list()
    .find((e) => e.stateMachineArn === stack.stateMachineArn('AppraisalCycle') && e.input.includes(cycleId));

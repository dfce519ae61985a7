import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { localCredentials } from '../../local/dynamodb';
import { type LocalStack, type StackOptions, startStack } from '../../local/stack';
import { reusing } from './shared-template';

/*
 * What integration tests drive the local stack with: a stack per test file, simulated time run
 * until something holds, the HR API as an admin, and the cycle's execution.
 */

export type TestStack = LocalStack & { dataDir: string; dispose: () => Promise<void> };

/**
 * A local stack of its own for one test file: ephemeral ports, a temp data dir, a simulated clock,
 * and a table of its own in the run's DynamoDB Local; its template is the run's, unless the test sets
 * a context of its own (test/support/integration-setup.ts).
 */
export const startTestStack = async (
  simulatedStart: Date,
  options: Pick<StackOptions, 'emailSendRate' | 'faults'> = {},
): Promise<TestStack> => {
  const dynamoEndpoint = inject('dynamoEndpoint');
  if (!dynamoEndpoint)
    throw new Error(
      'No shared DynamoDB Local: run integration tests through the vitest project "integration"',
    );
  const dataDir = mkdtempSync(path.join(tmpdir(), 'growcycle-test-'));
  // The temp dir's name is unique on this machine while it exists, so it names the file's table too.
  const tableName = path.basename(dataDir);
  const stack = await startStack({
    ports: { api: 0, inbox: 0, sfn: 0 },
    dataDir,
    dynamoEndpoint,
    tableName,
    synthesize: reusing(inject('sharedTemplate')),
    simulatedStart,
    ...options,
  });
  return Object.assign(stack, {
    dataDir,
    dispose: async () => {
      await stack.stop();
      const db = new DynamoDBClient({
        endpoint: dynamoEndpoint,
        region: 'us-east-1',
        credentials: localCredentials,
      });
      await db.send(new DeleteTableCommand({ TableName: tableName }));
      db.destroy();
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

/** Calls the stack's HTTP API as one person signed in with a development token. */
export const apiAs =
  (stack: LocalStack, employeeId: string, { hr = false } = {}): ApiCall =>
  async (method, p, body, idempotencyKey) => {
    const res = await fetch(`${stack.urls.api}${p}`, {
      method,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${stack.devToken(employeeId, { hr })}`,
        ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

/** Calls the stack's HTTP API as an HR admin signed in with a development token. */
export const hrApi = (stack: LocalStack): ApiCall => apiAs(stack, 'hr-test', { hr: true });

/** The appraisal-cycle execution of one cycle, once it has started. */
export const cycleExecution = (stack: LocalStack, cycleId: string) =>
  stack.sfn
    .list()
    .find((e) => e.stateMachineArn === stack.stateMachineArn('AppraisalCycle') && e.input.includes(cycleId));

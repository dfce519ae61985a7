import { createServer } from 'node:net';
import type { TestProject } from 'vitest/node';
import { startDynamoDb } from '../../local/dynamodb';

/*
 * The integration project's global setup: one DynamoDB Local (a JVM, seconds to boot) for the whole
 * run instead of one per test file. Files run in parallel against it, each in a table of its own
 * (startTestStack), so none sees another's data.
 */

declare module 'vitest' {
  export interface ProvidedContext {
    /** The shared DynamoDB Local every integration test file's stack writes to. */
    dynamoEndpoint: string;
  }
}

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

export default async function startSharedDynamoDb(project: TestProject): Promise<() => Promise<void>> {
  const port = await freePort();
  const dynamo = await startDynamoDb(port, undefined);
  project.provide('dynamoEndpoint', `http://127.0.0.1:${port}`);
  return async () => {
    if (dynamo.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => dynamo.once('exit', () => resolve()));
    dynamo.kill();
    await exited;
  };
}

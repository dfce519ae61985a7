import type { TestProject } from 'vitest/node';
import { startDynamoDb } from '../../local/dynamodb';
import { freePort } from '../../local/where';
import { type SharedTemplate, synthesizeShared } from './shared-template';

/*
 * The integration project's global setup: what every test file's stack would otherwise repeat,
 * done once for the run. One DynamoDB Local (a JVM, seconds to boot), in which each file keeps its
 * data in a table of its own, and one synthesized CDK app (test/support/shared-template.ts).
 */

declare module 'vitest' {
  export interface ProvidedContext {
    /** The DynamoDB Local every integration test file's stack writes to. */
    dynamoEndpoint: string;
    sharedTemplate: SharedTemplate;
  }
}

/** A port nothing listens on right now. */

export default async function setUpIntegration(project: TestProject): Promise<() => Promise<void>> {
  const port = await freePort();
  // The JVM boots in its own process while this one synthesizes.
  const booting = startDynamoDb(port, undefined);
  let sharedTemplate: SharedTemplate;
  try {
    sharedTemplate = synthesizeShared();
  } catch (error) {
    (await booting).kill();
    throw error;
  }
  const dynamo = await booting;
  project.provide('dynamoEndpoint', `http://127.0.0.1:${port}`);
  project.provide('sharedTemplate', sharedTemplate);
  return async () => {
    if (dynamo.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => dynamo.once('exit', () => resolve()));
    dynamo.kill();
    await exited;
  };
}

import path from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { allCustomMatcher, type BaseMatcher } from 'aws-sdk-client-mock-vitest';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, type RunnerTask } from 'vitest';
import { PROPERTY_RUNS_BY_FILE } from './arbitraries';
import { TEST_ENV } from './unit-doubles';

/* The unit project's setup file (vitest.config.ts): runs before each unit test file. */

// Matchers such as toHaveReceivedCommandTimes(Command, n) for aws-sdk-client-mock stubs.
expect.extend(allCustomMatcher);

declare module 'vitest' {
  interface Matchers<R, T> extends BaseMatcher<R, T> {}
}

// Every deployed function has these (infra/stack.ts): emails link the app with the public base URL,
// and the sender's domain is the company's unless told otherwise.
process.env.PUBLIC_BASE_URL ??= TEST_ENV.PUBLIC_BASE_URL;
process.env.SENDER_ADDRESS ??= TEST_ENV.SENDER_ADDRESS;
process.env.RESUME_FUNCTION_NAME ??= TEST_ENV.RESUME_FUNCTION_NAME;

/*
 * The resume function (functions/steps/resume.ts), which the others call to complete a wait, runs
 * in-process as Lambda would run it: its own work, reading the wait's token and answering it, against
 * the test's DynamoDB and Step Functions doubles, its error returned as Lambda returns one. Imported
 * when called, so a test's module mocks apply to it.
 */
mockClient(LambdaClient)
  .on(InvokeCommand, { FunctionName: TEST_ENV.RESUME_FUNCTION_NAME })
  .callsFake(async (input: { Payload?: Uint8Array | string }) => {
    const text = typeof input.Payload === 'string' ? input.Payload : new TextDecoder().decode(input.Payload);
    const { answerWait, ResumeInput } = await import('../../domain/platform/wait-tokens');
    const payload = (body: unknown) => new TextEncoder().encode(JSON.stringify(body));
    try {
      const result = await answerWait(ResumeInput.parse(JSON.parse(text)));
      return { StatusCode: 200, Payload: payload(result) };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      return {
        StatusCode: 200,
        FunctionError: 'Unhandled',
        Payload: payload({ errorType: e.name, errorMessage: e.message }),
      };
    }
  });

/*
 * Every input fast-check generates and checks is counted, file by file: a property file that ran all
 * its tests, and all passed, must have checked at least the inputs it declares in
 * PROPERTY_RUNS_BY_FILE (test/support/arbitraries.ts), whose sum test/unit/property-runs.test.ts
 * holds at 10,000 or more. So a property whose runs are cut, or that is left out, fails its file.
 */
type Tally = { runs: number; countedBy?: typeof fc };
// On globalThis: a worker may run several files against the one fast-check it loaded, which must
// count each run once.
const shared = globalThis as { __propertyRuns?: Tally };
shared.__propertyRuns ??= { runs: 0 };
const tally = shared.__propertyRuns;
if (tally.countedBy !== fc) {
  tally.countedBy = fc;
  fc.installGlobalPlugin(() => ({
    onAllRunsComplete: (details: fc.RunDetails<unknown>) => {
      tally.runs += details.numRuns;
    },
  }));
}

beforeAll(() => {
  tally.runs = 0;
});

const testsOf = (task: RunnerTask): RunnerTask[] =>
  task.type === 'test' ? [task] : task.tasks.flatMap(testsOf);

// biome-ignore lint/correctness/noEmptyPattern: vitest reads a hook's fixtures from this pattern; it takes none.
afterAll(({}, suite) => {
  const file = path.basename(suite.file.filepath);
  const declared = PROPERTY_RUNS_BY_FILE[file];
  // A partial run (a -t filter, an .only, a failure that ended a property early) is no measure.
  const whole = testsOf(suite.file).every((t) => t.mode === 'run' && t.result?.state === 'pass');
  if (declared === undefined || !whole) return;
  expect(tally.runs, `inputs the properties of ${file} checked`).toBeGreaterThanOrEqual(declared);
});

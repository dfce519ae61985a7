import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { allCustomMatcher, type BaseMatcher } from 'aws-sdk-client-mock-vitest';
import { expect } from 'vitest';
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

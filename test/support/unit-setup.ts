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

import { allCustomMatcher, type BaseMatcher } from 'aws-sdk-client-mock-vitest';
import { expect } from 'vitest';

/* The unit project's setup file (vitest.config.ts): runs before each unit test file. */

// Matchers such as toHaveReceivedCommandTimes(Command, n) for aws-sdk-client-mock stubs.
expect.extend(allCustomMatcher);

declare module 'vitest' {
  interface Matchers<R, T> extends BaseMatcher<R, T> {}
}

import { describe, expect, it } from 'vitest';
import { synthesize } from '../../local/template';
import { reusing, synthesizeShared } from '../support/shared-template';

/*
 * Integration test files share one template synthesized for the run (test/support/shared-template.ts):
 * that is faithful only while two stacks' templates differ in nothing but their API's URL.
 */

const stackContext = {
  senderAddress: 'growcycle@example.com',
  hrAddress: 'hr@example.com',
  publicBaseUrl: 'http://localhost:43210',
};

describe('the template integration tests share', () => {
  const shared = synthesizeShared();

  it("is, with a stack's API URL in it, the template that stack would synthesize", () => {
    expect(reusing(shared)(stackContext)).toEqual(synthesize(stackContext));
  });

  it('is not used for a stack with a context of its own (a send rate)', () => {
    const ownRate = { ...stackContext, emailSendRate: '3' };
    expect(reusing(shared)(ownRate)).toEqual(synthesize(ownRate));
    expect(reusing(shared)(ownRate)).not.toEqual(reusing(shared)(stackContext));
  });
});

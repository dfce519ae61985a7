import { isDeepStrictEqual } from 'node:util';
import { type CfnTemplate, synthesize } from '../../local/template';

/*
 * The CDK app synthesized once per test run instead of once per integration test file (seconds of
 * CPU each). Two stacks' templates differ only in their API's URL (an ephemeral port): the shared
 * one carries a placeholder there, and each stack puts its own URL in its place.
 */

const PLACEHOLDER_URL = 'http://api.shared-template.invalid';

/** The context startStack synthesizes with when a test sets nothing, the API's URL aside. */
const DEFAULT_CONTEXT = { senderAddress: 'growcycle@example.com', hrAddress: 'hr@example.com' };

export type SharedTemplate = { context: Record<string, string>; json: string };

export const synthesizeShared = (): SharedTemplate => {
  const context = { ...DEFAULT_CONTEXT, publicBaseUrl: PLACEHOLDER_URL };
  return { context, json: JSON.stringify(synthesize(context)) };
};

/**
 * A synthesize for startStack that reuses the shared template for the context it was made with,
 * and synthesizes afresh for any other (a test's own send rate).
 */
export const reusing =
  (shared: SharedTemplate) =>
  (context: Record<string, string>): CfnTemplate => {
    const { publicBaseUrl, ...rest } = context;
    const { publicBaseUrl: _placeholder, ...sharedRest } = shared.context;
    if (publicBaseUrl === undefined || !isDeepStrictEqual(rest, sharedRest)) return synthesize(context);
    return JSON.parse(shared.json.replaceAll(PLACEHOLDER_URL, () => publicBaseUrl)) as CfnTemplate;
  };

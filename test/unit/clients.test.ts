import { afterEach, describe, expect, it, vi } from 'vitest';

/*
 * The SDK clients every handler shares (domain/platform/clients.ts), traced only where the
 * deployment asks for it (`-c sdkTracing=true`). The module reads the setting at import, so each
 * case imports it afresh.
 */

const XRAY_MIDDLEWARE = 'XRaySDKInstrumentation';

/** The X-Ray SDK's context namespace, which it makes when it is loaded (cls-hooked keeps it on `process`). */
const xRayLoaded = () =>
  Object.keys((process as { namespaces?: Record<string, unknown> }).namespaces ?? {}).includes('AWSXRay');

const clientsWith = async (environment: Record<string, string>) => {
  for (const [name, value] of Object.entries(environment)) vi.stubEnv(name, value);
  vi.resetModules();
  const clients = await import('../../domain/platform/clients');
  return [
    clients.documentClient,
    clients.ses,
    clients.sfn,
    clients.secrets,
    clients.scheduler,
    clients.lambda,
  ];
};

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('the SDK clients', () => {
  // First: once loaded, the X-Ray SDK stays loaded in this process.
  it('neither load the X-Ray SDK nor carry its middleware when the deployment leaves SDK tracing off', async () => {
    const clients = await clientsWith({
      POWERTOOLS_TRACE_ENABLED: 'false',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    });
    for (const client of clients)
      expect(client.middlewareStack.identify().join()).not.toContain(XRAY_MIDDLEWARE);
    expect(xRayLoaded()).toBe(false);
  });

  it('make each call an X-Ray subsegment in Lambda when SDK tracing is on', async () => {
    const clients = await clientsWith({
      POWERTOOLS_TRACE_ENABLED: 'true',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    });
    for (const client of clients) expect(client.middlewareStack.identify().join()).toContain(XRAY_MIDDLEWARE);
    expect(xRayLoaded()).toBe(true);
  });
});

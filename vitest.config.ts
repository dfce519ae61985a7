import { defineConfig } from 'vitest/config';

/*
 * Three projects, run by name: `vitest run --project unit` never touches the network, `infra` asserts
 * on the synthesized template, and `integration` drives the local stack. Files of all three run side
 * by side, each in a process of its own (forks): an integration file's stack, environment and
 * simulated clock (which replaces the global Date) stay its own, and its data lives in a table of its
 * own in the one DynamoDB Local the integration project's global setup starts for the run, beside the
 * CDK app it synthesizes once for every file.
 */
/**
 * The handlers' logs and metrics (EMF) off: Powertools writes them to stdout. A test that reads
 * them turns them on (test/support/logs.ts).
 */
const QUIET = { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' };

export default defineConfig({
  test: {
    // One file a core: vitest's default leaves a core free, which on the 2-core machines the suite
    // runs on means one file at a time. More workers than cores was measured no faster.
    maxWorkers: '100%',
    pool: 'forks',
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          setupFiles: ['test/support/unit-setup.ts'],
          env: {
            ...QUIET,
            // Every SDK call is mocked; should one slip through, it fails at a closed local port
            // instead of reaching AWS with whatever credentials the machine has.
            AWS_REGION: 'eu-west-1',
            AWS_ACCESS_KEY_ID: 'unit-test',
            AWS_SECRET_ACCESS_KEY: 'unit-test',
            AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
          },
        },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          testTimeout: 120_000,
          // The first synth loads aws-cdk-lib and runs the cdk-nag checks in a beforeAll.
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/workflows/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/integration-setup.ts'],
          env: QUIET,
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});

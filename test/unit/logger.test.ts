import type { Context } from 'aws-lambda';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { logger, WITHHELD } from '../../domain/platform/logger';
import { countMetric } from '../../domain/platform/metrics';
import { step } from '../../functions/shared/middleware';
import { type CapturedLogs, captureLogs } from '../support/logs';

/*
 * The typed logger over Powertools: what a line carries, what it refuses to carry, the ids a step's
 * input names on each of its lines, and the metrics an invocation counts, written as EMF at its end.
 */

const context = {
  awsRequestId: 'lambda-request-1',
  functionName: 'HumanStep',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:HumanStep',
  memoryLimitInMB: '512',
} as Context;

/** A step that logs a line and counts what it is told to, as steps do. */
const stepThat = (count: Array<'EmailsSent' | 'Answers'> = [], fail = false) =>
  step(
    z.object({ cycleId: z.string(), employeeId: z.string(), requestId: z.string().optional() }),
    async () => {
      logger.info('working', { outcome: 'waiting' });
      for (const name of count) countMetric(name);
      if (fail) throw new TypeError('cannot read ada.lovelace@example.com');
      return {};
    },
  );

let logs: CapturedLogs;

beforeAll(() => {
  // The logger and the metrics read these when first used, as in Lambda; the unit project turns
  // metrics off.
  vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'growcycle');
  vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'Growcycle');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
});

beforeEach(() => {
  logs = captureLogs();
});

afterEach(() => {
  logs.stop();
});

const emf = () => logs.records().filter((r) => r._aws !== undefined);

describe('the logger', () => {
  it('writes one JSON line with the level, message, service and the fields given', () => {
    // Act
    logger.info('email sent', { kind: 'self-assessment.request', recipientId: 'e09', messageId: 'm-1' });

    // Assess
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'email sent',
        service: 'growcycle',
        kind: 'self-assessment.request',
        recipientId: 'e09',
        messageId: 'm-1',
      }),
    ]);
  });

  it('withholds an id or a code that looks like a name, an address or a sentence', () => {
    // Act: a mistake the types cannot see, a string where an id belongs.
    logger.warn('request reassigned', {
      employeeId: 'Ada Lovelace',
      recipientId: 'ada.lovelace@example.com',
      reason: 'she asked me to',
      templates: ['annual-review', 'Ada Lovelace'],
      requestId: 'req-1',
      attempt: 2,
    });

    // Assess
    expect(logs.lines()[0]).toMatchObject({
      employeeId: WITHHELD,
      recipientId: WITHHELD,
      reason: WITHHELD,
      templates: ['annual-review', WITHHELD],
      requestId: 'req-1',
      attempt: 2,
    });
    expect(logs.text()).not.toMatch(/Ada|Lovelace|asked/);
  });

  it('takes only literal messages and known keys of the right type', () => {
    const person: { name: string } = { name: 'Ada Lovelace' };
    const { name } = person;
    // Each line below fails to type-check (tsc runs over the tests): the wrapper refuses it.
    // @ts-expect-error a message built at run time
    logger.info(`answered by ${name}`);
    // @ts-expect-error a key the logger does not know
    logger.info('answered', { name });
    // @ts-expect-error a count where an id belongs
    logger.info('answered', { requestId: 7 });
    // @ts-expect-error an id where a count belongs
    logger.info('answered', { attempt: 'first' });
    expect(logs.lines()).toHaveLength(4);
  });
});

describe('a step', () => {
  it('puts its input’s ids, the request id and the cold start on each line, and drops them at its end', async () => {
    // Act
    await stepThat()(
      {
        cycleId: 'c-1',
        employeeId: 'e09',
        requestId: 'r-1',
        taskToken: 'secret-token',
        executionName: 'c-1--e09',
      },
      context,
    );
    logger.info('between invocations');

    // Assess
    const [inside, after] = logs.lines();
    expect(inside).toMatchObject({
      message: 'working',
      cycleId: 'c-1',
      employeeId: 'e09',
      requestId: 'r-1',
      executionName: 'c-1--e09',
      outcome: 'waiting',
      function_request_id: 'lambda-request-1',
      function_name: 'HumanStep',
      cold_start: expect.any(Boolean),
    });
    expect(after).not.toHaveProperty('cycleId');
    expect(logs.text()).not.toContain('secret-token');
  });

  it('writes what it counted as one EMF line in the namespace, with the service as dimension', async () => {
    // Act
    await stepThat(['EmailsSent', 'EmailsSent', 'Answers'])({ cycleId: 'c-1', employeeId: 'e09' }, context);

    // Assess
    expect(emf()).toEqual([
      expect.objectContaining({
        service: 'growcycle',
        EmailsSent: [1, 1],
        Answers: 1,
        _aws: expect.objectContaining({
          CloudWatchMetrics: [
            expect.objectContaining({
              Namespace: 'Growcycle',
              Dimensions: [['service']],
              Metrics: expect.arrayContaining([
                { Name: 'EmailsSent', Unit: 'Count' },
                { Name: 'Answers', Unit: 'Count' },
              ]),
            }),
          ],
        }),
      }),
    ]);
  });

  it('writes nothing more when it counted nothing: no EMF line and no remark about it', async () => {
    // Act
    await stepThat()({ cycleId: 'c-1', employeeId: 'e09' }, context);

    // Assess
    expect(logs.records().map((r) => r.message)).toEqual(['working']);
  });

  it('says it failed by the error’s names and code locations under its ids, never the message', async () => {
    // Act
    const failed = stepThat([], true)({ cycleId: 'c-1', employeeId: 'e09' }, context);

    // Assess
    await expect(failed).rejects.toThrow(TypeError);
    expect(logs.lines()[1]).toMatchObject({
      level: 'WARN',
      message: 'step failed',
      cycleId: 'c-1',
      error: 'TypeError',
      frames: expect.stringMatching(/^at /),
    });
    expect(logs.text()).not.toMatch(/lovelace/);
  });

  it('fails with the SDK’s error that ElectroDB wrapped, so the workflow’s retriers know a throttle', async () => {
    // Arrange
    const throttle = Object.assign(new Error('Throughput exceeded'), {
      name: 'ProvisionedThroughputExceededException',
      $metadata: { httpStatusCode: 400 },
    });
    const wrapped = Object.assign(new Error('Error thrown by DynamoDB client', { cause: throttle }), {
      name: 'ElectroError',
    });

    // Act
    const failed = step(z.object({ cycleId: z.string() }), async () => {
      throw wrapped;
    })({ cycleId: 'c-1' }, context);

    // Assess
    await expect(failed).rejects.toBe(throttle);
    expect(logs.lines()[0]).toMatchObject({ error: 'ElectroError < ProvisionedThroughputExceededException' });
  });

  it('counts an error line as a Failure', async () => {
    // Act
    await step(z.object({ cycleId: z.string() }), async () => {
      logger.error('work after an answer failed', { error: 'ThrottlingException' });
      return {};
    })({ cycleId: 'c-1' }, context);

    // Assess
    expect(emf()).toEqual([expect.objectContaining({ Failures: 1 })]);
  });
});

import { describe, expect, it } from 'vitest';
import { Activity } from '../../local/activity';
import { awsHandlers } from '../../local/aws-endpoint';
import { LocalEventBus } from '../../local/event-bus';
import type { LocalLambda } from '../../local/lambda';
import { LocalScheduler, SchedulerError } from '../../local/scheduler';
import { LocalSecret } from '../../local/secrets';
import { setEnvironment } from '../../local/stack';
import { LocalStepFunctions } from '../../local/step-functions';
import type { LocalApp, LocalFunction } from '../../local/template';

/*
 * The local stack's stand-ins refuse what they do not emulate, rather than half-run it; each test
 * here pins one difference from AWS that docs/local-stack.md lists.
 */

const noLambda = { invoke: async () => undefined } as unknown as LocalLambda;
const sfn = new LocalStepFunctions({ stateMachines: [], lambda: noLambda, activity: new Activity() });
const SECRET_ID = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:growcycle-link-key';
const secret = new LocalSecret(SECRET_ID);
const handlers = awsHandlers({ sfn, activity: new Activity(), secret });

describe('the local stack’s differences from AWS', () => {
  it('Step Functions and Secrets Manager: only the listed operations are served', () => {
    expect(Object.keys(handlers).sort()).toEqual([
      'AWSStepFunctions.DescribeExecution',
      'AWSStepFunctions.DescribeStateMachine',
      'AWSStepFunctions.GetExecutionHistory',
      'AWSStepFunctions.ListExecutions',
      'AWSStepFunctions.ListStateMachines',
      'AWSStepFunctions.RedriveExecution',
      'AWSStepFunctions.SendTaskFailure',
      'AWSStepFunctions.SendTaskHeartbeat',
      'AWSStepFunctions.SendTaskSuccess',
      'AWSStepFunctions.StartExecution',
      'AWSStepFunctions.StopExecution',
      'secretsmanager.DescribeSecret',
      'secretsmanager.GetRandomPassword',
      'secretsmanager.GetSecretValue',
      'secretsmanager.PutSecretValue',
      'secretsmanager.RotateSecret',
      'secretsmanager.UpdateSecretVersionStage',
    ]);
  });

  it('Secrets Manager: the link key only; any other secret is ResourceNotFoundException', () => {
    expect(handlers['secretsmanager.GetSecretValue']?.({ SecretId: SECRET_ID })).toMatchObject({
      SecretString: expect.stringMatching(/^[A-Za-z0-9_-]{64}$/),
      VersionStages: ['AWSCURRENT'],
    });
    expect(() => handlers['secretsmanager.GetSecretValue']?.({ SecretId: 'other' })).toThrow(
      expect.objectContaining({ code: 'ResourceNotFoundException' }),
    );
  });

  it('EventBridge: a rule whose pattern is not exact values is refused when the stack starts', () => {
    const rule = (pattern: Record<string, unknown>) => [{ logicalId: 'Rule', pattern, targets: [] }];
    expect(() => new LocalEventBus(rule({ source: [{ prefix: 'aws.' }] }), noLambda, new Activity())).toThrow(
      'only exact-value patterns run locally',
    );
    expect(() => new LocalEventBus(rule({ source: ['aws.ses'] }), noLambda, new Activity())).not.toThrow();
  });

  it('EventBridge Scheduler: a recurring one-time schedule or another target is a ValidationException', () => {
    const scheduler = new LocalScheduler(sfn, new Activity(), noLambda);
    const target = {
      Arn: 'arn:aws:scheduler:::aws-sdk:sfn:startExecution',
      RoleArn: 'arn:aws:iam::000000000000:role/local',
      Input: '{}',
    };
    const refusal = (body: Parameters<LocalScheduler['create']>[1]) => {
      try {
        scheduler.create('s', body);
      } catch (error) {
        return error instanceof SchedulerError ? `${error.code} ${error.status}` : String(error);
      }
      return 'accepted';
    };
    expect(refusal({ ScheduleExpression: 'rate(1 day)', Target: target })).toBe('ValidationException 400');
    expect(
      refusal({
        ScheduleExpression: 'at(2099-01-01T00:00:00)',
        Target: { ...target, Arn: 'arn:aws:sqs:us-east-1:000000000000:queue' },
      }),
    ).toBe('ValidationException 400');
  });

  it('Lambda: every function shares one environment, so a template where two disagree on a variable is refused', () => {
    const saved = { ...process.env };
    const fn = (logicalId: string, environment: Record<string, string>): [string, LocalFunction] => [
      logicalId,
      { logicalId, entry: `functions/${logicalId}.ts`, environment, memoryMb: 256, timeoutSeconds: 30 },
    ];
    const app = (a: string, b: string) =>
      ({ functions: new Map([fn('One', { TABLE: a }), fn('Two', { TABLE: b })]) }) as unknown as LocalApp;
    const urls = { api: 'http://a', inbox: 'http://i', sfn: 'http://s', dynamodb: 'http://d' };
    try {
      expect(() => setEnvironment(app('t1', 't2'), urls)).toThrow('Functions disagree on TABLE');
      expect(() => setEnvironment(app('t1', 't1'), urls)).not.toThrow();
    } finally {
      process.env = saved;
    }
  });

  it('Lambda: no X-Ray, and invocations side by side, each in its own InvokeStore context', () => {
    const saved = { ...process.env };
    try {
      setEnvironment({ functions: new Map() } as unknown as LocalApp, {
        api: 'http://a',
        inbox: 'http://i',
        sfn: 'http://s',
        dynamodb: 'http://d',
      });
      expect(process.env).toMatchObject({
        POWERTOOLS_TRACE_ENABLED: 'false',
        AWS_LAMBDA_MAX_CONCURRENCY: expect.stringMatching(/^\d+$/),
      });
    } finally {
      process.env = saved;
    }
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { codeChallenge } from '../../functions/shared/oauth';
import { Activity } from '../../local/activity';
import { createApiGateway } from '../../local/api-gateway';
import { awsHandlers, createAwsEndpoint } from '../../local/aws-endpoint';
import { createDevOAuth } from '../../local/dev-oauth';
import { DEV_CLI_CLIENT, DevTokenIssuer } from '../../local/dev-tokens';
import { LocalEventBus } from '../../local/event-bus';
import { LocalLambda } from '../../local/lambda';
import { LocalQueue, sqsHandlers } from '../../local/queue';
import { LocalScheduler, SchedulerError } from '../../local/scheduler';
import { LocalSecret } from '../../local/secrets';
import { createSesGateway } from '../../local/ses-simulator';
import { setEnvironment } from '../../local/stack';
import { LocalStepFunctions } from '../../local/step-functions';
import type { LocalApp, LocalFunction } from '../../local/template';
import { type Answer, type Handler, listenerOf, send } from '../support/in-process-http';

/*
 * The local stack's stand-ins refuse what they do not emulate, rather than half-run it; each test
 * here pins one difference from AWS that docs/local-stack.md lists.
 */

const noLambda = { invoke: async () => undefined } as unknown as LocalLambda;
const sfn = new LocalStepFunctions({ stateMachines: [], lambda: noLambda, activity: new Activity() });
const SECRET_ID = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:growcycle-link-key';
const secret = new LocalSecret(SECRET_ID);
const handlers = awsHandlers({ sfn, activity: new Activity(), secret });

/** A function of the template as the local Lambda runs it: the module `entry`, with these limits. */
const localFunction = (logicalId: string, entry: string, limits = { memoryMb: 128, timeoutSeconds: 3 }) =>
  new Map<string, LocalFunction>([[logicalId, { logicalId, entry, environment: {}, ...limits }]]);

/** The local AWS endpoint (port 8083) with a dead-letter queue, a scheduler and the functions given, in-process. */
const awsEndpoint = (lambda: LocalLambda = noLambda) => {
  const queue = new LocalQueue();
  const endpoint = listenerOf(
    createAwsEndpoint({
      sfn,
      scheduler: new LocalScheduler(sfn, new Activity(), lambda),
      activity: new Activity(),
      secret,
      lambda,
      queue,
      endpoint: () => 'http://127.0.0.1:8083',
    }),
  );
  return { queue, endpoint };
};

/** A call of the AWS JSON protocol, by its X-Amz-Target. */
const jsonCall = (target: string, body: Record<string, unknown>) => ({
  method: 'POST',
  url: '/',
  headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.0' },
  body: JSON.stringify(body),
});

/** An answer as status and the error type it names (in a header for REST calls, in the body otherwise). */
const errorOf = (answer: Answer): string => {
  const type = answer.headers['x-amzn-errortype'] ?? (JSON.parse(answer.body) as { __type?: string }).__type;
  return `${answer.status} ${String(type)}`;
};

/** Waits for the handlers under test to reach a point, turn by turn of the event loop (never a timer, which a test may fake). */
const until = async (reached: () => boolean): Promise<void> => {
  for (let turns = 0; !reached(); turns++) {
    if (turns > 100_000) throw new Error('never reached');
    await new Promise((resolve) => setImmediate(resolve));
  }
};

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

  it('Lambda: no timeout, no memory limit, no cold starts: a handler runs past both to its end, every invocation in the one module', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const limits = { memoryMb: 128, timeoutSeconds: 1 };
      const lambda = new LocalLambda(
        localFunction('Slow', 'test/support/slow-handler.ts', limits),
        new Activity(),
      );
      // Side by side: on Lambda each would get an execution environment, and an init, of its own.
      const calls = [
        lambda.invoke('Slow', { ms: 5_000, mb: 160 }),
        lambda.invoke('Slow', { ms: 5_000, mb: 0 }),
      ];
      await until(() => vi.getTimerCount() >= 2);
      await vi.advanceTimersByTimeAsync(5_000);
      const [slow, other] = (await Promise.all(calls)) as Array<Record<string, unknown>>;
      // On Lambda: Sandbox.Timedout after 1 s, or the runtime killed past 128 MB.
      expect(slow).toMatchObject({ heldMb: 160, remainingMs: 1_000 });
      expect(other?.environment).toBe(slow?.environment);
      // Billed by the process's own clock: the 5 s the fake clock passed are not in the GB-seconds.
      expect(lambda.stats.gbSeconds).toBeLessThan(5 * (128 / 1024));
    } finally {
      vi.useRealTimers();
    }
  });

  it('Lambda: Invoke only, of type RequestResponse or Event; any other Lambda call is UnknownOperationException', async () => {
    const lambda = new LocalLambda(
      localFunction('Counting', 'test/support/counting-handler.ts'),
      new Activity(),
    );
    const { endpoint } = awsEndpoint(lambda);
    const invoke = (name: string, type?: string) =>
      send(endpoint, {
        method: 'POST',
        url: `/2015-03-31/functions/${name}/invocations`,
        headers: type ? { 'x-amz-invocation-type': type } : {},
        body: '{"value":2}',
      });
    expect(await invoke('Counting')).toMatchObject({ status: 200, body: '{"doubled":4}' });
    expect((await invoke('Counting', 'Event')).status).toBe(202);
    expect(errorOf(await invoke('Counting', 'DryRun'))).toBe('400 InvalidParameterValueException');
    expect(errorOf(await invoke('Other'))).toBe('404 ResourceNotFoundException');
    // GetFunction and ListFunctions.
    expect(errorOf(await send(endpoint, { method: 'GET', url: '/2015-03-31/functions/Counting' }))).toBe(
      '400 UnknownOperationException',
    );
    expect(errorOf(await send(endpoint, { method: 'GET', url: '/2015-03-31/functions/' }))).toBe(
      '400 UnknownOperationException',
    );
  });

  it('SQS: only the listed calls, for the one queue; another call is UnknownOperationException, another queue QueueDoesNotExist', async () => {
    const { queue, endpoint } = awsEndpoint();
    expect(Object.keys(sqsHandlers(queue, () => '')).sort()).toEqual([
      'AmazonSQS.ChangeMessageVisibility',
      'AmazonSQS.DeleteMessage',
      'AmazonSQS.GetQueueAttributes',
      'AmazonSQS.GetQueueUrl',
      'AmazonSQS.ReceiveMessage',
      'AmazonSQS.SendMessage',
    ]);
    const QueueUrl = queue.url('http://127.0.0.1:8083');
    expect(
      (await send(endpoint, jsonCall('AmazonSQS.SendMessage', { QueueUrl, MessageBody: 'm' }))).status,
    ).toBe(200);
    expect(errorOf(await send(endpoint, jsonCall('AmazonSQS.PurgeQueue', { QueueUrl })))).toBe(
      '400 UnknownOperationException',
    );
    const other = QueueUrl.replace(/[^/]+$/, 'Other');
    expect(
      errorOf(await send(endpoint, jsonCall('AmazonSQS.SendMessage', { QueueUrl: other, MessageBody: 'm' }))),
    ).toBe('400 QueueDoesNotExist');
    expect(errorOf(await send(endpoint, jsonCall('AmazonSQS.GetQueueUrl', { QueueName: 'Other' })))).toBe(
      '400 QueueDoesNotExist',
    );
    expect(queue.length).toBe(1);
  });

  it('EventBridge Scheduler: CreateSchedule, GetSchedule and DeleteSchedule only; UpdateSchedule is a ValidationException, ListSchedules and groups UnknownOperationException', async () => {
    const { endpoint } = awsEndpoint();
    expect(errorOf(await send(endpoint, { method: 'GET', url: '/schedules/none' }))).toBe(
      '404 ResourceNotFoundException',
    );
    expect(errorOf(await send(endpoint, { method: 'PUT', url: '/schedules/none', body: '{}' }))).toBe(
      '405 ValidationException',
    );
    expect(errorOf(await send(endpoint, { method: 'GET', url: '/schedules' }))).toBe(
      '400 UnknownOperationException',
    );
    expect(errorOf(await send(endpoint, { method: 'POST', url: '/schedule-groups/g', body: '{}' }))).toBe(
      '400 UnknownOperationException',
    );
  });

  it('API Gateway: the stage’s throttling is not applied: a burst past its limits is answered whole, never 429', async () => {
    // Past the stage's burst (100 a route) and the form routes' (20), infra/stack.ts: all in flight at once.
    const burst = 150;
    let running = 0;
    const { promise: released, resolve: release } = Promise.withResolvers<void>();
    const lambda = {
      invoke: async () => {
        running += 1;
        await released;
        return { statusCode: 200, body: 'ok' };
      },
    } as unknown as LocalLambda;
    const route = { method: 'GET', path: '/health', functionLogicalId: 'Health', authorization: 'NONE' };
    const gateway = listenerOf(
      createApiGateway(
        [route],
        lambda,
        new Activity(),
        async () => false,
        () => undefined,
      ),
    );
    let answered = 0;
    const answers = Array.from({ length: burst }, () =>
      send(gateway, { method: 'GET', url: '/health' }).finally(() => {
        answered += 1;
      }),
    );
    // Each request either reached its function or was answered without it (as a 429 would be).
    await until(() => running + answered === burst);
    release();
    expect((await Promise.all(answers)).map((a) => a.status)).toEqual(Array(burst).fill(200));
  });

  it('SES: no sending quota: every send is passed on to the inbox, past the sandbox’s 200 a day; only an injected fault is refused', async () => {
    const inbox = vi.fn(async () => Response.json({ MessageId: 'ses-1' }));
    vi.stubGlobal('fetch', inbox);
    try {
      const options = {
        inboxUrl: 'http://inbox.invalid',
        mail: { identities: new Map(), eventDestinations: [] },
        bus: new LocalEventBus([], noLambda, new Activity()),
        activity: new Activity(),
      };
      const email = {
        method: 'POST',
        url: '/v2/email/outbound-emails',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          FromEmailAddress: 'growcycle@example.com',
          Destination: { ToAddresses: ['ada@example.com'] },
          Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 'b' } } } },
        }),
      };
      // At once, too: past the 14 a second of a production account's default quota.
      const gateway = createSesGateway(options);
      const answers = await Promise.all(Array.from({ length: 201 }, () => send(gateway, email)));
      expect(answers.map((a) => a.status)).toEqual(Array(201).fill(200));
      expect(inbox).toHaveBeenCalledTimes(201);
      const throttled = createSesGateway({ ...options, throttle: () => true });
      expect(errorOf(await send(throttled, email))).toBe('429 TooManyRequestsException');
      expect(inbox).toHaveBeenCalledTimes(201);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('Cognito: codes and refresh tokens live in memory: after a restart neither is good, while an ID token lasts until it expires', async () => {
    const keyFile = path.join(mkdtempSync(path.join(tmpdir(), 'growcycle-issuer-')), 'dev-token-key.pem');
    const oauth = (issuer: DevTokenIssuer): Handler => {
      const route = createDevOAuth(issuer, () => 'http://localhost:4000');
      return (req, res) => route(req, new URL(req.url ?? '/', 'http://localhost:4000'), res);
    };
    const form = (fields: Record<string, string>) => ({
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
    const verifier = 'v'.repeat(43);
    const redirect_uri = 'http://127.0.0.1:5000/callback';
    const signIn = async (server: Handler) => {
      const answer = await send(server, {
        method: 'POST',
        url: '/oauth2/authorize',
        ...form({
          response_type: 'code',
          client_id: DEV_CLI_CLIENT,
          redirect_uri,
          state: 's',
          code_challenge: codeChallenge(verifier),
          code_challenge_method: 'S256',
          as: 'e04',
        }),
      });
      return new URL(String(answer.headers.location)).searchParams.get('code') ?? '';
    };
    const token = (server: Handler, fields: Record<string, string>) =>
      send(server, {
        method: 'POST',
        url: '/oauth2/token',
        ...form({ client_id: DEV_CLI_CLIENT, ...fields }),
      });
    const exchange = (server: Handler, code: string) =>
      token(server, { grant_type: 'authorization_code', code, redirect_uri, code_verifier: verifier });
    const refresh = (server: Handler, refresh_token: string) =>
      token(server, { grant_type: 'refresh_token', refresh_token });

    const before = oauth(new DevTokenIssuer(keyFile));
    const signedIn = await exchange(before, await signIn(before));
    const { id_token, refresh_token } = JSON.parse(signedIn.body) as Record<string, string>;
    const pending = await signIn(before);
    expect((await refresh(before, refresh_token ?? '')).status).toBe(200);

    // The restart: the same key file, nothing else kept. Cognito would still honour both.
    const issuer = new DevTokenIssuer(keyFile);
    const after = oauth(issuer);
    expect(JSON.parse((await refresh(after, refresh_token ?? '')).body)).toEqual({ error: 'invalid_grant' });
    expect(JSON.parse((await exchange(after, pending)).body)).toEqual({ error: 'invalid_grant' });
    expect(issuer.verify(id_token ?? '')).toMatchObject({ ok: true });
  });
});

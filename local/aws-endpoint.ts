import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import * as z from 'zod';
import type { Activity } from './activity';
import type { LocalLambda } from './lambda';
import { type LocalQueue, SqsError, sqsHandlers } from './queue';
import { type LocalScheduler, SchedulerError } from './scheduler';
import { type LocalSecret, type RotationRunner, randomPassword, SecretsError } from './secrets';
import { type Execution, type HistoryEvent, type LocalStepFunctions, SfnError } from './step-functions';

/*
 * A small endpoint speaking the AWS JSON protocol for the calls the project makes and the AWS CLI's
 * everyday Step Functions commands: ListStateMachines, DescribeStateMachine, StartExecution,
 * ListExecutions, DescribeExecution, GetExecutionHistory, StopExecution, RedriveExecution and
 * SendTaskSuccess/Failure/Heartbeat, answered in AWS's shapes; and Secrets Manager's GetSecretValue
 * for the link key. The real @aws-sdk clients and the AWS CLI talk to it through
 * AWS_ENDPOINT_URL_SFN / _SECRETS_MANAGER.
 */

type Body = Record<string, unknown>;
const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

/** A request's fields as AWS validates them: anything else is a ValidationException. */
const parse = <T>(schema: z.ZodType<T>, body: Body): T => {
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new SfnError('ValidationException', parsed.error.issues.map((i) => i.message).join('; '));
  return parsed.data;
};

const RedriveExecutionInput = z.object({
  executionArn: z.string().min(1),
  clientToken: z.string().min(1).max(64).optional(),
});

const ListExecutionsFilters = z.object({
  statusFilter: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']).optional(),
  redriveFilter: z.enum(['REDRIVEN', 'NOT_REDRIVEN']).optional(),
});

const summary = (e: Execution) => ({
  executionArn: e.executionArn,
  stateMachineArn: e.stateMachineArn,
  name: e.name,
  status: e.status,
  startDate: seconds(e.startDate),
  stopDate: seconds(e.stopDate),
  redriveCount: e.redriveCount,
  redriveDate: seconds(e.redriveDate),
});

/** An event as GetExecutionHistory answers it; without execution data, inputs and outputs are left out. */
const eventJson = ({ stateName: _state, timestamp, ...event }: HistoryEvent, withData: boolean) => {
  const out: Record<string, unknown> = { ...event, timestamp: seconds(timestamp) };
  if (withData) return out;
  for (const [key, value] of Object.entries(out)) {
    if (!key.endsWith('EventDetails') || !value || typeof value !== 'object') continue;
    const {
      input: _input,
      output: _output,
      parameters: _parameters,
      ...rest
    } = value as Record<string, unknown>;
    out[key] = rest;
  }
  return out;
};

const page = <T>(items: T[], body: Body): { items: T[]; nextToken?: string } => {
  const start = Number(body.nextToken ?? 0);
  const max = Number(body.maxResults ?? 100) || 100;
  const slice = items.slice(start, start + max);
  return { items: slice, ...(start + max < items.length ? { nextToken: String(start + max) } : {}) };
};

export type AwsEndpointOptions = {
  sfn: LocalStepFunctions;
  scheduler?: LocalScheduler;
  activity: Activity;
  /** The link key's secret; RotateSecret runs `rotation`, the template's rotation function. */
  secret: LocalSecret;
  rotation?: RotationRunner;
  /** With both, the endpoint also answers SQS for the dead-letter queue and Lambda's Invoke (the redrive's calls, the resume function's callers). */
  lambda?: LocalLambda;
  queue?: LocalQueue;
  endpoint?: () => string;
};

/**
 * Lambda's Invoke (REST): `Event` is taken at once (202) and run asynchronously, as Lambda does;
 * `RequestResponse` (the default) runs it and answers its result.
 */
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

const lambdaInvoke = async (lambda: LocalLambda, name: string, req: IncomingMessage, res: ServerResponse) => {
  const logicalId =
    decodeURIComponent(name)
      .replace(/^arn:[^:]+:lambda:[^:]+:\d+:function:/, '')
      .split(':')[0] ?? '';
  let event: unknown;
  try {
    event = JSON.parse((await readBody(req)) || '{}');
    lambda.functionNamed(logicalId);
  } catch (error) {
    const code =
      error instanceof SyntaxError ? 'InvalidRequestContentException' : 'ResourceNotFoundException';
    res.writeHead(code === 'ResourceNotFoundException' ? 404 : 400, {
      'content-type': 'application/json',
      'x-amzn-errortype': code,
    });
    return res.end(
      JSON.stringify({ Type: 'User', message: error instanceof Error ? error.message : String(error) }),
    );
  }
  const type = req.headers['x-amz-invocation-type'] ?? 'RequestResponse';
  if (type === 'Event') {
    void lambda.invokeAsync(logicalId, event);
    return res.writeHead(202).end();
  }
  if (type !== 'RequestResponse') {
    res.writeHead(400, {
      'content-type': 'application/json',
      'x-amzn-errortype': 'InvalidParameterValueException',
    });
    return res.end(JSON.stringify({ Type: 'User', message: `Invocation type ${type} is not served here` }));
  }
  // As Lambda answers a synchronous call: 200 either way, a handler's error in the body, flagged.
  try {
    const result = await lambda.invoke(logicalId, event);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result ?? null));
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    res
      .writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' })
      .end(JSON.stringify({ errorType: failure.name, errorMessage: failure.message }));
  }
};

export const awsHandlers = ({
  sfn,
  secret,
  rotation,
}: AwsEndpointOptions): Record<string, (body: Body) => unknown | Promise<unknown>> => ({
  'AWSStepFunctions.ListStateMachines': (b) => {
    const { items, nextToken } = page(sfn.stateMachines(), b);
    return {
      stateMachines: items.map((m) => ({
        stateMachineArn: m.stateMachineArn,
        name: m.name,
        type: m.type,
        creationDate: seconds(m.creationDate),
      })),
      nextToken,
    };
  },
  'AWSStepFunctions.DescribeStateMachine': (b) => {
    const m = sfn.describeStateMachine(String(b.stateMachineArn));
    return {
      stateMachineArn: m.stateMachineArn,
      name: m.name,
      status: 'ACTIVE',
      definition: m.definition,
      roleArn: m.roleArn,
      type: m.type,
      creationDate: seconds(m.creationDate),
    };
  },
  'AWSStepFunctions.StartExecution': (b) => {
    const e = sfn.startExecution(
      String(b.stateMachineArn),
      b.name as string | undefined,
      String(b.input ?? '{}'),
    );
    return { executionArn: e.executionArn, startDate: seconds(e.startDate) };
  },
  'AWSStepFunctions.DescribeExecution': (b) => {
    const e = sfn.describe(String(b.executionArn));
    return {
      ...summary(e),
      input: e.input,
      inputDetails: { included: true },
      ...(e.output === undefined ? {} : { output: e.output, outputDetails: { included: true } }),
      error: e.error,
      cause: e.cause,
      ...sfn.redriveStatus(e),
    };
  },
  'AWSStepFunctions.ListExecutions': (b) => {
    if (typeof b.stateMachineArn !== 'string')
      throw new SfnError('ValidationException', 'Must provide a StateMachine ARN or MapRun ARN');
    sfn.describeStateMachine(b.stateMachineArn);
    const { statusFilter, redriveFilter } = parse(ListExecutionsFilters, b);
    const all = sfn
      .list()
      .filter(
        (e) =>
          e.stateMachineArn === b.stateMachineArn &&
          (!statusFilter || e.status === statusFilter) &&
          (!redriveFilter || e.redriveCount > 0 === (redriveFilter === 'REDRIVEN')),
      )
      .sort((x, y) => y.startDate - x.startDate);
    const { items, nextToken } = page(all, b);
    return { executions: items.map(summary), nextToken };
  },
  'AWSStepFunctions.GetExecutionHistory': (b) => {
    const e = sfn.describe(String(b.executionArn));
    const events = b.reverseOrder ? [...e.history].reverse() : e.history;
    const { items, nextToken } = page(events, b);
    return { events: items.map((event) => eventJson(event, b.includeExecutionData !== false)), nextToken };
  },
  'AWSStepFunctions.StopExecution': (b) => {
    const e = sfn.stop(String(b.executionArn), b.error as string | undefined, b.cause as string | undefined);
    return { stopDate: seconds(e.stopDate) };
  },
  'AWSStepFunctions.RedriveExecution': async (b) => {
    const { executionArn, clientToken } = parse(RedriveExecutionInput, b);
    return { redriveDate: seconds(await sfn.redrive(executionArn, clientToken)) };
  },
  'AWSStepFunctions.SendTaskSuccess': (b) => {
    sfn.sendTaskSuccess(String(b.taskToken), String(b.output));
    return {};
  },
  'AWSStepFunctions.SendTaskFailure': (b) => {
    sfn.sendTaskFailure(String(b.taskToken), b.error as string | undefined, b.cause as string | undefined);
    return {};
  },
  'AWSStepFunctions.SendTaskHeartbeat': (b) => {
    sfn.sendTaskHeartbeat(String(b.taskToken));
    return {};
  },
  'secretsmanager.GetSecretValue': (b) => secret.getSecretValue(b),
  'secretsmanager.DescribeSecret': (b) => secret.describeSecret(b, rotation !== undefined),
  'secretsmanager.PutSecretValue': (b) => secret.putSecretValue(b),
  'secretsmanager.UpdateSecretVersionStage': (b) => secret.updateSecretVersionStage(b),
  'secretsmanager.GetRandomPassword': (b) => randomPassword(b),
  'secretsmanager.RotateSecret': (b) => secret.rotate(b, rotation),
});

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

/** EventBridge Scheduler speaks REST JSON: the schedule's name is in the path, errors in a header. */
const schedulerRequest = async (
  scheduler: LocalScheduler,
  req: IncomingMessage,
  url: URL,
  res: ServerResponse,
): Promise<void> => {
  const send = (status: number, body: unknown, errorType?: string) => {
    res.writeHead(status, {
      'content-type': 'application/json',
      ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
    });
    res.end(JSON.stringify(body));
  };
  const name = decodeURIComponent(url.pathname.slice('/schedules/'.length));
  const groupName = url.searchParams.get('groupName') ?? undefined;
  try {
    const raw = await readBody(req);
    if (req.method === 'POST') return send(200, scheduler.create(name, raw ? JSON.parse(raw) : {}));
    if (req.method === 'DELETE') {
      scheduler.delete(name, groupName);
      return send(200, {});
    }
    if (req.method === 'GET') {
      const s = scheduler.get(name, groupName);
      return send(200, {
        Name: s.name,
        GroupName: s.groupName,
        ScheduleExpression: s.expression,
        ScheduleExpressionTimezone: s.timeZone,
        State: 'ENABLED',
        Target: s.target,
      });
    }
    send(405, { message: `Method ${req.method} not supported` }, 'ValidationException');
  } catch (error) {
    if (error instanceof SchedulerError) return send(error.status, { message: error.message }, error.code);
    send(500, { message: error instanceof Error ? error.message : String(error) }, 'InternalServerException');
  }
};

export const createAwsEndpoint = (options: AwsEndpointOptions): Server => {
  const { queue, endpoint, lambda } = options;
  const handlers = {
    ...awsHandlers(options),
    ...(queue && endpoint ? sqsHandlers(queue, endpoint) : {}),
  };
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    void options.activity.track(async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (options.scheduler && url.pathname.startsWith('/schedules/'))
        return schedulerRequest(options.scheduler, req, url, res);
      const invoke = INVOKE_PATH.exec(url.pathname);
      if (lambda && invoke?.[1] && req.method === 'POST') return lambdaInvoke(lambda, invoke[1], req, res);
      const target = String(req.headers['x-amz-target'] ?? '');
      const contentType = target.startsWith('secretsmanager.')
        ? 'application/x-amz-json-1.1'
        : 'application/x-amz-json-1.0';
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': contentType });
        res.end(JSON.stringify(body));
      };
      const handler = handlers[target];
      if (!handler)
        return send(400, { __type: 'UnknownOperationException', message: `Unknown operation ${target}` });
      try {
        const raw = await readBody(req);
        send(200, await handler(raw ? (JSON.parse(raw) as Body) : {}));
      } catch (error) {
        const known = error instanceof SfnError || error instanceof SqsError || error instanceof SecretsError;
        const code = known ? error.code : 'InternalFailure';
        send(known ? 400 : 500, {
          __type: code,
          message: error instanceof Error ? error.message : String(error),
        });
      }
    });
  });
};

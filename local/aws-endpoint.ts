import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Activity } from './activity';
import { type LocalScheduler, SchedulerError } from './scheduler';
import { type Execution, type HistoryEvent, type LocalStepFunctions, SfnError } from './step-functions';

/*
 * A small endpoint speaking the AWS JSON protocol for the calls the project makes: Step Functions
 * (StartExecution, DescribeExecution, ListExecutions, GetExecutionHistory, StopExecution,
 * SendTaskSuccess/Failure/Heartbeat) and Secrets Manager's GetSecretValue for the link key. The real
 * @aws-sdk clients and the AWS CLI talk to it through AWS_ENDPOINT_URL_SFN / _SECRETS_MANAGER.
 */

type Body = Record<string, unknown>;
const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

const summary = (e: Execution) => ({
  executionArn: e.executionArn,
  stateMachineArn: e.stateMachineArn,
  name: e.name,
  status: e.status,
  startDate: seconds(e.startDate),
  stopDate: seconds(e.stopDate),
});

const eventJson = (event: HistoryEvent) => {
  const d = event.details ?? {};
  const base = {
    id: event.id,
    previousEventId: event.previousEventId,
    timestamp: seconds(event.timestamp),
    type: event.type,
  };
  const state = event.stateName;
  const io = (value: unknown) => JSON.stringify(value ?? null);
  if (event.type.endsWith('StateEntered') && state) {
    return {
      ...base,
      stateEnteredEventDetails: {
        name: state,
        input: io((d as { state?: { input?: unknown } }).state?.input),
      },
    };
  }
  if (event.type.endsWith('StateExited') && state)
    return { ...base, stateExitedEventDetails: { name: state } };
  if (event.type === 'ExecutionStarted')
    return { ...base, executionStartedEventDetails: { input: io(d.input) } };
  if (event.type === 'ExecutionSucceeded')
    return { ...base, executionSucceededEventDetails: { output: io(d.output) } };
  if (event.type === 'ExecutionFailed') {
    return {
      ...base,
      executionFailedEventDetails: { error: String(d.Error ?? ''), cause: String(d.Cause ?? '') },
    };
  }
  if (
    event.type.endsWith('StateFailed') ||
    event.type.endsWith('StateRetried') ||
    event.type.endsWith('StateCaught')
  ) {
    return { ...base, stateName: state, error: d.Error, cause: d.Cause };
  }
  return base;
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
  linkSecret: string;
  secretId: string;
};

export const awsHandlers = ({
  sfn,
  linkSecret,
  secretId,
}: AwsEndpointOptions): Record<string, (body: Body) => unknown> => ({
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
    return { ...summary(e), input: e.input, output: e.output, error: e.error, cause: e.cause };
  },
  'AWSStepFunctions.ListExecutions': (b) => {
    const all = sfn
      .list()
      .filter(
        (e) => e.stateMachineArn === b.stateMachineArn && (!b.statusFilter || e.status === b.statusFilter),
      )
      .sort((x, y) => y.startDate - x.startDate);
    const { items, nextToken } = page(all, b);
    return { executions: items.map(summary), nextToken };
  },
  'AWSStepFunctions.GetExecutionHistory': (b) => {
    const e = sfn.describe(String(b.executionArn));
    const events = b.reverseOrder ? [...e.history].reverse() : e.history;
    const { items, nextToken } = page(events, b);
    return { events: items.map(eventJson), nextToken };
  },
  'AWSStepFunctions.StopExecution': (b) => {
    const e = sfn.stop(String(b.executionArn), b.error as string | undefined, b.cause as string | undefined);
    return { stopDate: seconds(e.stopDate) };
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
  'secretsmanager.GetSecretValue': (b) => {
    if (b.SecretId !== secretId)
      throw new SfnError('ResourceNotFoundException', 'Secrets Manager can’t find the specified secret.');
    return { ARN: secretId, Name: 'growcycle-link-secret', SecretString: linkSecret, VersionId: 'local' };
  },
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
  const handlers = awsHandlers(options);
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    void options.activity.track(async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (options.scheduler && url.pathname.startsWith('/schedules/'))
        return schedulerRequest(options.scheduler, req, url, res);
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
        send(200, handler(raw ? (JSON.parse(raw) as Body) : {}));
      } catch (error) {
        const code = error instanceof SfnError ? error.code : 'InternalFailure';
        send(error instanceof SfnError ? 400 : 500, {
          __type: code,
          message: error instanceof Error ? error.message : String(error),
        });
      }
    });
  });
};

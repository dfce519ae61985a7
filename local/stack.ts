import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import sesServerModule from 'aws-ses-v2-local';
import { ROOT } from '../infra/function';
import { Activity } from './activity';
import { createApiGateway, type ExtraRoute } from './api-gateway';
import { createAwsEndpoint } from './aws-endpoint';
import { SimulatedClock, settle } from './clock';
import { createDevOAuth } from './dev-oauth';
import { asGatewayClaims, DEV_AUDIENCE, DEV_CLI_CLIENT, DEV_ISSUER, DevTokenIssuer } from './dev-tokens';
import { ensureTable, localCredentials, reclaimDynamoDb, startDynamoDb } from './dynamodb';
import { LocalEventBus } from './event-bus';
import { dynamoThrottlingProxy, type FaultOptions, type Faults, faultsFrom } from './faults';
import { LOCAL_MAX_CONCURRENCY, LocalLambda } from './lambda';
import { enforcePrivileges } from './privileges';
import { LocalQueue } from './queue';
import { LocalScheduler } from './scheduler';
import { LocalSecret } from './secrets';
import { createSesGateway } from './ses-simulator';
import { LocalStepFunctions } from './step-functions';
import { type CfnTemplate, type LocalApp, readApp, synthesize } from './template';
import { guardLongTimeouts } from './timers';

export type Ports = { api: number; inbox: number; sfn: number; dynamodb: number };
export const DEFAULT_PORTS: Ports = { api: 4000, inbox: 8005, sfn: 8083, dynamodb: 8000 };

export type StackOptions = {
  ports?: Partial<Ports>;
  /** Where DynamoDB data and the link key live; defaults to `.local/` in the repository. */
  dataDir?: string;
  /**
   * Keep everything on disk (the long-running service): DynamoDB's data, and the executions, task
   * tokens and one-time schedules, which a restart resumes. Otherwise all of it lives in memory
   * (demo, tests).
   */
  persist?: boolean;
  /** Use an already running DynamoDB Local at this endpoint (tests share one per run). */
  dynamoEndpoint?: string;
  /**
   * Deliver mail to an already running aws-ses-v2-local at this URL instead of one of the stack's own:
   * the chaos run keeps the inbox, as AWS keeps sent mail, outside the stack it kills.
   */
  inboxUrl?: string;
  tableName?: string;
  /** Start a simulated clock at this instant; omit for real time. */
  simulatedStart?: Date;
  senderAddress?: string;
  hrAddress?: string;
  /** Emails per second (the CDK context `emailSendRate`); defaults to the stack's 14. */
  emailSendRate?: number;
  /** Synthesizes the CDK app from this context; tests hand in one that reuses their run's template. */
  synthesize?: (context: Record<string, string>) => CfnTemplate;
  /** SES and DynamoDB throttling injected as AWS answers it (local/faults.ts). */
  faults?: FaultOptions;
};

export type LocalStack = {
  urls: { api: string; inbox: string; sfn: string; dynamodb: string };
  app: LocalApp;
  lambda: LocalLambda;
  /** The dead-letter queue of the asynchronous paths (`growcycle redrive` empties it). */
  failedInvocations: LocalQueue;
  sfn: LocalStepFunctions;
  scheduler: LocalScheduler;
  /** The default EventBridge bus with the template's rules (SES bounce and complaint events). */
  events: LocalEventBus;
  activity: Activity;
  clock: SimulatedClock | undefined;
  tableName: string;
  /** What a persisting stack took up again from its data folder: running executions and pending schedules. */
  resumed: { executions: number; schedules: number };
  /** Arn of a state machine by its construct path prefix: 'EmployeeReview', 'AppraisalCycle', 'DevelopmentPlan'. */
  stateMachineArn: (prefix: string) => string;
  /** A development token for an employee (the local stand-in for signing in with Cognito). */
  devToken: (employeeId: string, options?: { hr?: boolean }) => string;
  settle: () => Promise<void>;
  /**
   * With the simulated clock: once the stack is idle, jumps to the next timer and fires it, with
   * those due within `windowMs` after it (SimulatedClock next). 'busy' when something happened
   * while settling (the caller looks again); 'no-timers' when no timer is pending.
   */
  advance: (options?: { windowMs?: number }) => Promise<'advanced' | 'busy' | 'no-timers'>;
  stop: () => Promise<void>;
  /** The faults injected so far, when the stack was started with some. */
  faults: Faults | undefined;
};

export class StackAlreadyRunningError extends Error {
  override name = 'StackAlreadyRunning';
}

const LOCAL_SECRET_ID = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:growcycle-link-key';

const listen = (server: Server, port: number, what: string): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new StackAlreadyRunningError(
              `Port ${port} (${what}) is already in use: is a growcycle stack already running? Stop it, or choose other ports (see README, Configuration).`,
            )
          : error,
      );
    });
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });

const close = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });

/** aws-ses-v2-local, the stack's inbox (port 0: any free port). */
export const startInbox = async (port: number): Promise<Server> => {
  const sesFactory =
    (sesServerModule as unknown as { default?: typeof sesServerModule }).default ?? sesServerModule;
  const sesServer = await sesFactory({ host: '127.0.0.1', port }).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'EADDRINUSE'
      ? new StackAlreadyRunningError(
          `Port ${port} (inbox) is already in use: is a growcycle stack already running?`,
        )
      : error;
  });
  return sesServer;
};

/**
 * The one configuration difference of sign-in: the functions that name the user pool's issuer
 * (Cognito managed login) are pointed at the development issuer this stack serves, at the same paths.
 */
const signInThroughDevIssuer = (app: LocalApp, api: string) => {
  for (const fn of app.functions.values()) {
    if (fn.environment.AUTH_ISSUER === undefined) continue;
    Object.assign(fn.environment, {
      AUTH_ISSUER: DEV_ISSUER,
      AUTH_JWKS_URL: `${api}/.well-known/jwks.json`,
      AUTH_DOMAIN_URL: api,
      AUTH_APP_CLIENT_ID: DEV_AUDIENCE,
      AUTH_CLI_CLIENT_ID: DEV_CLI_CLIENT,
    });
  }
};

/** Points the AWS SDK at the local stack through its own variables; handlers never know. */
export const setEnvironment = (app: LocalApp, urls: LocalStack['urls']) => {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: urls.dynamodb,
    // Through the local AWS endpoint, which passes mail on to the inbox and plays the SES mailbox simulator.
    AWS_ENDPOINT_URL_SESV2: urls.sfn,
    AWS_ENDPOINT_URL_SFN: urls.sfn,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: urls.sfn,
    AWS_ENDPOINT_URL_SCHEDULER: urls.sfn,
    // A function's synchronous call of another (the resume function's: domain/platform/wait-tokens.ts).
    AWS_ENDPOINT_URL_LAMBDA: urls.sfn,
    // No X-Ray daemon here: the SDK clients are not traced (domain/platform/clients.ts).
    POWERTOOLS_TRACE_ENABLED: 'false',
    // Invocations run side by side in this process (./lambda.ts): Powertools keeps each one's state apart.
    AWS_LAMBDA_MAX_CONCURRENCY: String(LOCAL_MAX_CONCURRENCY),
  });
  // All functions share one process, so they share one environment: refuse a template where two
  // functions give the same variable different values.
  const merged: Record<string, string> = {};
  for (const fn of app.functions.values()) {
    for (const [key, value] of Object.entries(fn.environment)) {
      if (merged[key] !== undefined && merged[key] !== value) {
        throw new Error(`Functions disagree on ${key}; the local stack cannot run them in one process`);
      }
      merged[key] = value;
    }
  }
  Object.assign(process.env, merged);
};

/**
 * Boots the whole system on one machine: DynamoDB Local, the SES v2 stand-in with its inbox viewer,
 * the synthesized state machines behind a Step Functions endpoint, and the template's HTTP API,
 * all running the real handler modules.
 */
export const startStack = async (
  options: StackOptions = {},
  extraRoutes?: ExtraRoute,
): Promise<LocalStack> => {
  const ports = { ...DEFAULT_PORTS, ...options.ports };
  const dataDir = options.dataDir ?? path.join(ROOT, '.local');
  mkdirSync(dataDir, { recursive: true });
  const tableName = options.tableName ?? 'growcycle';
  const activity = new Activity();
  const servers: Server[] = [];
  let dynamo: ChildProcess | undefined;

  // Bind the ports first: a second stack fails here, before touching anything.
  let handleApi: Parameters<typeof createServer>[1] = (_req, res) => res.writeHead(503).end();
  let handleAws: Parameters<typeof createServer>[1] = (_req, res) => res.writeHead(503).end();
  const apiServer = createServer((req, res) => handleApi?.(req, res));
  const awsServer = createServer((req, res) => handleAws?.(req, res));
  // Node's 5 s keep-alive races a client reusing the socket as it closes (ECONNRESET) once the
  // event loop lags under load; API Gateway and the AWS endpoints keep idle connections longer.
  for (const server of [apiServer, awsServer]) server.keepAliveTimeout = 60_000;
  try {
    const apiPort = await listen(apiServer, ports.api, 'API');
    servers.push(apiServer);
    const sfnPort = await listen(awsServer, ports.sfn, 'Step Functions');
    servers.push(awsServer);
    let inboxUrl = options.inboxUrl;
    if (!inboxUrl) {
      const inbox = await startInbox(ports.inbox);
      servers.push(inbox);
      inboxUrl = `http://localhost:${(inbox.address() as AddressInfo).port}`;
    }

    let dynamoEndpoint = options.dynamoEndpoint;
    if (!dynamoEndpoint) {
      const dbDir = path.join(dataDir, 'dynamodb');
      if (options.persist) await reclaimDynamoDb(dbDir);
      const probe = createServer();
      await listen(probe, ports.dynamodb, 'DynamoDB Local');
      await close(probe);
      if (options.persist) mkdirSync(dbDir, { recursive: true });
      dynamo = await startDynamoDb(ports.dynamodb, options.persist ? dbDir : undefined);
      dynamoEndpoint = `http://127.0.0.1:${ports.dynamodb}`;
    }

    // With faults, the handlers reach DynamoDB through a proxy that throttles a share of writes.
    const faults = options.faults ? faultsFrom(options.faults) : undefined;
    const proxy = faults ? await dynamoThrottlingProxy(dynamoEndpoint, faults) : undefined;
    if (proxy) servers.push(proxy.server);
    const urls = {
      api: `http://localhost:${apiPort}`,
      inbox: inboxUrl,
      sfn: `http://127.0.0.1:${sfnPort}`,
      dynamodb: proxy?.url ?? dynamoEndpoint,
    };
    const template = (options.synthesize ?? synthesize)({
      senderAddress: options.senderAddress ?? 'growcycle@example.com',
      hrAddress: options.hrAddress ?? 'hr@example.com',
      publicBaseUrl: urls.api,
      ...(options.emailSendRate ? { emailSendRate: String(options.emailSendRate) } : {}),
    });
    const app = readApp(template, { tableName, secretId: LOCAL_SECRET_ID });
    enforcePrivileges(template, { tableName, secretId: LOCAL_SECRET_ID });
    signInThroughDevIssuer(app, urls.api);
    setEnvironment(app, urls);
    await ensureTable(dynamoEndpoint, tableName, app.table);

    // The Step Functions side kept on disk, resumed below once everything it calls is up.
    const journals = options.persist ? path.join(dataDir, 'stepfunctions') : undefined;
    const failedInvocations = new LocalQueue(
      undefined,
      options.persist ? path.join(dataDir, 'sqs', 'failed-invocations.jsonl') : undefined,
    );
    const lambda = new LocalLambda(app.functions, activity, failedInvocations);
    const sfn = new LocalStepFunctions({
      stateMachines: app.stateMachines,
      lambda,
      activity,
      ...(journals ? { journalFile: path.join(journals, 'executions.jsonl') } : {}),
    });
    const scheduler = new LocalScheduler(
      sfn,
      activity,
      lambda,
      app.schedules,
      journals && path.join(journals, 'schedules.jsonl'),
      failedInvocations,
    );
    const linkSecret = new LocalSecret(LOCAL_SECRET_ID, path.join(dataDir, 'link-secret.json'));
    const awsEndpoint = createAwsEndpoint({
      sfn,
      scheduler,
      activity,
      secret: linkSecret,
      ...(app.secretRotation
        ? { rotation: (event) => lambda.invoke(app.secretRotation as string, event) }
        : {}),
      lambda,
      queue: failedInvocations,
      endpoint: () => urls.sfn,
    });
    const events = new LocalEventBus(app.rules, lambda, activity, failedInvocations);
    const sesGateway = createSesGateway({
      inboxUrl: urls.inbox,
      mail: app.mail,
      bus: events,
      activity,
      ...(faults ? { throttle: faults.sesThrottle, loseReply: faults.sesLoseReply } : {}),
    });
    // SES v2 is a REST API (/v2/email/...); Step Functions and Secrets Manager speak JSON on `/`.
    handleAws = (req, res) =>
      req.url?.startsWith('/v2/email/') ? sesGateway(req, res) : awsEndpoint.emit('request', req, res);
    const issuer = new DevTokenIssuer(path.join(dataDir, 'dev-token-key.pem'));
    const tokenRoute: ExtraRoute = async (req, url, res) => {
      if (url.pathname !== '/_local/token' || req.method !== 'POST') return false;
      const employeeId = url.searchParams.get('employee') ?? '';
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(employeeId)) {
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ message: 'employee: an employee id is required' }));
        return true;
      }
      const token = issuer.issue(employeeId, { hr: url.searchParams.get('hr') === 'true' });
      res
        .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify({ token }));
      return true;
    };
    // Where the CLI's AWS calls (`growcycle redrive`) reach this stack: its endpoint and its queue.
    const awsRoute: ExtraRoute = async (req, url, res) => {
      if (url.pathname !== '/_local/aws' || req.method !== 'GET') return false;
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(
          JSON.stringify({ endpoint: urls.sfn, failedInvocationsQueueUrl: failedInvocations.url(urls.sfn) }),
        );
      return true;
    };
    const devOAuth = createDevOAuth(issuer, () => urls.api);
    const gateway = createApiGateway(
      app.routes,
      lambda,
      activity,
      async (req, url, res) =>
        (await tokenRoute(req, url, res)) ||
        (await devOAuth(req, url, res)) ||
        (await awsRoute(req, url, res)) ||
        (await (extraRoutes ?? (async () => false))(req, url, res)),
      (token) => {
        const checked = issuer.verify(token);
        return checked.ok ? asGatewayClaims(checked.claims) : undefined;
      },
    );
    handleApi = (req, res) => gateway.emit('request', req, res);

    const clock = options.simulatedStart ? new SimulatedClock(options.simulatedStart) : undefined;
    // The simulated clock queues any delay; real time needs the engine's long waits chained.
    const unguard = clock ? undefined : guardLongTimeouts();
    scheduler.startRecurring(clock ? 'passive' : 'timers');
    const resumed = { executions: sfn.resume(), schedules: scheduler.resume() };
    const stateMachineArn = (prefix: string) => {
      const found = app.stateMachines.find((s) => s.logicalId.startsWith(prefix));
      if (!found) throw new Error(`No state machine ${prefix}`);
      return found.arn;
    };
    return {
      urls,
      app,
      lambda,
      failedInvocations,
      sfn,
      scheduler,
      events,
      activity,
      clock,
      tableName,
      resumed,
      stateMachineArn,
      devToken: (employeeId, tokenOptions) => issuer.issue(employeeId, tokenOptions),
      settle: () => settle(activity),
      advance: async ({ windowMs = 0 } = {}) => {
        if (!clock) return 'no-timers';
        const seen = activity.version;
        await settle(activity);
        if (activity.version !== seen) return 'busy';
        activity.touch();
        // A recurring schedule the clock is about to pass fires first, at its own time.
        const due = clock.nextDueMs();
        if (
          due !== undefined &&
          (await scheduler.firePassiveBefore(due + windowMs, (at) => clock.jumpTo(at)))
        )
          return 'advanced';
        return (await clock.next(windowMs)) ? 'advanced' : 'no-timers';
      },
      faults,
      stop: async () => {
        if (options.persist) {
          // Kept for the next start, which resumes them: neither stopped nor forgotten.
          sfn.detach();
          scheduler.detach();
          failedInvocations.close();
        } else {
          for (const execution of sfn.list())
            if (execution.status === 'RUNNING') sfn.stop(execution.executionArn);
        }
        clock?.uninstall();
        unguard?.();
        await Promise.all(servers.map(close));
        dynamo?.kill();
      },
    };
  } catch (error) {
    await Promise.all(servers.map(close));
    dynamo?.kill();
    throw error;
  }
};

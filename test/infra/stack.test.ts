import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WAKE_ERROR } from '../../domain/platform/executions';
import { APP_ROUTES as APP_PAGES_AND_SIGN_IN } from '../../functions/api/app';
import { HR_ROUTES as HANDLED_HR_ROUTES } from '../../functions/api/hr-api';
import { buildApp } from '../../infra/app';
import { ENTRY_METADATA, GrowcycleFunction, POWERTOOLS_ENVIRONMENT, ROOT } from '../../infra/function';
import type { GrowcycleStack } from '../../infra/stack';
import { allows, statementsByFunction } from '../../local/privileges';
import { type CfnTemplate, localFunctionArn, localTableArn } from '../../local/template';
import { TRANSIENT_ERRORS } from '../../workflows/human-step';

/*
 * Assertions on the synthesized template. Bundling is skipped (`aws:cdk:bundling-stacks` empty), so a
 * synth takes seconds: the functions' code is not part of what is asserted here.
 */

const outdirs: string[] = [];

/** A fresh app with bundling skipped, synthesizing into a temporary directory removed after the tests. */
const newApp = (context: Record<string, string> = {}): { app: App; stack: GrowcycleStack } => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'growcycle-cdk-'));
  outdirs.push(outdir);
  return buildApp(new App({ outdir, context: { 'aws:cdk:bundling-stacks': [], ...context } }));
};

afterAll(() => {
  for (const outdir of outdirs) rmSync(outdir, { recursive: true, force: true });
});

type State = {
  Type: string;
  Retry?: Array<{
    ErrorEquals: string[];
    IntervalSeconds?: number;
    MaxDelaySeconds?: number;
    JitterStrategy?: string;
    MaxAttempts?: number;
  }>;
  Resource?: string;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  QueryLanguage?: string;
  Branches?: Definition[];
  ItemProcessor?: Definition;
  Iterator?: Definition;
};
type Definition = { StartAt: string; States: Record<string, State>; QueryLanguage?: string };
type Intrinsic = Record<string, unknown>;

/** The state machine definition, with every intrinsic function (ARNs, partition) as a placeholder. */
const definitionOf = (definitionString: unknown): Definition => {
  if (typeof definitionString === 'string') return JSON.parse(definitionString) as Definition;
  const join = (definitionString as { 'Fn::Join': [string, Array<string | Intrinsic>] })['Fn::Join'];
  const [separator, parts] = join;
  return JSON.parse(
    parts.map((part) => (typeof part === 'string' ? part : '<intrinsic>')).join(separator),
  ) as Definition;
};

/** Every state of a definition with its name, including those inside Parallel branches and Map processors. */
const allStates = (definition: Definition): Array<[string, State]> =>
  Object.entries(definition.States).flatMap(
    ([name, state]): Array<[string, State]> => [
      [name, state],
      ...(state.Branches ?? []).flatMap(allStates),
      ...(state.ItemProcessor ? allStates(state.ItemProcessor) : []),
      ...(state.Iterator ? allStates(state.Iterator) : []),
    ],
  );

type Resource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> };

describe('GrowcycleStack', () => {
  let template: Template;
  let stack: GrowcycleStack;
  let definitions: Definition[];

  /** Each function's IAM statements, resolved against a table named "t" (local/privileges.ts). */
  let policies: ReturnType<typeof statementsByFunction>;
  const TABLE = localTableArn('t');
  /** A function's logical id and statements, by the name its logical id starts with. */
  const policyOf = (name: string) => [...policies].find(([id]) => id.startsWith(name)) ?? ['', []];

  beforeAll(() => {
    ({ stack } = newApp());
    template = Template.fromStack(stack);
    const machines = template.findResources('AWS::StepFunctions::StateMachine') as Record<string, Resource>;
    definitions = Object.values(machines).map((m) => definitionOf(m.Properties.DefinitionString));
    policies = statementsByFunction(template.toJSON() as CfnTemplate, { tableName: 't', secretId: 's' });
  });

  describe('table', () => {
    it('is a single DynamoDB table with point-in-time recovery', () => {
      template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
      template.resourceCountIs('AWS::DynamoDB::Table', 0);
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        Replicas: [
          Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
        ],
      });
    });

    it('keys items on pk/sk with the gsi1 to gsi4 indexes the entities use', () => {
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: ['gsi1', 'gsi2', 'gsi3', 'gsi4'].map((name) =>
          Match.objectLike({
            IndexName: name,
            KeySchema: [
              { AttributeName: `${name}pk`, KeyType: 'HASH' },
              { AttributeName: `${name}sk`, KeyType: 'RANGE' },
            ],
          }),
        ),
      });
    });

    it('is retained when the stack is deleted', () => {
      template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain' });
    });

    it('passes the retention periods given as context to every function, and refuses what is not whole days', () => {
      const withRetention = Template.fromStack(
        newApp({ leaverRetentionDays: '1095', auditRetentionDays: '3650', digestRetentionDays: '14' }).stack,
      );
      const env = Object.values(withRetention.findResources('AWS::Lambda::Function')).map(
        (f) =>
          (f as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }).Properties
            .Environment?.Variables ?? {},
      );
      const ours = env.filter((v) => 'TABLE_NAME' in v);
      expect(ours.length).toBeGreaterThan(10);
      for (const v of ours) {
        expect(v).toMatchObject({
          LEAVER_RETENTION_DAYS: '1095',
          AUDIT_RETENTION_DAYS: '3650',
          DIGEST_RETENTION_DAYS: '14',
        });
        expect(v).not.toHaveProperty('OUTBOX_RETENTION_DAYS');
      }
      expect(() => newApp({ outboxRetentionDays: 'a year' })).toThrow(
        /retention of outbox must be whole days/,
      );
    });

    it('expires items by their expiresAt attribute (the per-second email send counters)', () => {
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      });
    });
  });

  describe('the public forms function', () => {
    const may = (action: string, key: string, index?: string) =>
      allows(policyOf('Forms')[1], {
        action: `dynamodb:${action}`,
        resource: index ? `${TABLE}/index/${index}` : TABLE,
        leadingKeys: key ? [key] : [],
      });

    it('reads and writes the items a form answers, by their partition keys', () => {
      expect(may('GetItem', '$growcycle#requestid_r1')).toBe(true);
      expect(may('UpdateItem', '$growcycle#requestid_r1')).toBe(true);
      expect(may('PutItem', '$growcycle#cycleid_c1#employeeid_e1')).toBe(true);
      expect(may('UpdateItem', '$growcycle#planid_p1')).toBe(true);
      expect(may('GetItem', '$growcycle#employeeid_e1')).toBe(true);
      expect(may('Query', '$growcycle#managerid_m1', 'gsi1')).toBe(true);
    });

    it('may not write people, the catalog, sessions or failure records, nor read the catalog', () => {
      expect(may('PutItem', '$growcycle#employeeid_e1')).toBe(false);
      expect(may('UpdateItem', '$growcycle#sessionhash_h')).toBe(false);
      expect(may('PutItem', '$growcycle#id_template-1')).toBe(false);
      expect(may('GetItem', '$growcycle#id_template-1')).toBe(false);
      expect(may('PutItem', '$growcycle#scopeid_c1')).toBe(false);
      expect(may('UpdateItem', '$growcycle#waitid_w1')).toBe(false);
    });

    it('may not delete, scan, write in batches, or list the whole organisation (gsi2)', () => {
      expect(may('DeleteItem', '$growcycle#requestid_r1')).toBe(false);
      expect(may('BatchWriteItem', '')).toBe(false);
      expect(may('Scan', '')).toBe(false);
      expect(may('Query', '$growcycle#', 'gsi2')).toBe(false);
    });
  });

  describe('task tokens', () => {
    const holders = (action: string) =>
      [...policies]
        .filter(([, statements]) => allows(statements, { action, resource: '*', leadingKeys: [] }))
        .map(([id]) => id.replace(/[0-9A-F]{8}$/, ''))
        .sort();

    it('are answered only by the steps holding their own task’s token and by the resume function', () => {
      const expected = ['AwaitCalibration', 'AwaitReviews', 'FollowPlan', 'HumanStep', 'Resume'];
      expect(holders('states:SendTaskSuccess')).toEqual(expected);
      expect(holders('states:SendTaskFailure')).toEqual(expected);
    });

    it('kept in the table are answered by the resume function, which reads nothing else', () => {
      const [resumeId, resume] = policyOf('Resume');
      const read = (key: string) =>
        allows(resume, { action: 'dynamodb:GetItem', resource: TABLE, leadingKeys: [key] });
      expect(read('$growcycle#waitid_request#r1')).toBe(true);
      expect(read('$growcycle#requestid_r1')).toBe(false);
      expect(
        allows(resume, { action: 'dynamodb:PutItem', resource: TABLE, leadingKeys: ['$growcycle#waitid_w'] }),
      ).toBe(false);
      expect(
        allows(policyOf('Forms')[1], {
          action: 'lambda:InvokeFunction',
          resource: localFunctionArn(resumeId),
          leadingKeys: [],
        }),
      ).toBe(true);
    });
  });

  describe('the link key', () => {
    it('rotates every 90 days through a function of its own, which may touch the secret but no table', () => {
      // Act
      const schedules = template.findResources('AWS::SecretsManager::RotationSchedule') as Record<
        string,
        Resource
      >;
      const [schedule] = Object.values(schedules);
      const rotator = JSON.stringify(schedule?.Properties.RotationLambdaARN);
      const policies = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>);
      const rotatorPolicy = policies.find((p) =>
        JSON.stringify(p.Properties.Roles).includes('RotateLinkKey'),
      );

      // Assess
      expect(Object.keys(schedules)).toHaveLength(1);
      expect(schedule?.Properties.RotationRules).toMatchObject({ ScheduleExpression: 'rate(90 days)' });
      expect(rotator).toContain('RotateLinkKey');
      const actions = JSON.stringify(rotatorPolicy?.Properties.PolicyDocument);
      expect(actions).toContain('secretsmanager:PutSecretValue');
      expect(actions).toContain('secretsmanager:UpdateSecretVersionStage');
      expect(actions).not.toContain('dynamodb:');
    });
  });

  describe('observability', () => {
    it('gives every function Powertools’ service and namespace, JSON logs at INFO and active tracing', () => {
      const functions = Object.values(
        template.findResources('AWS::Lambda::Function') as Record<string, Resource>,
      ).filter((f) => f.Metadata?.[ENTRY_METADATA]);
      expect(functions.length).toBeGreaterThan(10);
      for (const f of functions) {
        expect(f.Properties).toMatchObject({
          Environment: { Variables: POWERTOOLS_ENVIRONMENT },
          LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'WARN' },
          TracingConfig: { Mode: 'Active' },
        });
      }
    });

    const sdkTracing = (t: Template) =>
      new Set(
        Object.values(t.findResources('AWS::Lambda::Function') as Record<string, Resource>)
          .filter((f) => f.Metadata?.[ENTRY_METADATA])
          .map(
            (f) =>
              (f.Properties.Environment as { Variables: Record<string, unknown> }).Variables
                .POWERTOOLS_TRACE_ENABLED,
          ),
      );

    it('leaves the SDK calls untraced by default, and traces them in every function when asked', () => {
      expect(sdkTracing(template)).toEqual(new Set(['false']));
      expect(sdkTracing(Template.fromStack(newApp({ sdkTracing: 'true' }).stack))).toEqual(new Set(['true']));
    });

    it('refuses an sdkTracing that is neither true nor false', () => {
      expect(() => newApp({ sdkTracing: 'yes' })).toThrow(/sdkTracing must be true or false/);
    });
  });

  describe('email send rate', () => {
    const rates = (t: Template) =>
      Object.values(t.findResources('AWS::Lambda::Function') as Record<string, Resource>)
        .map(
          (f) => (f.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables,
        )
        .filter((v) => v?.TABLE_NAME !== undefined)
        .map((v) => v?.EMAIL_SEND_RATE);

    it('is 14 a second in every function that uses the table, SES default quota', () => {
      expect(new Set(rates(template))).toEqual(new Set(['14']));
    });

    it('follows the emailSendRate context value', () => {
      const outdir = mkdtempSync(path.join(tmpdir(), 'growcycle-cdk-'));
      outdirs.push(outdir);
      const { stack: custom } = buildApp(
        new App({ outdir, context: { 'aws:cdk:bundling-stacks': [], emailSendRate: '40' } }),
      );
      expect(new Set(rates(Template.fromStack(custom)))).toEqual(new Set(['40']));
    });

    it('refuses an emailSendRate that is not a positive whole number', () => {
      const outdir = mkdtempSync(path.join(tmpdir(), 'growcycle-cdk-'));
      outdirs.push(outdir);
      expect(() =>
        buildApp(new App({ outdir, context: { 'aws:cdk:bundling-stacks': [], emailSendRate: 'lots' } })),
      ).toThrow(/emailSendRate/);
    });

    it('retries every step that may send an email soon after EmailThrottled, with full jitter', () => {
      const mayRetryEmail = definitions
        .flatMap(allStates)
        .filter(([, state]) => state.Retry?.some((r) => r.ErrorEquals.includes('EmailInFlight')));
      expect(mayRetryEmail.length).toBeGreaterThan(0);
      for (const [name, state] of mayRetryEmail) {
        const throttled = state.Retry?.find((r) => r.ErrorEquals.includes('EmailThrottled'));
        expect({ name, throttled }).toMatchObject({
          name,
          throttled: { IntervalSeconds: 1, JitterStrategy: 'FULL', MaxDelaySeconds: expect.any(Number) },
        });
      }
    });
  });

  describe('functions', () => {
    const functions = () =>
      Object.entries(template.findResources('AWS::Lambda::Function') as Record<string, Resource>);

    it('run Node.js 24 on arm64, every one of them', () => {
      // Act
      const found = functions();

      // Assess
      expect(found.length).toBeGreaterThan(0);
      for (const [id, fn] of found) {
        expect({ id, runtime: fn.Properties.Runtime, architectures: fn.Properties.Architectures }).toEqual({
          id,
          runtime: 'nodejs24.x',
          architectures: ['arm64'],
        });
      }
    });

    it('each name their handler module, and that module exists', () => {
      for (const [id, fn] of functions()) {
        const entry = fn.Metadata?.[ENTRY_METADATA];
        expect(entry, `${id} has no ${ENTRY_METADATA} metadata`).toEqual(expect.stringMatching(/\.ts$/));
        expect(existsSync(path.join(ROOT, entry as string)), `${id}: ${String(entry)} does not exist`).toBe(
          true,
        );
      }
    });
  });

  describe('state machines', () => {
    it('are exactly five (cycle, review, plan, plan item, feedback request), all STANDARD', () => {
      template.resourceCountIs('AWS::StepFunctions::StateMachine', 5);
      const machines = Object.values(
        template.findResources('AWS::StepFunctions::StateMachine') as Record<string, Resource>,
      );
      expect(machines.map((m) => m.Properties.StateMachineType)).toEqual([
        'STANDARD',
        'STANDARD',
        'STANDARD',
        'STANDARD',
        'STANDARD',
      ]);
    });

    it('give every Task state a timeout, fixed or from the input', () => {
      // Prepare
      const tasks = definitions.flatMap(allStates).filter(([, state]) => state.Type === 'Task');

      // Assess
      expect(tasks.length).toBeGreaterThan(0);
      const untimed = tasks
        .filter(([, state]) => state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined)
        .map(([name]) => name);
      expect(untimed).toEqual([]);
    });

    it('use JSONPath throughout, which the local engine runs', () => {
      // Prepare
      const jsonata = [
        ...definitions.filter((d) => d.QueryLanguage === 'JSONata').map((d) => d.StartAt),
        ...definitions
          .flatMap(allStates)
          .filter(([, state]) => state.QueryLanguage === 'JSONata')
          .map(([name]) => name),
      ];

      // Assess
      expect(jsonata).toEqual([]);
    });

    it('name their waits in the words HR uses', () => {
      // Prepare
      const names = definitions.flatMap(allStates).map(([name]) => name);

      // Assess
      expect(names).toEqual(
        expect.arrayContaining([
          'Wait for self-assessment',
          'Wait for manager appraisal',
          'Wait for peer feedback',
          'Wait for peer nominations',
          'Wait for the approval of nominations',
          'Wait for an answer on the item',
          'Wait for both to agree',
          'Wait for the items',
          'Wait for all reviews or the close date',
        ]),
      );
    });

    it('wait for people with task tokens whose timeout is the next wake-up', () => {
      // Prepare
      const waits = definitions
        .flatMap(allStates)
        .filter(([name]) => name.startsWith('Wait for '))
        .map(([, state]) => state);

      // Assess
      // Self-assessment, peer nominations (by the employee or by the manager), their approval, peer
      // feedback, manager appraisal, a plan item's answer, a draft plan's agreement, the plan's wait
      // for its items, cycle close, plus goal drafts, goal approval, calibration, the meeting record,
      // the acknowledgment and the answers to a request for feedback any time.
      expect(waits).toHaveLength(16);
      for (const wait of waits) {
        expect(wait).toMatchObject({
          Type: 'Task',
          Resource: expect.stringMatching(/:states:::lambda:invoke\.waitForTaskToken$/),
          TimeoutSecondsPath: expect.stringMatching(/^\$\./),
        });
      }
    });

    it('let a release wake the acknowledgment step as its timeout would (the error domain/platform/executions.ts sends)', () => {
      const ack = definitions.flatMap(allStates).find(([name]) => name === 'Wait for acknowledgment')?.[1] as
        | { Catch?: Array<{ ErrorEquals: string[]; Next: string }> }
        | undefined;
      expect(ack?.Catch).toEqual([
        expect.objectContaining({
          ErrorEquals: ['States.Timeout', WAKE_ERROR],
          Next: 'Check on acknowledgment',
        }),
        expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'Failed: Wait for acknowledgment' }),
      ]);
    });

    it('catch every failure of every task and Parallel, last, and record it for HR before failing', () => {
      for (const definition of definitions) {
        // Arrange: the states of the top level (a state in a branch cannot catch to outside it).
        const states = Object.entries(definition.States) as Array<
          [string, State & { Catch?: Array<{ ErrorEquals: string[]; Next: string; ResultPath?: string }> }]
        >;
        const catching = states.filter(
          ([, s]) => s.Type === 'Task' || s.Type === 'Parallel' || s.Type === 'Map',
        );
        expect(catching.length).toBeGreaterThan(1);
        for (const [name, state] of catching) {
          if (name === 'Record the failure and tell HR') continue;
          const last = state.Catch?.at(-1);
          // Assess: the catch-all goes to a Pass naming the state, then to the record, then fails.
          expect(last, name).toEqual({
            ErrorEquals: ['States.ALL'],
            Next: `Failed: ${name}`,
            ResultPath: '$.failure',
          });
          const named = definition.States[`Failed: ${name}`] as State & { Result?: string; Next?: string };
          expect(named).toMatchObject({ Type: 'Pass', Result: name, Next: 'Record the failure and tell HR' });
        }
        expect(definition.States['Record the failure and tell HR']).toMatchObject({
          Next: 'Failed, recorded for HR',
        });
        expect(definition.States['Failed, recorded for HR']).toMatchObject({ Type: 'Fail' });
      }
    });

    it('name the execution in every task’s payload, so each of its log lines carries it', () => {
      for (const definition of definitions)
        for (const [name, state] of allStates(definition)) {
          if (state.Type !== 'Task') continue;
          // A callback task's payload is its Parameters' Payload; a plain invoke's (payloadResponseOnly), its Parameters.
          const parameters = (
            state as State & { Parameters?: Record<string, unknown> & { Payload?: unknown } }
          ).Parameters;
          const payload = (parameters?.Payload ?? parameters) as Record<string, unknown> | undefined;
          expect(payload?.['executionName.$'], name).toBe('$$.Execution.Name');
        }
    });

    it('retry transient errors and Lambda’s own with jitter on every task, and any other error twice more, but never a wake', () => {
      for (const definition of definitions)
        for (const [name, state] of allStates(definition)) {
          if (state.Type !== 'Task') continue;
          const retry = (
            state as State & {
              Retry?: Array<{ ErrorEquals: string[]; JitterStrategy?: string; MaxAttempts?: number }>;
            }
          ).Retry;
          const transient = retry?.find((r) => r.ErrorEquals.includes('ThrottlingException'));
          expect(transient, name).toMatchObject({ JitterStrategy: 'FULL' });
          expect(transient?.ErrorEquals).toEqual(TRANSIENT_ERRORS);
          // Lambda's own errors too, in one retrier: LambdaInvoke's default one has no jitter.
          const service = retry?.filter((r) => r.ErrorEquals.includes('Lambda.ServiceException'));
          expect(service, name).toEqual([
            expect.objectContaining({ JitterStrategy: 'FULL', MaxAttempts: 6 }),
          ]);
          expect(retry?.at(-1), name).toMatchObject({ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 2 });
          // A wait's wake is matched first and never retried, so it reaches the wait's catcher.
          const waits = String(state.Resource).endsWith('.waitForTaskToken');
          const wake = retry?.findIndex((r) => r.ErrorEquals.includes(WAKE_ERROR));
          if (waits) expect(retry?.[wake ?? -1], name).toMatchObject({ MaxAttempts: 0 });
          if (waits)
            expect(wake, name).toBeLessThan(
              retry?.findIndex((r) => r.ErrorEquals.includes('States.TaskFailed')) ?? 0,
            );
          else expect(wake, name).toBe(-1);
        }
    });

    it("wait for all of a review's peers in one task, so their number adds no state transitions", () => {
      // Prepare
      const review = definitions
        .map(allStates)
        .find((states) => states.some(([name]) => name === 'Wait for peer feedback'));
      const peerWait = review?.find(([name]) => name === 'Wait for peer feedback')?.[1] as
        | (State & {
            Parameters?: { Payload?: Record<string, unknown> };
            Catch?: Array<{ ErrorEquals: string[] }>;
          })
        | undefined;

      // Assess: no Map in the review, and the one wait parks on the whole group.
      expect((review ?? []).filter(([, state]) => state.Type === 'Map').map(([name]) => name)).toEqual([]);
      expect(peerWait?.Parameters?.Payload).toMatchObject({
        action: 'armGroup',
        'requestIds.$': '$.peers.requestIds',
      });
      expect(peerWait?.Catch).toEqual([
        expect.objectContaining({
          ErrorEquals: ['States.Timeout', WAKE_ERROR],
          Next: 'Check on peer feedback',
        }),
      ]);
    });
  });

  describe('HTTP API', () => {
    // The app's routes check the session cookie themselves (functions/shared/session.ts).
    const APP_ROUTES = Object.keys(APP_PAGES_AND_SIGN_IN);
    const PUBLIC_ROUTES = [
      'GET /r/{requestId}',
      'POST /r/{requestId}',
      'GET /health',
      'GET /openapi.json',
      ...APP_ROUTES,
    ];

    const routes = () =>
      Object.values(template.findResources('AWS::ApiGatewayV2::Route') as Record<string, Resource>).map(
        (r) => ({ routeKey: r.Properties.RouteKey as string, auth: r.Properties.AuthorizationType }),
      );

    it('throttles the public form routes on their own, well below the rest of the API', () => {
      // Act
      const [stage] = Object.values(
        template.findResources('AWS::ApiGatewayV2::Stage') as Record<string, Resource>,
      );

      // Assess
      expect(stage?.Properties.DefaultRouteSettings).toMatchObject({
        ThrottlingRateLimit: 50,
        ThrottlingBurstLimit: 100,
      });
      expect(stage?.Properties.RouteSettings).toEqual({
        'GET /r/{requestId}': { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
        'POST /r/{requestId}': { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
      });
    });

    it('leaves only the form links, the app (its session cookie) and the health check open', () => {
      // Act
      const open = routes().filter((r) => r.auth === 'NONE');

      // Assess
      expect(open.map((r) => r.routeKey).sort()).toEqual([...PUBLIC_ROUTES].sort());
    });

    it('requires a Cognito JWT on every other route', () => {
      // Act
      const others = routes().filter((r) => !PUBLIC_ROUTES.includes(r.routeKey));

      // Assess
      expect(others.length).toBeGreaterThan(0);
      for (const route of others) expect(route).toEqual({ routeKey: route.routeKey, auth: 'JWT' });
    });

    const clientId = (name: string) =>
      Object.keys(template.findResources('AWS::Cognito::UserPoolClient')).find((id) =>
        id.startsWith(`Users${name}`),
      );

    it('checks HR tokens against the user pool and both its clients, the app and the CLI', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: Match.objectLike({
          Audience: Match.arrayEquals([{ Ref: clientId('CliClient') }, { Ref: clientId('AppClient') }]),
          Issuer: Match.anyValue(),
        }),
      });
      template.hasResourceProperties('AWS::Cognito::UserPool', {
        MfaConfiguration: 'ON',
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      });
      template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'hr-admin' });
    });

    it('serves the app routes from the app function, which knows the issuer by configuration', () => {
      const app = Object.entries(template.findResources('AWS::Lambda::Function')).find(
        ([, r]) =>
          (r as { Metadata?: Record<string, string> }).Metadata?.[ENTRY_METADATA] === 'functions/api/app.ts',
      );
      if (!app) throw new Error('no function serves functions/api/app.ts');
      const env = (app[1] as { Properties: { Environment: { Variables: Record<string, unknown> } } })
        .Properties.Environment.Variables;
      expect(Object.keys(env)).toEqual(
        expect.arrayContaining([
          'AUTH_ISSUER',
          'AUTH_JWKS_URL',
          'AUTH_DOMAIN_URL',
          'AUTH_APP_CLIENT_ID',
          'AUTH_CLI_CLIENT_ID',
        ]),
      );
      expect(env.AUTH_APP_CLIENT_ID).toEqual({ Ref: clientId('AppClient') });
    });

    it('signs people in with Cognito managed login (newer version, branded) on a domain of the pool', () => {
      template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
        ManagedLoginVersion: 2,
        UserPoolId: Match.anyValue(),
      });
      for (const name of ['AppClient', 'CliClient'])
        template.hasResourceProperties('AWS::Cognito::ManagedLoginBranding', {
          ClientId: { Ref: clientId(name) },
          UseCognitoProvidedValues: true,
        });
    });

    it('gives the app a public client with the code flow only, its callback and logout at the API', () => {
      template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
        ClientName: Match.absent(),
        GenerateSecret: false,
        AllowedOAuthFlows: ['code'],
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthScopes: Match.arrayEquals(['openid', 'email', 'profile']),
        CallbackURLs: [{ 'Fn::Join': ['', [Match.anyValue(), '/auth/callback']] }],
        LogoutURLs: [{ 'Fn::Join': ['', [Match.anyValue(), '/']] }],
        SupportedIdentityProviders: ['COGNITO'],
        ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
      });
    });

    it('gives the CLI the code flow through a loopback redirect, keeping SRP', () => {
      template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
        GenerateSecret: false,
        AllowedOAuthFlows: ['code'],
        CallbackURLs: ['http://127.0.0.1/callback'],
        ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_SRP_AUTH']),
      });
    });

    it('forwards exactly the HR routes the HR handler serves', () => {
      // Act
      const gateway = routes()
        .filter((r) => r.auth === 'JWT')
        .map((r) => r.routeKey);

      // Assess
      expect(gateway.sort()).toEqual([...HANDLED_HR_ROUTES].sort());
    });
  });

  describe('cycle starts', () => {
    const schedulerRoles = () => {
      const roles = template.findResources('AWS::IAM::Role', {
        Properties: {
          AssumeRolePolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Principal: { Service: 'scheduler.amazonaws.com' },
                Condition: { StringEquals: { 'aws:SourceAccount': Match.anyValue() } },
              }),
            ]),
          },
        },
      });
      return Object.keys(roles).map((roleId) => {
        const policies = Object.values(
          template.findResources('AWS::IAM::Policy', {
            Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) },
          }) as Record<string, Resource>,
        );
        return policies.flatMap(
          (p) =>
            (p.Properties.PolicyDocument as { Statement: Array<{ Action: unknown; Resource: unknown }> })
              .Statement,
        );
      });
    };

    it('give EventBridge Scheduler, from this account only, two roles: start cycles and deliver digests, run the daily trigger check', () => {
      // Act
      const roles = schedulerRoles();

      // Assess
      expect(roles).toHaveLength(2);
      const starts = roles.find((r) => r.some((st) => st.Action === 'states:StartExecution'));
      // What its schedules could not deliver (a cycle's start, a send time's delivery, the sweep) goes to the dead-letter queue.
      expect(starts?.map((st) => st.Action).sort()).toEqual([
        'lambda:InvokeFunction',
        'sqs:SendMessage',
        'states:StartExecution',
      ]);
      expect(JSON.stringify(starts?.find((st) => st.Action === 'states:StartExecution')?.Resource)).toContain(
        'AppraisalCycle',
      );
      expect(JSON.stringify(starts?.find((st) => st.Action === 'lambda:InvokeFunction')?.Resource)).toContain(
        'DeliverDigests',
      );
      const daily = roles.find((r) => r !== starts);
      // It invokes the check, and puts a run that could not be invoked in the dead-letter queue.
      expect(daily?.map((st) => st.Action)).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
      expect(JSON.stringify(daily?.[0]?.Resource)).toContain('StartTriggeredReviews');
      expect(JSON.stringify(daily?.[1]?.Resource)).toContain('FailedInvocations');
    });

    it('sweeps up the digest deliveries that never finished once a day, looking back a day and an hour', () => {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(30 4 * * ? *)',
        Target: Match.objectLike({
          Arn: Match.objectLike({ 'Fn::GetAtt': [Match.stringLikeRegexp('DeliverDigests'), 'Arn'] }),
          Input: JSON.stringify({ sweepHours: 25 }),
        }),
      });
    });

    it('runs the trigger check once a day', () => {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(0 5 * * ? *)',
        Target: {
          Arn: Match.objectLike({
            'Fn::GetAtt': Match.arrayWith([Match.stringLikeRegexp('StartTriggeredReviews')]),
          }),
        },
      });
    });

    it('lets the HR API create and delete schedules in the cycle-start group and pass that role', () => {
      const hrPolicy = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
        .map((p) => JSON.stringify(p.Properties.PolicyDocument))
        .find((doc) => doc.includes('scheduler:CreateSchedule'));
      expect(hrPolicy).toContain('scheduler:DeleteSchedule');
      expect(hrPolicy).toContain('iam:PassRole');
      template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    });
  });

  describe('bounces and complaints', () => {
    const logicalIdOf = (type: string) => Object.keys(template.findResources(type))[0] as string;

    it('send every email through a configuration set: the sender identity’s default', () => {
      // Act
      const mail = logicalIdOf('AWS::SES::ConfigurationSet');

      // Assess
      template.resourceCountIs('AWS::SES::ConfigurationSet', 1);
      template.hasResourceProperties('AWS::SES::EmailIdentity', {
        ConfigurationSetAttributes: { ConfigurationSetName: { Ref: mail } },
      });
    });

    it('publish sends, bounces and complaints, and nothing else, to the default event bus', () => {
      template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
        ConfigurationSetName: { Ref: logicalIdOf('AWS::SES::ConfigurationSet') },
        EventDestination: {
          Enabled: true,
          MatchingEventTypes: ['send', 'bounce', 'complaint'],
          EventBridgeDestination: {
            EventBusArn: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([':event-bus/default'])] }),
          },
        },
      });
    });

    it('route the configuration set’s SES events to the ses-events handler, with retries', () => {
      // Prepare
      const functions = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
      const sesEvents = Object.entries(functions).find(
        ([, f]) => f.Metadata?.[ENTRY_METADATA] === 'functions/events/ses-events.ts',
      )?.[0];

      // Assess
      expect(sesEvents).toBeDefined();
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.ses'],
          'detail-type': ['Email Sent', 'Email Bounced', 'Email Complaint Received'],
          detail: {
            mail: { tags: { 'ses:configuration-set': [{ Ref: logicalIdOf('AWS::SES::ConfigurationSet') }] } },
          },
        },
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [sesEvents, 'Arn'] },
            RetryPolicy: Match.objectLike({ MaximumRetryAttempts: Match.anyValue() }),
          }),
        ],
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        FunctionName: { 'Fn::GetAtt': [sesEvents, 'Arn'] },
        Principal: 'events.amazonaws.com',
      });
    });

    it('let the functions that send mail send through the configuration set', () => {
      // Act
      const policies = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>);
      const grantsConfigurationSet = policies.filter((p) =>
        JSON.stringify(p.Properties.PolicyDocument).includes(':configuration-set/'),
      );

      // Assess: human steps, the digest delivery, cycle close, the HR API (reassign), the bounce
      // handler, the goal rounds (HR hears of goals never agreed), the plan's own steps (its summary,
      // HR told of a draft never agreed) and the forms (HR told of a blocked item under a strict
      // policy; a draft's change told to the other party), the workflows' failure step (HR told) and
      // the app, whose pages act through the HR API's routes.
      expect(grantsConfigurationSet).toHaveLength(10);
    });
  });
});

// Kept apart from the template assertions: a finding fails every synthesis, their setup's included.
describe('operations', () => {
  let template: Template;
  let stack: GrowcycleStack;
  beforeAll(() => {
    ({ stack } = newApp());
    template = Template.fromStack(stack);
  });

  const alarms = () => Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[];
  const topicId = () => Object.keys(template.findResources('AWS::SNS::Topic'))[0];
  const queueId = () => Object.keys(template.findResources('AWS::SQS::Queue'))[0];

  it('has one alarms topic, encrypted with a rotated key CloudWatch may use, that every alarm tells', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' } }),
        ]),
      },
    });
    expect(alarms().length).toBeGreaterThan(20);
    for (const a of alarms()) expect(a.Properties.AlarmActions).toEqual([{ Ref: topicId() }]);
  });

  it('alarms on the failed executions of every state machine and the errors of every function', () => {
    const alarmed = (metric: string) =>
      alarms()
        .filter((a) => a.Properties.MetricName === metric)
        .map((a) => JSON.stringify(a.Properties.Dimensions));
    const machines = Object.keys(template.findResources('AWS::StepFunctions::StateMachine'));
    const functions = Object.keys(
      template.findResources('AWS::Lambda::Function', { Metadata: { [ENTRY_METADATA]: Match.anyValue() } }),
    );
    expect(alarmed('ExecutionsFailed')).toHaveLength(machines.length);
    for (const id of machines) expect(alarmed('ExecutionsFailed').some((d) => d.includes(id))).toBe(true);
    expect(alarmed('Errors')).toHaveLength(functions.length);
    for (const id of functions) expect(alarmed('Errors').some((d) => d.includes(id))).toBe(true);
  });

  it('alarms on the HTTP API’s 5xx answers and on the failures the functions log, which no function error counts', () => {
    const api = Object.keys(template.findResources('AWS::ApiGatewayV2::Api'))[0];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: [{ Name: 'ApiId', Value: { Ref: api } }],
      Threshold: 1,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Growcycle',
      MetricName: 'Failures',
      Dimensions: [{ Name: 'service', Value: 'growcycle' }],
      Threshold: 1,
    });
  });

  it('alarms at a 2% bounce rate and a 0.05% complaint rate, well before SES reviews the account', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SES',
      MetricName: 'Reputation.BounceRate',
      Threshold: 0.02,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SES',
      MetricName: 'Reputation.ComplaintRate',
      Threshold: 0.0005,
    });
  });

  it('keeps every asynchronous invocation that failed its retries in one dead-letter queue, alarmed at the first', () => {
    const queue = { 'Fn::GetAtt': [queueId(), 'Arn'] };
    const configs = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig')) as Resource[];
    const named = (id: string) => JSON.stringify(configs.map((c) => c.Properties.FunctionName)).includes(id);
    expect(configs).toHaveLength(3);
    for (const c of configs)
      expect(c.Properties.DestinationConfig).toEqual({ OnFailure: { Destination: queue } });
    for (const f of ['DeliverDigests', 'SesEvents', 'StartTriggeredReviews']) expect(named(f)).toBe(true);
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ DeadLetterConfig: { Arn: queue } })],
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: Match.objectLike({ DeadLetterConfig: { Arn: queue } }),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
    });
  });

  it('gives the one-time schedules (cycle starts, send times) the dead-letter queue to name', () => {
    // Their role may send to it (the Scheduler roles' test): domain/platform/schedules.ts names it.
    const queue = { 'Fn::GetAtt': [queueId(), 'Arn'] };
    const variables = (f: Resource) =>
      (f.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    const schedulers = (Object.values(template.findResources('AWS::Lambda::Function')) as Resource[]).filter(
      (f) => variables(f).SCHEDULER_ROLE_ARN,
    );
    expect(schedulers.length).toBeGreaterThan(0);
    for (const f of schedulers) expect(variables(f).FAILED_INVOCATIONS_QUEUE_ARN).toEqual(queue);
  });

  it('draws one dashboard: the alarms, executions, function errors, emails, the dead-letter queue and the functions’ counts', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]);
    for (const title of [
      'Alarms',
      'Executions started and failed',
      'Emails sent',
      'failed invocations waiting',
      'Emails sent, reminders, escalations, answers, failures',
    ])
      expect(body).toContain(title);
    for (const metric of ['EmailsSent', 'Reminders', 'Escalations', 'Answers', 'Failures'])
      expect(body).toContain(`\\"Growcycle\\",\\"${metric}\\",\\"service\\",\\"growcycle\\"`);
  });
});

describe('cdk-nag AwsSolutions checks', () => {
  it('pass: the app synthesizes with no unacknowledged finding and no error annotation', () => {
    // Prepare: a fresh app, so this synth is the one that runs the checks.
    const { app, stack } = newApp();

    // Act / Assess
    expect(() => app.synth()).not.toThrow();
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
  });

  it('cover no new function by an acknowledgment made for the others: each is on its own resource', () => {
    // Prepare: one more function, like every other, but with no acknowledgment of its own.
    const { app, stack } = newApp();
    new GrowcycleFunction(stack, 'Unacknowledged', { entry: 'functions/api/health.ts', environment: {} });

    // Act / Assess
    expect(() => app.synth()).toThrow(/Growcycle\/Unacknowledged\/ServiceRole/);
  });

  it('cover no new open route by the acknowledgments of the open ones: a route without the JWT authorizer fails', () => {
    // Prepare: one more route to the health check, open like it but saying nothing of why.
    const { app, stack } = newApp();
    const api = stack.node.findAll().find((c): c is HttpApi => c instanceof HttpApi);
    const health = stack.node
      .findAll()
      .find((c): c is GrowcycleFunction => c instanceof GrowcycleFunction && c.node.id === 'Health');
    if (!api || !health) throw new Error('the stack has no HTTP API or no health function');
    api.addRoutes({
      path: '/unacknowledged',
      methods: [HttpMethod.GET],
      integration: new HttpLambdaIntegration('Unacknowledged', health),
    });

    // Act / Assess
    expect(() => app.synth()).toThrow(/AwsSolutions-APIG4/);
  });

  it('fail synthesis on an unacknowledged finding, so the check above can catch one', () => {
    // Prepare: a bucket without access logs or an SSL-only policy breaks AwsSolutions-S1 and -S10.
    const { app, stack } = newApp();
    new Bucket(stack, 'UncheckedBucket');

    // Act / Assess
    expect(() => app.synth()).toThrow(/AwsSolutions-S1\b/);
  });
});

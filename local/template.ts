import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../infra/app';
import { ENTRY_METADATA } from '../infra/function';

/*
 * Reads what the local stack runs from the template `cdk synth` produces: every function's handler
 * module and environment, every state machine's definition, every HTTP route, the table's keys.
 * Intrinsics are resolved to local names, so nothing here is a hand-written copy of the cloud side.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Resource = { Type: string; Properties?: Record<string, Json>; Metadata?: Record<string, Json> };
export type CfnTemplate = { Resources: Record<string, Resource> };

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';

export const localStateMachineArn = (logicalId: string) =>
  `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${logicalId}`;
export const localFunctionArn = (logicalId: string) =>
  `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${logicalId}`;
export const localTableArn = (tableName: string) =>
  `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${tableName}`;

export type LocalFunction = {
  logicalId: string;
  entry: string;
  environment: Record<string, string>;
  memoryMb: number;
  timeoutSeconds: number;
};
export type LocalStateMachine = { logicalId: string; arn: string; definition: Record<string, unknown> };
export type LocalRoute = { method: string; path: string; functionLogicalId: string; authorization: string };
export type LocalTable = {
  logicalId: string;
  keySchema: Array<{ AttributeName: string; KeyType: string }>;
  attributes: Array<{ AttributeName: string; AttributeType: string }>;
  globalSecondaryIndexes: Array<{
    IndexName: string;
    KeySchema: Array<{ AttributeName: string; KeyType: string }>;
  }>;
};

/** An EventBridge rule on the default bus, with the functions it targets. */
export type LocalRule = {
  logicalId: string;
  pattern: Record<string, unknown>;
  targets: Array<{ functionLogicalId: string; maxRetries: number }>;
};
/** A recurring EventBridge Scheduler schedule that invokes a function (the daily trigger check). */
export type LocalRecurringSchedule = {
  logicalId: string;
  expression: string;
  timeZone: string;
  functionLogicalId: string;
  input: string;
};
/** SES: which configuration set each sending identity uses by default, and what each one publishes where. */
export type LocalMail = {
  identities: Map<string, string>;
  eventDestinations: Array<{ configurationSet: string; eventTypes: string[]; eventBusArn: string }>;
};

export type LocalApp = {
  functions: Map<string, LocalFunction>;
  stateMachines: LocalStateMachine[];
  routes: LocalRoute[];
  table: LocalTable;
  rules: LocalRule[];
  mail: LocalMail;
  schedules: LocalRecurringSchedule[];
  /** The function that rotates the link key's secret, when the template schedules a rotation. */
  secretRotation?: string;
};

/** Synthesizes the CDK app in-process, without bundling (the local stack imports the sources). */
export const synthesize = (context: Record<string, string>): CfnTemplate => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'growcycle-synth-'));
  try {
    const app = new App({ outdir, context: { ...context, 'aws:cdk:bundling-stacks': [] } });
    const { stack } = buildApp(app);
    return app.synth().getStackByName(stack.stackName).template as CfnTemplate;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
};

export type Names = { tableName: string; secretId: string };

const isObject = (v: Json | undefined): v is { [key: string]: Json } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Resolves the intrinsics the template uses to their local values. */
export const resolver = (template: CfnTemplate, names: Names) => {
  const refOf = (logicalId: string): string => {
    if (logicalId === 'AWS::Region') return LOCAL_REGION;
    if (logicalId === 'AWS::AccountId') return LOCAL_ACCOUNT;
    if (logicalId === 'AWS::Partition') return 'aws';
    if (logicalId === 'AWS::URLSuffix') return 'amazonaws.com';
    const resource = template.Resources[logicalId];
    switch (resource?.Type) {
      case 'AWS::DynamoDB::GlobalTable':
      case 'AWS::DynamoDB::Table':
        return names.tableName;
      case 'AWS::StepFunctions::StateMachine':
        return localStateMachineArn(logicalId);
      case 'AWS::SecretsManager::Secret':
        return names.secretId;
      case 'AWS::Lambda::Function':
        return logicalId;
      default:
        return logicalId;
    }
  };
  const getAtt = (logicalId: string, attribute: string): string => {
    const type = template.Resources[logicalId]?.Type;
    if (type === 'AWS::Lambda::Function' && attribute === 'Arn') return localFunctionArn(logicalId);
    if (type === 'AWS::StepFunctions::StateMachine' && attribute === 'Arn')
      return localStateMachineArn(logicalId);
    if ((type === 'AWS::DynamoDB::Table' || type === 'AWS::DynamoDB::GlobalTable') && attribute === 'Arn')
      return localTableArn(names.tableName);
    return `${refOf(logicalId)}.${attribute}`;
  };
  const resolve = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(resolve);
    if (!isObject(value)) return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [key] = keys as [string];
      const arg = value[key] as Json;
      if (key === 'Ref') return refOf(String(arg));
      if (key === 'Fn::GetAtt' && Array.isArray(arg)) return getAtt(String(arg[0]), String(arg[1]));
      if (key === 'Fn::Join' && Array.isArray(arg)) {
        const [sep, parts] = arg as [string, Json[]];
        return parts.map((p) => String(resolve(p))).join(sep);
      }
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
  };
  return resolve;
};

/** Reads the functions, state machines, routes and table out of a synthesized template. */
export const readApp = (template: CfnTemplate, names: Names): LocalApp => {
  const resolve = resolver(template, names);
  const functions = new Map<string, LocalFunction>();
  const stateMachines: LocalStateMachine[] = [];
  const integrations = new Map<string, string>();
  const rawRoutes: Array<{ key: string; target: string; authorization: string }> = [];
  const rules: LocalRule[] = [];
  const schedules: LocalRecurringSchedule[] = [];
  let secretRotation: string | undefined;
  const mail: LocalMail = { identities: new Map(), eventDestinations: [] };
  let table: LocalTable | undefined;

  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const props = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::Lambda::Function': {
        const entry = resource.Metadata?.[ENTRY_METADATA];
        if (typeof entry !== 'string') break;
        const env = resolve((isObject(props.Environment) ? props.Environment.Variables : {}) ?? {}) as Record<
          string,
          string
        >;
        functions.set(logicalId, {
          logicalId,
          entry,
          environment: env,
          memoryMb: Number(props.MemorySize ?? 128),
          timeoutSeconds: Number(props.Timeout ?? 3),
        });
        break;
      }
      case 'AWS::StepFunctions::StateMachine': {
        const definition = JSON.parse(String(resolve(props.DefinitionString ?? '{}'))) as Record<
          string,
          unknown
        >;
        stateMachines.push({ logicalId, arn: localStateMachineArn(logicalId), definition });
        break;
      }
      case 'AWS::ApiGatewayV2::Integration': {
        const uri = resolve(props.IntegrationUri ?? '');
        integrations.set(logicalId, String(uri).split(':function:')[1] ?? '');
        break;
      }
      case 'AWS::ApiGatewayV2::Route':
        rawRoutes.push({
          key: String(props.RouteKey),
          target: String(resolve(props.Target ?? '')).replace(/^integrations\//, ''),
          authorization: String(props.AuthorizationType ?? 'NONE'),
        });
        break;
      case 'AWS::Events::Rule': {
        if (props.State === 'DISABLED' || (props.EventBusName && props.EventBusName !== 'default')) break;
        const targets = ((props.Targets ?? []) as Array<{ [key: string]: Json }>).map((t) => ({
          functionLogicalId: String(resolve(t.Arn ?? '')).split(':function:')[1] ?? '',
          maxRetries: Number(
            (isObject(t.RetryPolicy) ? t.RetryPolicy.MaximumRetryAttempts : undefined) ?? 185,
          ),
        }));
        if (targets.some((t) => !t.functionLogicalId))
          throw new Error(`Rule ${logicalId} targets something other than a Lambda function`);
        rules.push({
          logicalId,
          pattern: resolve(props.EventPattern ?? {}) as Record<string, unknown>,
          targets,
        });
        break;
      }
      case 'AWS::Scheduler::Schedule': {
        if (props.State === 'DISABLED') break;
        const target = isObject(props.Target) ? props.Target : {};
        const functionLogicalId = String(resolve(target.Arn ?? '')).split(':function:')[1] ?? '';
        if (!functionLogicalId)
          throw new Error(`Schedule ${logicalId} targets something other than a Lambda function`);
        schedules.push({
          logicalId,
          expression: String(props.ScheduleExpression ?? ''),
          timeZone: String(props.ScheduleExpressionTimezone ?? 'UTC'),
          functionLogicalId,
          input: String(resolve(target.Input ?? '{}')),
        });
        break;
      }
      case 'AWS::SecretsManager::RotationSchedule': {
        secretRotation =
          String(resolve(props.RotationLambdaARN ?? ''))
            .split(':function:')
            .pop() || undefined;
        break;
      }
      case 'AWS::SES::EmailIdentity': {
        const attributes = props.ConfigurationSetAttributes;
        if (isObject(attributes) && attributes.ConfigurationSetName)
          mail.identities.set(
            String(props.EmailIdentity).toLowerCase(),
            String(resolve(attributes.ConfigurationSetName)),
          );
        break;
      }
      case 'AWS::SES::ConfigurationSetEventDestination': {
        const destination = props.EventDestination;
        if (!isObject(destination) || destination.Enabled === false) break;
        const bus = destination.EventBridgeDestination;
        if (!isObject(bus)) break;
        mail.eventDestinations.push({
          configurationSet: String(resolve(props.ConfigurationSetName ?? '')),
          eventTypes: ((destination.MatchingEventTypes ?? []) as string[]).map((t) => t.toUpperCase()),
          eventBusArn: String(resolve(bus.EventBusArn ?? '')),
        });
        break;
      }
      case 'AWS::DynamoDB::GlobalTable':
      case 'AWS::DynamoDB::Table':
        table = {
          logicalId,
          keySchema: props.KeySchema as LocalTable['keySchema'],
          attributes: props.AttributeDefinitions as LocalTable['attributes'],
          globalSecondaryIndexes: (
            (props.GlobalSecondaryIndexes ?? []) as LocalTable['globalSecondaryIndexes']
          ).map((g) => ({
            IndexName: g.IndexName,
            KeySchema: g.KeySchema,
          })),
        };
        break;
    }
  }
  if (!table) throw new Error('The template has no DynamoDB table');
  const routes = rawRoutes.map((r) => {
    const [method = '', routePath = ''] = r.key.split(' ');
    const functionLogicalId = integrations.get(r.target);
    if (!functionLogicalId) throw new Error(`Route ${r.key} has no Lambda integration`);
    return { method, path: routePath, functionLogicalId, authorization: r.authorization };
  });
  return {
    functions,
    stateMachines,
    routes,
    table,
    rules,
    mail,
    schedules,
    ...(secretRotation ? { secretRotation } : {}),
  };
};

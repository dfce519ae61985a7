import { AsyncLocalStorage } from 'node:async_hooks';
import type {
  BuildHandler,
  BuildHandlerArguments,
  BuildHandlerOutput,
  HandlerExecutionContext,
  MetadataBearer,
} from '@smithy/types';
import { documentClient, lambda, sfn } from '../domain/platform/clients';
import { type CfnTemplate, localFunctionArn, localTableArn, type Names, resolver } from './template';

/*
 * IAM as the local stack applies it: each function's calls to the table, its task-token answers
 * (`states:SendTask*`) and its synchronous calls of another function (`lambda:InvokeFunction`) are
 * checked against the statements its role holds in the synthesized template, and refused as AWS
 * refuses them (AccessDeniedException). So every integration test, and the demo, runs within the
 * template's policies: a handler that reaches what its function may not fails here before it fails
 * on AWS. Only what the template uses is understood: Allow and Deny, `*` and `?` in actions and
 * resources, and `dynamodb:LeadingKeys` under `ForAllValues:StringLike` or `StringEquals`; any other
 * condition refuses, so a policy this module cannot read is noticed, not waved through.
 */

/** Which function's invocation a call belongs to (local/lambda.ts runs each one inside it). */
export const invokedFunction = new AsyncLocalStorage<string>();

type Statement = {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
};

/** One authorization a call needs: an action on a resource, for these partition keys (a table's). */
export type IamRequest = { action: string; resource: string; leadingKeys: string[] };

const asList = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);
const globs = new Map<string, RegExp>();
const glob = (pattern: string, flags = ''): RegExp => {
  const key = `${flags}:${pattern}`;
  let re = globs.get(key);
  if (!re) {
    const body = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    re = new RegExp(`^${body}$`, flags);
    globs.set(key, re);
  }
  return re;
};

const conditionsHold = (condition: Statement['Condition'], request: IamRequest): boolean =>
  Object.entries(condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, values]) => {
      if (key !== 'dynamodb:LeadingKeys') return false;
      const patterns = asList(values);
      if (operator === 'ForAllValues:StringLike')
        return request.leadingKeys.every((k) => patterns.some((p) => glob(p).test(k)));
      if (operator === 'ForAllValues:StringEquals' || operator === 'StringEquals')
        return request.leadingKeys.every((k) => patterns.includes(k));
      return false;
    }),
  );

const matches = (s: Statement, request: IamRequest): boolean =>
  asList(s.Action).some((a) => glob(a, 'i').test(request.action)) &&
  asList(s.Resource).some((r) => glob(r).test(request.resource)) &&
  conditionsHold(s.Condition, request);

/** Whether these statements let the request through: an Allow that matches and no Deny that does. */
export const allows = (statements: Statement[], request: IamRequest): boolean =>
  statements.some((s) => s.Effect === 'Allow' && matches(s, request)) &&
  !statements.some((s) => s.Effect === 'Deny' && matches(s, request));

type Json = Parameters<ReturnType<typeof resolver>>[0];

/** Each function's statements, by its logical id: its role's policies in the template, resolved. */
export const statementsByFunction = (template: CfnTemplate, names: Names): Map<string, Statement[]> => {
  const resolve = resolver(template, names);
  const byRole = new Map<string, Statement[]>();
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const props = resource.Properties as { PolicyDocument: Json; Roles?: Array<{ Ref: string }> };
    const document = resolve(props.PolicyDocument) as { Statement: Statement[] };
    for (const role of props.Roles ?? []) {
      byRole.set(role.Ref, [...(byRole.get(role.Ref) ?? []), ...document.Statement]);
    }
  }
  const byFunction = new Map<string, Statement[]>();
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const role = (resource.Properties as { Role?: { 'Fn::GetAtt'?: [string, string] } }).Role?.[
      'Fn::GetAtt'
    ]?.[0];
    byFunction.set(logicalId, role ? (byRole.get(role) ?? []) : []);
  }
  return byFunction;
};

// Seen after the document client marshals it: every key attribute is { S: string } here.
type Key = Record<string, { S?: string } | undefined>;
type Input = Record<string, unknown>;
const pkOf = (key: unknown): string => (key as Key | undefined)?.pk?.S ?? '';

const TRANSACT_ACTIONS: Record<string, string> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
  Get: 'GetItem',
};

/** The partition key value a query's key condition names, whichever index it reads. */
const queriedKey = (input: Input): string => {
  const values = (input.ExpressionAttributeValues ?? {}) as Key;
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const condition = String(input.KeyConditionExpression ?? '');
  const named = Object.entries(names).find(([, field]) => /pk$/.test(field))?.[0];
  if (!named) return '';
  for (const [placeholder, value] of Object.entries(values)) {
    if (new RegExp(`${named}\\s*=\\s*${placeholder}\\b`).test(condition)) return value?.S ?? '';
  }
  return '';
};

/** What a command asks IAM for: one request per item for the item actions, as DynamoDB authorizes them. */
export const tableRequests = (command: string, input: Input, tableArn: string): IamRequest[] => {
  const op = command.replace(/Command$/, '');
  const on = (resource: string, action: string, keys: string[]) => ({
    action: `dynamodb:${action}`,
    resource,
    leadingKeys: keys,
  });
  const tableOrIndex = input.IndexName ? `${tableArn}/index/${String(input.IndexName)}` : tableArn;
  switch (op) {
    case 'GetItem':
    case 'PutItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return [on(tableArn, op, [pkOf(input.Key ?? input.Item)])];
    case 'Query':
      return [on(tableOrIndex, op, [queriedKey(input)])];
    case 'Scan':
      return [on(tableOrIndex, op, [])];
    case 'BatchGetItem': {
      const tables = Object.values((input.RequestItems ?? {}) as Record<string, { Keys?: unknown[] }>);
      return [
        on(
          tableArn,
          op,
          tables.flatMap((t) => (t.Keys ?? []).map(pkOf)),
        ),
      ];
    }
    case 'BatchWriteItem': {
      const tables = Object.values(
        (input.RequestItems ?? {}) as Record<
          string,
          Array<{ PutRequest?: { Item: unknown }; DeleteRequest?: { Key: unknown } }>
        >,
      );
      return tables
        .flat()
        .map((w) =>
          w.PutRequest
            ? on(tableArn, 'PutItem', [pkOf(w.PutRequest.Item)])
            : on(tableArn, 'DeleteItem', [pkOf(w.DeleteRequest?.Key)]),
        )
        .concat([on(tableArn, op, [])]);
    }
    case 'TransactWriteItems':
    case 'TransactGetItems': {
      const items = (input.TransactItems ?? []) as Array<Record<string, { Key?: unknown; Item?: unknown }>>;
      return items.flatMap((item) =>
        Object.entries(item).map(([kind, body]) =>
          on(tableArn, TRANSACT_ACTIONS[kind] ?? kind, [pkOf(body.Key ?? body.Item)]),
        ),
      );
    }
    default:
      return [on(tableArn, op, [])];
  }
};

let active: { statements: Map<string, Statement[]>; tableArn: string } | undefined;
let attached = false;

/** What a Step Functions or Lambda call asks IAM for; other calls of those clients are not checked. */
const serviceRequests = (command: string, input: Input): IamRequest[] => {
  const op = command.replace(/Command$/, '');
  // Task-token actions have no resource type in IAM: a policy must name "*" for them.
  if (/^SendTask(Success|Failure|Heartbeat)$/.test(op))
    return [{ action: `states:${op}`, resource: '*', leadingKeys: [] }];
  if (op === 'Invoke') {
    const name = String(input.FunctionName ?? '');
    const arn = name.startsWith('arn:') ? name : localFunctionArn(name);
    return [{ action: 'lambda:InvokeFunction', resource: arn, leadingKeys: [] }];
  }
  return [];
};

/** Refuses, in the calling function's name, the first request its statements do not allow. */
const guard =
  (requestsOf: (command: string, input: Input, tableArn: string) => IamRequest[]) =>
  <I extends object, O extends MetadataBearer>(next: BuildHandler<I, O>, context: HandlerExecutionContext) =>
  async (args: BuildHandlerArguments<I>): Promise<BuildHandlerOutput<O>> => {
    const fn = invokedFunction.getStore();
    const policy = active;
    if (fn && policy) {
      const statements = policy.statements.get(fn) ?? [];
      const refused = requestsOf(context.commandName ?? '', args.input as Input, policy.tableArn).find(
        (r) => !allows(statements, r),
      );
      if (refused) {
        throw Object.assign(
          new Error(
            `${fn} is not authorized to perform: ${refused.action} on resource: ${refused.resource}` +
              (refused.leadingKeys.length ? ` for key ${refused.leadingKeys.join(', ')}` : ''),
          ),
          { name: 'AccessDeniedException', $fault: 'client' },
        );
      }
    }
    return next(args);
  };

// The build step runs after the document client has marshalled its input, before anything is sent.
const GUARD_STEP = { step: 'build', name: 'localPrivileges' } as const;

/**
 * From now on, a function's call that its role does not allow fails as on AWS. The latest stack's
 * template applies (one stack runs at a time in a process).
 */
export const enforcePrivileges = (template: CfnTemplate, names: Names): void => {
  active = { statements: statementsByFunction(template, names), tableArn: localTableArn(names.tableName) };
  if (attached) return;
  attached = true;
  documentClient.middlewareStack.add(guard(tableRequests), GUARD_STEP);
  sfn.middlewareStack.add(guard(serviceRequests), GUARD_STEP);
  lambda.middlewareStack.add(guard(serviceRequests), GUARD_STEP);
};

import { CreateScheduleCommand } from '@aws-sdk/client-scheduler';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SendTaskSuccessCommand, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { documentClient, scheduler, secrets, ses, sfn } from '../../domain/platform/clients';
import {
  allows,
  enforcePrivileges,
  invokedFunction,
  statementsByFunction,
  tableRequests,
} from '../../local/privileges';
import { type CfnTemplate, localTableArn } from '../../local/template';

const TABLE = localTableArn('t');

describe('tableRequests: what a marshalled call asks IAM for', () => {
  it('names the partition key of a single-item call, and the index a query reads with its key', () => {
    expect(tableRequests('GetItemCommand', { Key: { pk: { S: 'a#1' }, sk: { S: 's' } } }, TABLE)).toEqual([
      { action: 'dynamodb:GetItem', resource: TABLE, leadingKeys: ['a#1'] },
    ]);
    expect(
      tableRequests(
        'QueryCommand',
        {
          IndexName: 'gsi1',
          KeyConditionExpression: '#pk = :pk and begins_with(#sk1, :sk1)',
          ExpressionAttributeNames: { '#pk': 'gsi1pk', '#sk1': 'gsi1sk' },
          ExpressionAttributeValues: { ':pk': { S: 'b#2' }, ':sk1': { S: 'x' } },
        },
        TABLE,
      ),
    ).toEqual([{ action: 'dynamodb:Query', resource: `${TABLE}/index/gsi1`, leadingKeys: ['b#2'] }]);
  });

  it('asks for each item of a transaction by its own action, as DynamoDB authorizes them', () => {
    const requests = tableRequests(
      'TransactWriteItemsCommand',
      {
        TransactItems: [
          { Put: { Item: { pk: { S: 'p' } } } },
          { Update: { Key: { pk: { S: 'u' } } } },
          { ConditionCheck: { Key: { pk: { S: 'c' } } } },
        ],
      },
      TABLE,
    );
    expect(requests.map((r) => `${r.action} ${r.leadingKeys}`)).toEqual([
      'dynamodb:PutItem p',
      'dynamodb:UpdateItem u',
      'dynamodb:ConditionCheckItem c',
    ]);
  });
});

describe('allows', () => {
  const statement = {
    Effect: 'Allow' as const,
    Action: ['dynamodb:GetItem', 'dynamodb:Update*'],
    Resource: TABLE,
    Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['$app#requestid_*'] } },
  };
  const get = (pk: string) => ({ action: 'dynamodb:GetItem', resource: TABLE, leadingKeys: [pk] });

  it('lets through an action, resource and key the statement names, wildcards included', () => {
    expect(allows([statement], get('$app#requestid_r1'))).toBe(true);
    expect(allows([statement], { ...get('$app#requestid_r1'), action: 'dynamodb:UpdateItem' })).toBe(true);
  });

  it('refuses another key, action or resource, and what a Deny names', () => {
    expect(allows([statement], get('$app#employeeid_e1'))).toBe(false);
    expect(allows([statement], { ...get('$app#requestid_r1'), action: 'dynamodb:PutItem' })).toBe(false);
    expect(allows([statement], { ...get('$app#requestid_r1'), resource: `${TABLE}/index/gsi1` })).toBe(false);
    expect(allows([statement, { ...statement, Effect: 'Deny' }], get('$app#requestid_r1'))).toBe(false);
  });

  it('refuses under a condition it cannot read, rather than wave it through', () => {
    const unknown = { ...statement, Condition: { StringEquals: { 'aws:SourceVpc': 'vpc-1' } } };
    expect(allows([unknown], get('$app#requestid_r1'))).toBe(false);
  });
});

/** A template of one table and a function `Fn` whose role holds one statement on the table. */
const templateWith = (statement: Record<string, unknown>): CfnTemplate =>
  ({
    Resources: {
      Table: { Type: 'AWS::DynamoDB::GlobalTable', Properties: {} },
      Role: { Type: 'AWS::IAM::Role', Properties: {} },
      Fn: { Type: 'AWS::Lambda::Function', Properties: { Role: { 'Fn::GetAtt': ['Role', 'Arn'] } } },
      Other: { Type: 'AWS::Lambda::Function', Properties: { Role: { 'Fn::GetAtt': ['Nobody', 'Arn'] } } },
      Policy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          Roles: [{ Ref: 'Role' }],
          PolicyDocument: {
            Statement: [{ Effect: 'Allow', Resource: { 'Fn::GetAtt': ['Table', 'Arn'] }, ...statement }],
          },
        },
      },
    },
  }) as unknown as CfnTemplate;

describe('statementsByFunction', () => {
  it("gives each function its role's policies, resolved to the local table", () => {
    const template = templateWith({ Action: 'dynamodb:GetItem' });
    const byFunction = statementsByFunction(template, { tableName: 't', secretId: 's' });
    expect(
      allows(byFunction.get('Fn') ?? [], { action: 'dynamodb:GetItem', resource: TABLE, leadingKeys: ['k'] }),
    ).toBe(true);
    expect(byFunction.get('Other')).toEqual([]);
  });
});

describe('enforcePrivileges', () => {
  it("refuses a function's call that its role does not allow, as AWS does, before anything is sent", async () => {
    const template = templateWith({
      Action: 'dynamodb:GetItem',
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['$app#requestid_*'] } },
    });
    enforcePrivileges(template, { tableName: 't', secretId: 's' });
    const get = (pk: string) => documentClient.send(new GetCommand({ TableName: 't', Key: { pk, sk: 's' } }));

    await expect(invokedFunction.run('Fn', () => get('$app#employeeid_e1'))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('dynamodb:GetItem'),
    });
    await expect(
      invokedFunction.run('Fn', () => sfn.send(new SendTaskSuccessCommand({ taskToken: 't', output: '{}' }))),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('states:SendTaskSuccess'),
    });
    // Allowed, it goes on to the network, which the unit tests close: refused there, not by IAM.
    const allowed = await invokedFunction.run('Fn', () => get('$app#requestid_r1')).catch((e: Error) => e);
    expect(allowed).toBeInstanceOf(Error);
    expect((allowed as Error).name).not.toBe('AccessDeniedException');
  });

  it('checks no call to the other services, nor Step Functions’ calls but the task-token answers, against the template', async () => {
    // Fn's role allows one read of the table and nothing else.
    enforcePrivileges(templateWith({ Action: 'dynamodb:GetItem' }), { tableName: 't', secretId: 's' });
    // Past the check, a call is stopped before the network: the answer says it got that far.
    const reached = { step: 'build', priority: 'low', name: 'pinReachedTheWire' } as const;
    const wire = () => async (): Promise<never> => {
      throw Object.assign(new Error('past the privileges check'), { name: 'ReachedTheWire' });
    };
    ses.middlewareStack.add(wire, reached);
    scheduler.middlewareStack.add(wire, reached);
    secrets.middlewareStack.add(wire, reached);
    sfn.middlewareStack.add(wire, reached);
    const asFn = (call: () => Promise<unknown>) =>
      invokedFunction.run('Fn', call).then(
        () => 'answered',
        (error: Error) => error.name,
      );
    try {
      expect(
        await Promise.all([
          asFn(() =>
            ses.send(
              new SendEmailCommand({
                FromEmailAddress: 'growcycle@example.com',
                Destination: { ToAddresses: ['ada@example.com'] },
                Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 'b' } } } },
              }),
            ),
          ),
          asFn(() =>
            scheduler.send(
              new CreateScheduleCommand({
                Name: 's',
                ScheduleExpression: 'at(2099-01-01T00:00:00)',
                FlexibleTimeWindow: { Mode: 'OFF' },
                Target: { Arn: 'arn:aws:scheduler:::aws-sdk:sfn:startExecution', RoleArn: 'r', Input: '{}' },
              }),
            ),
          ),
          asFn(() => secrets.send(new GetSecretValueCommand({ SecretId: 'other' }))),
          asFn(() =>
            sfn.send(new StartExecutionCommand({ stateMachineArn: 'arn:aws:states:::stateMachine:x' })),
          ),
          asFn(() => sfn.send(new StopExecutionCommand({ executionArn: 'arn:aws:states:::execution:x:y' }))),
          asFn(() => sfn.send(new SendTaskSuccessCommand({ taskToken: 't', output: '{}' }))),
        ]),
      ).toEqual([
        'ReachedTheWire',
        'ReachedTheWire',
        'ReachedTheWire',
        'ReachedTheWire',
        'ReachedTheWire',
        'AccessDeniedException',
      ]);
    } finally {
      for (const stack of [ses, scheduler, secrets, sfn].map((c) => c.middlewareStack))
        stack.remove(reached.name);
    }
  });
});

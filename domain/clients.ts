import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { usage } from './usage';

// Created once per container. Endpoints come from the SDK's own AWS_ENDPOINT_URL_* variables, so the
// same code talks to AWS or to the local stack.
const dynamo = new DynamoDBClient({});

type Capacity = { CapacityUnits?: number };
const READS = new Set(['GetItemCommand', 'QueryCommand', 'BatchGetItemCommand', 'TransactGetItemsCommand']);

// Ask every call for its consumed capacity so cost per employee-cycle is measured, not guessed.
dynamo.middlewareStack.add(
  (next, context) => async (args) => {
    const input = args.input as Record<string, unknown>;
    input.ReturnConsumedCapacity ??= 'TOTAL';
    const result = await next(args);
    const consumed = (result.output as { ConsumedCapacity?: Capacity | Capacity[] }).ConsumedCapacity;
    const units = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []).reduce(
      (sum, c) => sum + (c.CapacityUnits ?? 0),
      0,
    );
    if (READS.has(context.commandName ?? '')) usage.dynamoReadUnits += units;
    else usage.dynamoWriteUnits += units;
    return result;
  },
  { step: 'initialize', name: 'growcycleConsumedCapacity' },
);

export const documentClient = DynamoDBDocumentClient.from(dynamo, {
  marshallOptions: { removeUndefinedValues: true },
});
export const ses = new SESv2Client({});
export const sfn = new SFNClient({});
export const secrets = new SecretsManagerClient({});
export const scheduler = new SchedulerClient({});

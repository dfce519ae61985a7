import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tallyWrite, usage } from './usage';

// Created once per container. Endpoints come from the SDK's own AWS_ENDPOINT_URL_* variables, so the
// same code talks to AWS or to the local stack.
const dynamo = new DynamoDBClient({});

type Capacity = {
  CapacityUnits?: number;
  Table?: { CapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
};
const READS = new Set(['GetItemCommand', 'QueryCommand', 'BatchGetItemCommand', 'TransactGetItemsCommand']);

// Seen before or after the document client marshals it: a key is a string or { S: string }.
type Key = Record<string, string | { S?: string } | undefined>;
type WriteItem = { Item?: Key; Key?: Key };

/** The ElectroDB entity an item belongs to, read from its sort key (`$review_1#...`), else its key prefix. */
const entityOf = (w: WriteItem | undefined): string => {
  const item = w?.Item ?? w?.Key;
  const text = (v: Key[string]) => (typeof v === 'string' ? v : (v?.S ?? ''));
  return /^\$(\w+)_\d/.exec(text(item?.sk))?.[1] ?? (text(item?.pk) || '?').replace(/[#_].*$/, '');
};

/** "UpdateItem request", "TransactWriteItems review+cycle": what the units of one call were spent on. */
const writeLabel = (command: string, input: Record<string, unknown>): string => {
  const op = command.replace(/Command$/, '');
  if (op === 'TransactWriteItems') {
    const items = (input.TransactItems ?? []) as Array<Record<string, WriteItem>>;
    return `${op} ${items.map((t) => entityOf(Object.values(t)[0])).join('+')}`;
  }
  if (op === 'BatchWriteItem') {
    const tables = Object.values(
      (input.RequestItems ?? {}) as Record<string, Array<Record<string, WriteItem>>>,
    );
    const first = tables[0]?.[0];
    return `${op} ${entityOf(first?.PutRequest ?? first?.DeleteRequest)}`;
  }
  return `${op} ${entityOf(input as WriteItem)}`;
};

// Ask every call for its consumed capacity so cost per employee-cycle is measured, not guessed.
// INDEXES, not TOTAL: DynamoDB Local's TOTAL leaves out some index writes of transactions (a review
// update carrying a large map), and INDEXES also says which units went to the indexes.
dynamo.middlewareStack.add(
  (next, context) => async (args) => {
    const input = args.input as Record<string, unknown>;
    input.ReturnConsumedCapacity ??= 'INDEXES';
    const result = await next(args);
    const consumed = (result.output as { ConsumedCapacity?: Capacity | Capacity[] }).ConsumedCapacity;
    const capacities = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
    const units = capacities.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
    const command = context.commandName ?? '';
    if (READS.has(command)) {
      usage.dynamoReadUnits += units;
    } else {
      usage.dynamoWriteUnits += units;
      const indexUnits = capacities.reduce(
        (sum, c) =>
          sum + Object.values(c.GlobalSecondaryIndexes ?? {}).reduce((s, i) => s + (i.CapacityUnits ?? 0), 0),
        0,
      );
      tallyWrite(writeLabel(command, input), units - indexUnits, indexUnits);
    }
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

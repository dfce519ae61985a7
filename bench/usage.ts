import { documentClient, ses } from '../domain/platform/clients';

/*
 * The bench's meter: DynamoDB capacity units as the service reports them, and emails sent, counted by
 * middleware it attaches to the shared SDK clients of the in-process local stack. On AWS the same
 * numbers reach CloudWatch through the consumed-capacity and SES metrics, so nothing in the
 * functions themselves measures. Write units are also kept per entity and operation
 * (`bench --breakdown`), table and indexes apart, so a change to what is written can be measured
 * where it lands.
 */

export type WriteTally = { calls: number; tableUnits: number; indexUnits: number };

export const usage = {
  dynamoReadUnits: 0,
  dynamoWriteUnits: 0,
  emailsSent: 0,
  writesBy: {} as Record<string, WriteTally>,
};

export const resetUsage = (): void => {
  usage.dynamoReadUnits = 0;
  usage.dynamoWriteUnits = 0;
  usage.emailsSent = 0;
  usage.writesBy = {};
};

const tallyWrite = (label: string, tableUnits: number, indexUnits: number): void => {
  const tally = usage.writesBy[label] ?? { calls: 0, tableUnits: 0, indexUnits: 0 };
  tally.calls += 1;
  tally.tableUnits += tableUnits;
  tally.indexUnits += indexUnits;
  usage.writesBy[label] = tally;
};

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

let attached = false;

/** Attaches the meter to the shared clients (once); every call from then on is counted. */
export const meterUsage = (): void => {
  if (attached) return;
  attached = true;
  // Every call asks for its consumed capacity, so cost per employee-cycle is measured, not guessed.
  // INDEXES, not TOTAL: it says which units went to the table and which to each index; their sum is
  // TOTAL's (test/workflows/dynamodb-local.test.ts).
  documentClient.middlewareStack.add(
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
            sum +
            Object.values(c.GlobalSecondaryIndexes ?? {}).reduce((s, i) => s + (i.CapacityUnits ?? 0), 0),
          0,
        );
        tallyWrite(writeLabel(command, input), units - indexUnits, indexUnits);
      }
      return result;
    },
    { step: 'initialize', name: 'benchConsumedCapacity' },
  );
  ses.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'SendEmailCommand') usage.emailsSent += 1;
      return result;
    },
    { step: 'initialize', name: 'benchEmailsSent' },
  );
};

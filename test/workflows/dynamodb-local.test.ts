import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type ConsumedCapacity,
  DeleteTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  type TransactWriteItemsCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureTable, localCredentials } from '../../local/dynamodb';

/*
 * What DynamoDB Local, the local stack's DynamoDB, does differently from DynamoDB, as
 * docs/local-stack.md lists it: pinned on the run's DynamoDB Local, in a table of this file's own.
 */

const endpoint = inject('dynamoEndpoint');
const scratch = mkdtempSync(path.join(tmpdir(), 'growcycle-dynamodb-'));
const TableName = path.basename(scratch);
// One attempt: the SDK's retries would hide an answer DynamoDB Local gave.
const db = new DynamoDBClient({
  endpoint,
  region: 'us-east-1',
  credentials: localCredentials,
  maxAttempts: 1,
});

const key = (pk: string) => ({ pk: { S: pk }, sk: { S: pk } });
/** A map of about `bytes` bytes, as a review carries its answers. */
const map = (bytes: number) => ({
  M: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`q${i}`, { S: 'x'.repeat(bytes / 10) }])),
});

beforeAll(async () => {
  await ensureTable(endpoint, TableName, {
    logicalId: 'Table',
    keySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    attributes: ['pk', 'sk', 'gsi1pk', 'gsi2pk'].map((AttributeName) => ({
      AttributeName,
      AttributeType: 'S',
    })),
    globalSecondaryIndexes: ['gsi1', 'gsi2'].map((IndexName) => ({
      IndexName,
      KeySchema: [{ AttributeName: `${IndexName}pk`, KeyType: 'HASH' }],
    })),
  });
});

afterAll(async () => {
  await db.send(new DeleteTableCommand({ TableName }));
  db.destroy();
  rmSync(scratch, { recursive: true, force: true });
});

describe('DynamoDB Local', () => {
  it('consumed capacity: asked as INDEXES, a transaction’s units come apart into the table’s and each index’s, and TOTAL is their sum', async () => {
    const update = (pk: string, mode: 'TOTAL' | 'INDEXES') =>
      db.send(
        new TransactWriteItemsCommand({
          ReturnConsumedCapacity: mode,
          TransactItems: [
            {
              Update: {
                TableName,
                Key: key(pk),
                UpdateExpression: 'SET answers = :answers',
                ExpressionAttributeValues: { ':answers': map(6_000) },
              },
            },
          ],
        }),
      );
    const capacity = async (mode: 'TOTAL' | 'INDEXES'): Promise<ConsumedCapacity | undefined> => {
      const pk = `review-${mode}`;
      await db.send(
        new PutItemCommand({
          TableName,
          Item: { ...key(pk), gsi1pk: { S: 'a' }, gsi2pk: { S: 'b' }, answers: map(3_000) },
        }),
      );
      const { ConsumedCapacity }: TransactWriteItemsCommandOutput = await update(pk, mode);
      return ConsumedCapacity?.[0];
    };

    const indexes = await capacity('INDEXES');
    const total = await capacity('TOTAL');

    const byIndex = Object.values(indexes?.GlobalSecondaryIndexes ?? {}).map((i) => i.CapacityUnits ?? 0);
    expect(byIndex).toHaveLength(2);
    expect(Math.min(...byIndex)).toBeGreaterThan(0);
    const sum = byIndex.reduce((a, b) => a + b, indexes?.Table?.CapacityUnits ?? 0);
    expect(indexes?.CapacityUnits).toBe(sum);
    // The benchmark counts INDEXES; TOTAL leaves nothing of the indexes out.
    expect(total?.CapacityUnits).toBe(indexes?.CapacityUnits);
  });

  it('runs concurrent transactions on one item one after the other: none is cancelled with TransactionConflict', async () => {
    const counter = key('counter');
    await db.send(new PutItemCommand({ TableName, Item: { ...counter, n: { N: '0' } } }));
    const transactions = Array.from({ length: 25 }, (_, i) =>
      db.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Update: {
                TableName,
                Key: counter,
                UpdateExpression: 'SET n = n + :one',
                ExpressionAttributeValues: { ':one': { N: '1' } },
              },
            },
            { Put: { TableName, Item: { ...key(`written-${i}`), answers: map(2_000) } } },
          ],
        }),
      ),
    );

    const outcomes = await Promise.allSettled(transactions);

    // DynamoDB would cancel some of them (TransactionCanceledException, reason TransactionConflict).
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    const { Item } = await db.send(new GetItemCommand({ TableName, Key: counter, ConsistentRead: true }));
    expect(Item?.n).toEqual({ N: '25' });
  });
});

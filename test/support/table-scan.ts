import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../domain/platform/clients';
import { config } from '../../domain/platform/config';

/** Every item of the test stack's table (a test may scan; the product never does). */
export const scanTable = async (): Promise<unknown[]> => {
  const found: unknown[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(
      new ScanCommand({ TableName: config.tableName, ExclusiveStartKey: start }),
    );
    found.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return found;
};

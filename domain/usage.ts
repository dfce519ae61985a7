/**
 * Usage counters for the cost model: DynamoDB capacity units as the service reports them. On AWS the
 * same numbers reach CloudWatch through the consumed-capacity metrics; locally the bench reads them.
 * Write units are also kept per entity and operation (`bench --breakdown`), table and indexes apart,
 * so a change to what is written can be measured where it lands.
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

export const tallyWrite = (label: string, tableUnits: number, indexUnits: number): void => {
  const tally = usage.writesBy[label] ?? { calls: 0, tableUnits: 0, indexUnits: 0 };
  tally.calls += 1;
  tally.tableUnits += tableUnits;
  tally.indexUnits += indexUnits;
  usage.writesBy[label] = tally;
};

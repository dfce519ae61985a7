/**
 * Usage counters for the cost model: DynamoDB capacity units as the service reports them. On AWS the
 * same numbers reach CloudWatch through the consumed-capacity metrics; locally the bench reads them.
 */
export const usage = {
  dynamoReadUnits: 0,
  dynamoWriteUnits: 0,
  emailsSent: 0,
};

export const resetUsage = (): void => {
  usage.dynamoReadUnits = 0;
  usage.dynamoWriteUnits = 0;
  usage.emailsSent = 0;
};

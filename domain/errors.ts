/** True for a DynamoDB conditional-write rejection, whether raw or wrapped by ElectroDB. */
export const isConditionFailure = (error: unknown): boolean => {
  if (!(error instanceof Error)) return false;
  if (error.name === 'ConditionalCheckFailedException') return true;
  if (error.name === 'TransactionCanceledException' && /ConditionalCheckFailed/.test(error.message))
    return true;
  if (/conditional request failed/i.test(error.message)) return true;
  return error.cause !== undefined && error.cause !== error && isConditionFailure(error.cause);
};

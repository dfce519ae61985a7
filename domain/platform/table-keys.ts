/** Key attribute names of the table, shared by the entities, the CDK stack and the local stack. */
export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  gsi1: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  gsi2: { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  gsi3: { name: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
  gsi4: { name: 'gsi4', partitionKey: 'gsi4pk', sortKey: 'gsi4sk' },
} as const;

/** ElectroDB's service name, the first part of every key it builds. */
export const TABLE_SERVICE = 'growcycle';

/**
 * Every partition key value of the items keyed first by this attribute, as an IAM `StringLike`
 * pattern: ElectroDB writes `$growcycle#requestid_<value>` (attribute lowercased) for `requestId`.
 */
export const partitionKeysOf = (attribute: string): string =>
  `$${TABLE_SERVICE}#${attribute.toLowerCase()}_*`;

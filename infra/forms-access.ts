import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { partitionKeysOf, TABLE_KEYS } from '../domain/platform/table-keys';

/*
 * The public forms function's share of the table. It answers anyone holding a link, so it gets only
 * the items a form reads and writes, by their partition keys (`dynamodb:LeadingKeys`), and only the
 * indexes a form queries. Everything else (the catalog, triggers, failure records, sessions, people's
 * records and aspirations, whole-organisation lists) it cannot write, and most of it cannot read.
 * The local stack applies these statements to every call (local/privileges.ts), so each integration
 * test shows they are enough; test/infra/stack.test.ts shows what they refuse.
 */

/** Items a form writes, by the attribute their partition key starts with. */
export const FORMS_WRITES = {
  requestId: 'the request answered, and a request it opens (a goal approval, a plan item’s next date)',
  cycleId: 'the review its answer moves on, and the feedback kept for the review',
  goalId: 'goals set, approved or updated on a form',
  planId: 'a plan and its items, changed by agreement, done, blocked or a new date',
  subjectId: 'feedback given any time, kept by the person it is about',
  sendAt: 'a notice queued in someone’s digest (a check-in’s summary to the manager)',
  key: 'the outbox entry of an email sent at once, which makes it sent once',
  second: 'the send-rate counter of that email',
  entityKey: 'the audit record of the answer',
} as const;

/** Items a form only reads. */
export const FORMS_READS = {
  employeeId: 'the people on the form (names, manager, time zone) and their aspirations',
  waitId: 'the task token of the step waiting for a group of answers',
  askId: 'the request for feedback any time an answer belongs to',
  sessionHash: 'the signed-in session that shows the recipient what is kept from others',
} as const;

/** Indexes a form queries: an owner’s goals and plans, a manager’s reports, a department (peer suggestions), an address. */
export const FORMS_INDEXES = [TABLE_KEYS.gsi1.name, TABLE_KEYS.gsi3.name, TABLE_KEYS.gsi4.name] as const;

const READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
];
const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem'];

/** A condition that lets a statement reach only the items keyed first by these attributes. */
export const leadingKeys = (attributes: string[]) => ({
  'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': attributes.map(partitionKeysOf) },
});

/** Grants the forms function exactly the items and indexes above: no scan, no delete, no batch write. */
export const grantFormsTableAccess = (table: TableV2, grantee: IGrantable): void => {
  const writes = Object.keys(FORMS_WRITES);
  const statements = [
    new PolicyStatement({
      actions: READ_ACTIONS,
      resources: [table.tableArn],
      conditions: leadingKeys([...writes, ...Object.keys(FORMS_READS)]),
    }),
    new PolicyStatement({
      actions: WRITE_ACTIONS,
      resources: [table.tableArn],
      conditions: leadingKeys(writes),
    }),
    new PolicyStatement({
      actions: ['dynamodb:Query'],
      resources: FORMS_INDEXES.map((index) => `${table.tableArn}/index/${index}`),
    }),
  ];
  for (const statement of statements) grantee.grantPrincipal.addToPrincipalPolicy(statement);
  if (table.encryptionKey) table.encryptionKey.grantEncryptDecrypt(grantee);
};

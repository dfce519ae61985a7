import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../platform/clients';
import { config } from '../platform/config';
import { stableId } from '../platform/ids';
import { logger } from '../platform/logger';
import { db, type HumanRequest, isConditionFailure } from '../platform/table';
import { bounceEmail } from './compose';
import { sendOnce } from './send';

/*
 * What SES tells us about mail that did not arrive. A permanent bounce (or a complaint) flags the
 * employee's address, marks the request the mail belonged to as bounced (a flag, not a status: the
 * request stays open and its workflow keeps waiting, so HR can pass it to someone else), records
 * the audit events, and tells HR once. Transient bounces (mailbox full, greylisting) are ignored:
 * SES retries those itself, and they say nothing lasting about the address.
 *
 * Every write is idempotent (deterministic audit keys, the event's own timestamp, an outbox key for
 * HR's email), because EventBridge delivers at least once.
 */

export type DeliveryProblem = {
  type: 'bounce' | 'complaint';
  /** Permanent, Transient or Undetermined for a bounce; undefined for a complaint. */
  bounceType?: string | undefined;
  messageId: string;
  recipients: string[];
  at: string;
};

export type ProblemOutcome =
  | 'ignored-transient'
  | 'hr-address'
  | 'flagged'
  | 'flagged-request'
  | 'request-settled';

/** The outbox row is written with the message id right after SES answers; a retry finds it. */
export class OutboxRowNotFoundError extends Error {
  override name = 'OutboxRowNotFound';
}

// biome-ignore lint/suspicious/noExplicitAny: ElectroDB's params() is typed loosely; the shapes are DynamoDB's own.
type Params = Record<string, any>;

const transact = async (items: Params[]): Promise<boolean> => {
  try {
    await documentClient.send(new TransactWriteCommand({ TransactItems: items }));
    return true;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return false;
  }
};

export const recordDeliveryProblem = async (problem: DeliveryProblem): Promise<ProblemOutcome> => {
  if (problem.type === 'bounce' && problem.bounceType !== 'Permanent') return 'ignored-transient';
  const { outbox, employee, audit } = db();
  const row = (await outbox.query.byMessage({ messageId: problem.messageId }).go()).data[0];
  if (!row) throw new OutboxRowNotFoundError(`No outbox row for message ${problem.messageId} yet`);
  if (row.toId === 'hr') {
    logger.warn('HR address undeliverable', { messageId: problem.messageId, type: problem.type });
    return 'hr-address';
  }
  const person = (await employee.get({ employeeId: row.toId }).go({ consistent: true })).data;
  const recipients = new Set(problem.recipients.map((r) => r.toLowerCase()));
  // HR may have corrected the address since this mail went out: a bounce of the old one says nothing.
  if (person && recipients.has(person.email.toLowerCase())) {
    await transact([
      {
        // A new revision, so an HR write made from the record as it was before cannot drop the flag;
        // and only while the address is the one that bounced (HR may correct it meanwhile).
        Update: employee
          .patch({ employeeId: row.toId })
          .set({ emailProblem: { type: problem.type, at: problem.at, messageId: problem.messageId } })
          // A record stored before revisions were counted reads as the first: it moves to the second.
          .add({ revision: person.revision === undefined ? 2 : 1 })
          .where((a, op) => op.eq(a.email, person.email))
          .params(),
      },
      {
        Put: audit
          .put({
            entityKey: `employee#${row.toId}`,
            at: problem.at,
            eventId: stableId(problem.messageId, 'employee'),
            actor: 'ses',
            action: `email.${problem.type}`,
            details: { messageId: problem.messageId, kind: row.kind, requestId: row.requestId },
          })
          .params(),
      },
    ]);
  }
  // A digest carries several requests; each one that went to this reviewer is flagged.
  const requestIds = row.requestIds ?? (row.requestId ? [row.requestId] : []);
  if (requestIds.length === 0) return 'flagged';
  const outcomes = [];
  for (const requestId of requestIds) outcomes.push(await flagRequest(requestId, row.toId, problem));
  return outcomes.includes('flagged-request')
    ? 'flagged-request'
    : outcomes.includes('request-settled')
      ? 'request-settled'
      : 'flagged';
};

const flagRequest = async (
  requestId: string,
  toId: string,
  problem: DeliveryProblem,
): Promise<'flagged' | 'request-settled' | 'flagged-request'> => {
  const { request, audit, cycle } = db();
  const req = (await request.get({ requestId }).go({ consistent: true })).data;
  // An escalation or a mail to a previous recipient: the request's current reviewer is not at fault.
  if (!req || req.recipientId !== toId) return 'flagged';
  if (req.status !== 'open' && req.status !== 'pending') return 'request-settled';
  const marked = await transact([
    {
      Update: request
        .patch({ requestId: req.requestId })
        .set({ bounced: true, bouncedAt: problem.at })
        .where(
          (a, op) =>
            `(${op.eq(a.status, 'open')} OR ${op.eq(a.status, 'pending')}) AND ${op.eq(a.recipientId, toId)}`,
        )
        .params(),
    },
    {
      Put: audit
        .put({
          entityKey: `request#${req.requestId}`,
          at: problem.at,
          eventId: stableId(problem.messageId, 'request'),
          actor: 'ses',
          action: `${req.kind}.bounced`,
          details: { messageId: problem.messageId, reviewerId: toId, type: problem.type },
        })
        .params(),
    },
  ]);
  if (!marked) return 'request-settled';
  await tellHr(
    req,
    toId,
    problem.type,
    req.cycleId ? (await cycle.get({ cycleId: req.cycleId }).go()).data?.name : undefined,
  );
  return 'flagged-request';
};

const tellHr = async (
  req: HumanRequest,
  reviewerId: string,
  type: DeliveryProblem['type'],
  cycleName: string | undefined,
) => {
  await sendOnce({
    // Once per request and assignment: a second bounce of the same reviewer (a reminder) tells HR nothing new.
    key: `${req.requestId}#bounce${req.assignment ? `#a${req.assignment}` : ''}`,
    kind: `${req.kind}.bounce`,
    toId: 'hr',
    toAddress: config.hrAddress,
    requestId: req.requestId,
    email: bounceEmail({
      kind: req.kind,
      requestId: req.requestId,
      reviewerId,
      subjectId: req.subjectId,
      cycleName,
      problem: type,
      apiBaseUrl: config.publicBaseUrl,
    }),
  });
};

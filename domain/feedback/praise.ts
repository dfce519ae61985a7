import { loadCatalog } from '../catalog/store';
import { queueNotice } from '../human-steps/digest-items';
import { person } from '../human-steps/emails';
import type { StepKind, StepKinds } from '../human-steps/kinds';
import { recordAudit } from '../platform/audit';
import { now } from '../platform/clock';
import { keyedId } from '../platform/ids';
import { db, type FeedbackEntry, type HumanRequest, ignoreConditionFailure } from '../platform/table';
import { NOTICE_WINDOW } from './requests';

/*
 * Praise or feedback given unprompted, tied to a company value or behaviour of the catalog: it goes
 * on the person's record, where they and their manager read it, and reaches the person in their
 * digest as the notice of a `praise` request that asks nothing and is stored answered.
 */

export type NewPraise = { employeeId: string; templateId: string; itemId: string; message: string };

export type PraiseOutcome =
  | { outcome: 'created'; praise: FeedbackEntry }
  | { outcome: 'invalid'; field: string; reason: string }
  | { outcome: 'forbidden'; reason: string };

/** Records praise once per idempotency key and queues its notice for the person. */
export const givePraise = async (
  input: NewPraise,
  giverId: string,
  idempotencyKey: string | undefined,
): Promise<PraiseOutcome> => {
  // Praise is between colleagues: from someone with a record, whose name it carries.
  if (!(await db().employee.get({ employeeId: giverId }).go()).data)
    return { outcome: 'forbidden', reason: 'praise is given by an employee' };
  if (input.employeeId === giverId)
    return { outcome: 'invalid', field: 'employeeId', reason: 'praise is for someone else' };
  const subject = (await db().employee.get({ employeeId: input.employeeId }).go()).data;
  if (!subject || subject.status === 'left')
    return { outcome: 'invalid', field: 'employeeId', reason: `unknown employee ${input.employeeId}` };
  const catalog = await loadCatalog(input.templateId);
  if (!catalog) return { outcome: 'invalid', field: 'templateId', reason: `no template ${input.templateId}` };
  const item = catalog.framework.competencies.find((c) => c.id === input.itemId);
  if (!item || item.type === 'competency')
    return { outcome: 'invalid', field: 'itemId', reason: 'name a value or behaviour of the catalog' };
  const at = now();
  const entry: FeedbackEntry = {
    subjectId: input.employeeId,
    entryId: keyedId(idempotencyKey, 'praise', giverId),
    kind: 'praise',
    fromId: giverId,
    itemId: item.id,
    itemName: item.name,
    message: input.message,
    at: at.toISOString(),
  };
  const existing = await praiseById(input.employeeId, entry.entryId);
  if (existing) return { outcome: 'created', praise: existing };
  await db().feedbackEntry.create(entry).go().catch(ignoreConditionFailure);
  const req: HumanRequest & { sendWindow: typeof NOTICE_WINDOW & { timeZone: string } } = {
    requestId: entry.entryId,
    kind: 'praise',
    recipientId: input.employeeId,
    subjectId: input.employeeId,
    title: item.name,
    dueAt: entry.at,
    closeAt: entry.at,
    reminderHoursBefore: [],
    escalations: [],
    sendWindow: { ...NOTICE_WINDOW, timeZone: subject.timeZone },
    status: 'submitted',
    remindersSent: 0,
    escalationsSent: 0,
    createdAt: entry.at,
  };
  await db().request.create(req).go().catch(ignoreConditionFailure);
  await queueNotice(req, await person(input.employeeId), at);
  await recordAudit(`employee#${input.employeeId}`, giverId, 'feedback.praised', { itemId: item.id });
  return { outcome: 'created', praise: entry };
};

const praiseById = async (subjectId: string, entryId: string): Promise<FeedbackEntry | undefined> =>
  (
    await db()
      .feedbackEntry.query.byPerson({ subjectId })
      .where((a, op) => op.eq(a.entryId, entryId))
      .go({ pages: 'all', consistent: true })
  ).data[0];

const praiseNotice: StepKind['notice'] = async (req) => {
  const entry = await praiseById(req.subjectId, req.requestId);
  if (!entry) return undefined;
  const giver = await person(entry.fromId);
  return {
    subject: `${giver.name} praised you`,
    lines: [`${giver.name} praised you for ${req.title ?? 'your work'}:`, entry.message ?? ''],
  };
};

export const praiseStepKinds: StepKinds = { praise: { notice: praiseNotice } };

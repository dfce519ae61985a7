import { loadCatalog } from '../catalog/store';
import { ANONYMITY_THRESHOLD } from '../cycles/policy';
import { accessTo } from '../people/access';
import { COMPANY_ADDRESS_REFUSED, insideAddresses } from '../people/external';
import { recordAudit } from '../platform/audit';
import { addLocalDays, endOfLocalDay, localDay } from '../platform/calendar';
import { now } from '../platform/clock';
import { config } from '../platform/config';
import { startOnce } from '../platform/executions';
import { externalId, feedbackExecution, keyedId, stableId } from '../platform/ids';
import {
  db,
  type Employee,
  type FeedbackAsk,
  type HumanRequest,
  ignoreConditionFailure,
} from '../platform/table';

/*
 * Feedback any time: this folder owns asking for feedback outside any cycle, giving praise, and the
 * feedback an employee's record holds. Asking makes one `feedback` request per recipient, run together
 * by the human step's group (workflows/feedback-request.ts): a signed-link form each, one reminder,
 * closed at the asker's deadline. This file decides whether an ask may be made and makes it once.
 */

export const MAX_RECIPIENTS = 10;
export const MAX_ITEMS = 10;
export const MIN_DAYS = 1;
export const MAX_DAYS = 30;

export type Recipient = { employeeId: string } | { name: string; email: string };

export type NewAsk = {
  /** Whom the feedback is about: the asker themselves, or a direct report of theirs. */
  subjectId: string;
  recipients: Recipient[];
  /** The template whose framework's items may be picked and whose anonymity threshold applies. */
  templateId?: string | undefined;
  items: string[];
  question?: string | undefined;
  anonymous: boolean;
  managerSees: boolean;
  days: number;
};

export type AskOutcome =
  | { outcome: 'created'; ask: FeedbackAsk }
  | { outcome: 'forbidden'; reason: string }
  | { outcome: 'invalid'; field: string; reason: string };

/** The one reminder: a day before the deadline, or half-way through a one-day request. */
export const reminderHoursFor = (days: number): number[] => [Math.min(24, days * 12)];

/** The deadline: the end of the asker's local day `days` from now, as "in three days" means to a person. */
export const deadlineOf = (at: Date, days: number, timeZone: string): string =>
  endOfLocalDay(addLocalDays(localDay(at, timeZone), days), timeZone).toISOString();

type Resolved = { recipientId: string; external?: { name: string; email: string } };

const resolveRecipients = async (
  input: NewAsk,
  askerId: string,
): Promise<{ ok: true; value: Resolved[] } | { ok: false; reason: string }> => {
  const resolved = new Map<string, Resolved>();
  const inside = await insideAddresses(input.recipients.flatMap((r) => ('email' in r ? [r.email] : [])));
  for (const r of input.recipients) {
    if ('employeeId' in r) {
      if (r.employeeId === input.subjectId || r.employeeId === askerId)
        return { ok: false, reason: 'the asker and the person the feedback is about cannot be asked' };
      const found = (await db().employee.get({ employeeId: r.employeeId }).go()).data;
      if (!found || found.status === 'left') return { ok: false, reason: `unknown employee ${r.employeeId}` };
      resolved.set(r.employeeId, { recipientId: r.employeeId });
    } else {
      if (inside.has(r.email.trim().toLowerCase())) return { ok: false, reason: COMPANY_ADDRESS_REFUSED };
      const id = externalId(r.email);
      resolved.set(id, { recipientId: id, external: { name: r.name, email: r.email.trim() } });
    }
  }
  if (resolved.size === 0) return { ok: false, reason: 'ask at least one person' };
  if (resolved.size > MAX_RECIPIENTS) return { ok: false, reason: `ask at most ${MAX_RECIPIENTS} people` };
  return { ok: true, value: [...resolved.values()] };
};

/** The request one recipient answers. */
const requestOf = (ask: FeedbackAsk, r: Resolved, requestId: string, days: number): HumanRequest => ({
  requestId,
  kind: 'feedback',
  recipientId: r.recipientId,
  subjectId: ask.subjectId,
  askId: ask.askId,
  title: ask.question ?? ask.items.map((i) => i.name).join(', '),
  dueAt: ask.dueAt,
  closeAt: ask.dueAt,
  reminderHoursBefore: reminderHoursFor(days),
  escalations: [],
  status: 'pending',
  remindersSent: 0,
  escalationsSent: 0,
  createdAt: ask.createdAt,
  ...(r.external ? { external: r.external } : {}),
});

/**
 * Asks for feedback: checks the asker may ask about the subject (themselves, or a direct report for
 * their own view), the recipients and the catalog items, then writes the requests and the ask and
 * starts its workflow under a name derived from the ask. With the same idempotency key a retry finds
 * the same ids, writes nothing twice and starts nothing twice.
 */
export const askForFeedback = async (
  input: NewAsk,
  asker: Pick<Employee, 'employeeId' | 'timeZone'>,
  askerIsHr: boolean,
  idempotencyKey: string | undefined,
): Promise<AskOutcome> => {
  const access = await accessTo({ employeeId: asker.employeeId, hr: false }, input.subjectId);
  if (access !== 'self' && access !== 'direct-manager')
    return {
      outcome: 'forbidden',
      reason: askerIsHr
        ? 'feedback is asked by the person themselves or their direct manager'
        : 'you may ask for feedback about yourself or your direct reports',
    };
  if (input.items.length === 0 && !input.question)
    return { outcome: 'invalid', field: 'items', reason: 'pick catalog items or ask a question' };
  if (input.days < MIN_DAYS || input.days > MAX_DAYS)
    return { outcome: 'invalid', field: 'days', reason: `between ${MIN_DAYS} and ${MAX_DAYS} days` };
  const catalog = input.templateId ? await loadCatalog(input.templateId) : undefined;
  if (input.templateId && !catalog)
    return { outcome: 'invalid', field: 'templateId', reason: `no template ${input.templateId}` };
  const byId = new Map(catalog?.framework.competencies.map((c) => [c.id, c]) ?? []);
  const unknown = input.items.filter((id) => !byId.has(id));
  if (unknown.length > 0)
    return {
      outcome: 'invalid',
      field: 'items',
      reason: catalog
        ? `not in the catalog: ${unknown.join(', ')}`
        : 'name the templateId whose items you pick',
    };
  const recipients = await resolveRecipients(input, asker.employeeId);
  if (!recipients.ok) return { outcome: 'invalid', field: 'recipients', reason: recipients.reason };

  const at = now();
  const askId = keyedId(idempotencyKey, 'feedback-ask', asker.employeeId);
  const ask: FeedbackAsk = {
    askId,
    askerId: asker.employeeId,
    subjectId: input.subjectId,
    requestIds: recipients.value.map((r) => stableId(askId, r.recipientId)),
    items: [...new Set(input.items)].map((id) => {
      const c = byId.get(id);
      return { id, name: c?.name ?? id, type: c?.type ?? 'competency' };
    }),
    ...(input.question ? { question: input.question } : {}),
    anonymous: input.anonymous,
    threshold: catalog?.template.phases.peerFeedback.anonymityThreshold ?? ANONYMITY_THRESHOLD,
    // A manager's request about a report is for their own view: the report's manager is the asker.
    managerSees: access === 'self' && input.managerSees,
    ...(input.templateId ? { templateId: input.templateId } : {}),
    dueAt: deadlineOf(at, input.days, asker.timeZone),
    createdAt: at.toISOString(),
    // Listed for the daily check, which forgets external reviewers once the retention period is over.
    ...(recipients.value.some((r) => r.external) ? { externals: 'kept' as const } : {}),
  };
  // The requests before the ask: a retry that finds the ask finds its requests too.
  await Promise.all(
    recipients.value.map((r, i) =>
      db()
        .request.create(requestOf(ask, r, ask.requestIds[i] ?? '', input.days))
        .go()
        .catch(ignoreConditionFailure),
    ),
  );
  await db().feedbackAsk.create(ask).go().catch(ignoreConditionFailure);
  const stored = (await askById(askId)) ?? ask;
  await startOnce(config.feedbackStateMachineArn, feedbackExecution(askId), {
    askId,
    requestIds: stored.requestIds,
  });
  await recordAudit(`feedback#${askId}`, asker.employeeId, 'feedback.asked', {
    subjectId: stored.subjectId,
    recipients: stored.requestIds.length,
    anonymous: stored.anonymous,
  });
  return { outcome: 'created', ask: stored };
};

export const askById = async (askId: string): Promise<FeedbackAsk | undefined> =>
  (await db().feedbackAsk.get({ askId }).go({ consistent: true })).data ?? undefined;

/** The requests for feedback about one employee, oldest first. */
export const asksAbout = async (subjectId: string): Promise<FeedbackAsk[]> =>
  (await db().feedbackAsk.query.bySubject({ subjectId }).go({ pages: 'all' })).data;

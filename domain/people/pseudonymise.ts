import { createHash } from 'node:crypto';
import { recordAudit } from '../platform/audit';
import { now } from '../platform/clock';
import { config } from '../platform/config';
import { db, type Employee, isConditionFailure, nextRevision, stillAtRevision } from '../platform/table';

/*
 * A leaver, pseudonymised once the retention period since they left has passed: their name and
 * address replaced by a pseudonym, and every free text they wrote or that was written about them
 * replaced by REMOVED, while ids, ratings, statuses, dates and counts stay, so that cycle reports,
 * calibration distributions and the audit trail still add up. The person's id stays: other records
 * point at it, and it names no one.
 *
 * Free text is found by field name (FREE_TEXT, and the maps of texts in WHOLE_MAPS): answers are
 * stored as their forms shaped them, so a field's name is what says it holds words rather than a
 * choice or a rating.
 */

export const REMOVED = '[removed]';

/** Fields whose string values are someone's words (or an external reviewer's name and address). */
const FREE_TEXT = new Set([
  'achievements',
  'blockedReason',
  'comment',
  'comments',
  'definitionOfDone',
  'developmentNeeds',
  'disagreement',
  'email',
  'growth',
  'justification',
  'link',
  'measure',
  'message',
  'name',
  'note',
  'question',
  'reason',
  'strengths',
  'summary',
  'text',
  'title',
  'url',
]);
/** Maps of texts keyed by an item or goal id: every value is words. */
const WHOLE_MAPS = new Set(['evidence', 'goalNotes', 'texts']);
/** The catalog's own words (a gap analysis names the competencies): nobody's, so kept. */
const KEPT = new Set(['gapAnalysis']);

const scrubAll = (value: unknown): unknown =>
  typeof value === 'string'
    ? REMOVED
    : Array.isArray(value)
      ? value.map(scrubAll)
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubAll(v)]))
        : value;

/** A stored value with every free text replaced; everything else as it was. */
export const scrub = <T>(value: T, key?: string): T => {
  if (typeof value === 'string') return (key !== undefined && FREE_TEXT.has(key) ? REMOVED : value) as T;
  if (Array.isArray(value)) return value.map((v) => scrub(v, key)) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        KEPT.has(k) ? v : WHOLE_MAPS.has(k) ? scrubAll(v) : scrub(v, k),
      ]),
    ) as T;
  return value;
};

/** The pseudonym: stable for an id, so a repeated run writes the same, and unlinkable without the id. */
export const pseudonymOf = (employeeId: string) => {
  const tag = createHash('sha256').update(`growcycle-pseudonym:${employeeId}`).digest('hex').slice(0, 10);
  return { name: `Former employee ${tag}`, email: `former-${tag}@pseudonymised.invalid` };
};

export type Pseudonymisation =
  | { outcome: 'done'; employeeId: string; pseudonymisedAt: string; items: number }
  | { outcome: 'not-found' }
  | { outcome: 'refused'; reason: string };

const DAY_MS = 86_400_000;

/** Why this person may not be pseudonymised yet, or undefined when they may. */
const refusal = (person: Employee, at: Date): string | undefined => {
  if (person.status !== 'left') return 'only a leaver is pseudonymised: this person has not left';
  const leftAt = person.leftAt ? Date.parse(person.leftAt) : Number.NaN;
  if (Number.isNaN(leftAt)) return 'no leaving date is recorded: import the person as left first';
  const until = leftAt + config.leaverRetentionDays * DAY_MS;
  if (until > at.getTime())
    return `the retention period of ${config.leaverRetentionDays} days after leaving runs until ${new Date(until).toISOString().slice(0, 10)}`;
  return undefined;
};

/** Writes each item back scrubbed, when scrubbing changed it; how many were written. */
const rewrite = async <T>(items: T[], put: (item: T) => Promise<unknown>): Promise<number> => {
  let written = 0;
  for (const item of items) {
    const clean = scrub(item);
    if (JSON.stringify(clean) === JSON.stringify(item)) continue;
    await put(clean);
    written += 1;
  }
  return written;
};

/**
 * Pseudonymises a leaver past the retention period. Idempotent: run again, it rewrites nothing that
 * is already clean and answers with the first run's time.
 */
export const pseudonymise = async (employeeId: string, actor: string): Promise<Pseudonymisation> => {
  const t = db();
  const person = (await t.employee.get({ employeeId }).go({ consistent: true })).data ?? undefined;
  if (!person) return { outcome: 'not-found' };
  const at = now();
  if (!person.pseudonymisedAt) {
    const reason = refusal(person, at);
    if (reason) return { outcome: 'refused', reason };
  }
  const pseudonymisedAt = person.pseudonymisedAt ?? at.toISOString();
  if (!person.pseudonymisedAt) {
    const { emailProblem: _gone, ...kept } = person;
    try {
      // The record first, and only as read: a leaver imported back as active meanwhile keeps their
      // name and everything written about them. Once it is written, a rerun finishes the rest.
      await t.employee
        .put({ ...kept, ...pseudonymOf(employeeId), pseudonymisedAt, revision: nextRevision(person) })
        .where((a, op) => stillAtRevision(op, a.revision, person))
        .go();
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return {
        outcome: 'refused',
        reason: 'the record was changed by another write while it was being pseudonymised: run it again',
      };
    }
  }
  const pages = { pages: 'all' } as const;
  const [reviews, received, asks, entries, goals, plans, aspiration] = await Promise.all([
    t.review.query.everyOfEmployee({ employeeId }).go(pages),
    t.request.query.byRecipient({ recipientId: employeeId }).go(pages),
    t.feedbackAsk.query.bySubject({ subjectId: employeeId }).go(pages),
    t.feedbackEntry.query.byPerson({ subjectId: employeeId }).go(pages),
    t.goal.query.byOwner({ ownerId: employeeId }).go(pages),
    t.plan.query.byOwner({ ownerId: employeeId }).go(pages),
    t.aspiration.get({ employeeId }).go(),
  ]);
  // Each review's requests about the person (answers, notes, external reviewers' names and
  // addresses) and its peer answers; and the peer answers the person gave about others.
  const [about, peerAnswers, given, items] = await Promise.all([
    Promise.all(
      reviews.data.map((r) =>
        t.request.query.byCycle({ cycleId: r.cycleId, cycleSubjectId: employeeId }).go(pages),
      ),
    ),
    Promise.all(
      reviews.data.map((r) => t.feedback.query.byReview({ cycleId: r.cycleId, employeeId }).go(pages)),
    ),
    Promise.all(
      received.data
        .filter((r) => r.kind === 'peer-feedback' && r.cycleId)
        .map((r) =>
          t.feedback
            .get({ cycleId: r.cycleId as string, employeeId: r.subjectId, requestId: r.requestId })
            .go(),
        ),
    ),
    Promise.all(plans.data.map((p) => t.planItem.query.byPlan({ planId: p.planId }).go(pages))),
  ]);
  // Requests about the person outside any cycle (a plan's agreement, decisions, sessions) went to
  // their managers and mentors: each one's requests, those about this person.
  const askedOthers = new Set(
    [
      person.managerId,
      ...reviews.data.map((r) => r.managerId),
      ...plans.data.map((p) => (p.draft as { managerId?: string } | undefined)?.managerId),
      ...items.flatMap((i) => i.data.map((item) => item.mentorId)),
    ].filter((id): id is string => typeof id === 'string' && id !== ''),
  );
  const planRequests = await Promise.all(
    [...askedOthers].map(async (recipientId) =>
      (await t.request.query.byRecipient({ recipientId }).go(pages)).data.filter(
        (r) => r.subjectId === employeeId && !r.cycleId,
      ),
    ),
  );
  const put =
    <E extends keyof ReturnType<typeof db>>(entity: E) =>
    (item: unknown) =>
      // Each entity's put takes its own item type; the scrubbed item is that same item.
      (t[entity] as unknown as { put: (i: unknown) => { go: () => Promise<unknown> } }).put(item).go();
  const written = [
    await rewrite(reviews.data, put('review')),
    await rewrite(received.data, put('request')),
    await rewrite([...about.flatMap((a) => a.data), ...planRequests.flat()], put('request')),
    await rewrite(
      peerAnswers.flatMap((a) => a.data),
      put('feedback'),
    ),
    await rewrite(
      given.flatMap((g) => (g.data ? [g.data] : [])),
      put('feedback'),
    ),
    await rewrite(asks.data, put('feedbackAsk')),
    await rewrite(entries.data, put('feedbackEntry')),
    await rewrite(goals.data, put('goal')),
    await rewrite(plans.data, put('plan')),
    await rewrite(
      items.flatMap((i) => i.data),
      put('planItem'),
    ),
    await rewrite(aspiration.data ? [aspiration.data] : [], put('aspiration')),
  ].reduce((a, b) => a + b, 0);
  if (!person.pseudonymisedAt)
    await recordAudit(`employee#${employeeId}`, actor, 'employee.pseudonymised', { items: written });
  return { outcome: 'done', employeeId, pseudonymisedAt, items: written };
};

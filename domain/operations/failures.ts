import { noticeEmail } from '../mail/compose';
import { sendOnce } from '../mail/send';
import { now } from '../platform/clock';
import { config } from '../platform/config';
import { logger } from '../platform/logger';
import { db, type Failure, ignoreConditionFailure } from '../platform/table';

/*
 * A workflow step that failed after all its retries is caught by its workflow
 * (workflows/state-machine.ts), which hands it here: the failure is recorded under the cycle or plan
 * it concerns, HR is told, and the workflow's part is counted off so the rest goes on
 * (functions/steps/record-failure.ts). Only ids, the state's name and the error's name are kept:
 * an error's message may quote an address or an answer.
 */

export type FailedStep = {
  workflow: Failure['workflow'];
  executionArn: string;
  executionName: string;
  state: string;
  error: string;
  cycleId?: string;
  employeeId?: string;
  planId?: string;
  itemId?: string;
  askId?: string;
};

/** What HR reads about a workflow's part: a review's, a plan item's, a whole cycle's or plan's. */
const WHAT: Record<Failure['workflow'], (f: FailedStep) => string> = {
  review: (f) => `the review of ${f.employeeId}`,
  cycle: () => 'the cycle itself',
  plan: () => 'the plan itself',
  'plan-item': (f) => `item ${f.itemId}`,
  feedback: (f) => `the request ${f.askId}`,
};

/** What happens after the failure, so HR knows what is still theirs to do. */
const NEXT: Record<Failure['workflow'], string> = {
  review:
    'The review is counted as ended, so the cycle can close without waiting for it; its requests stay as they are. Reassign or extend them, or add the person to the cycle again.',
  cycle:
    'The cycle’s own workflow stopped: reviews already started go on, but the cycle will not close by itself. Look at the cycle with “growcycle status”.',
  plan: 'The plan’s own workflow stopped: its items’ follow-ups go on, but check-ins and the summary will not.',
  'plan-item':
    'The item is counted off its plan, so the plan can end without it; nobody is reminded of it again.',
  feedback:
    'Answers through links already sent are still stored; reminders and the close at the deadline will not come.',
};

const scopeOf = (f: FailedStep): string => f.cycleId ?? f.planId ?? f.executionName;

/**
 * Records the failure once (by execution) and tells HR. HR gets at most one email per cycle or plan
 * a day, whatever fails in it: when a dependency is down, thousands of reviews may fail together,
 * and the first email says where to find the rest.
 */
export const recordFailure = async (f: FailedStep): Promise<void> => {
  const at = now().toISOString();
  const scopeId = scopeOf(f);
  try {
    await db()
      .failure.create({ ...f, scopeId, at })
      .go();
  } catch (error) {
    // Recorded already: a retry of the record step, which still makes sure HR was told.
    ignoreConditionFailure(error);
  }
  logger.error('workflow step failed', {
    workflow: f.workflow,
    executionName: f.executionName,
    state: f.state,
    error: f.error,
    cycleId: f.cycleId,
    employeeId: f.employeeId,
    planId: f.planId,
    itemId: f.itemId,
  });
  const { where, look } = await placeOf(f);
  await sendOnce({
    key: `failure#${scopeId}#${at.slice(0, 10)}`,
    kind: 'workflow.failure',
    toId: 'hr',
    toAddress: config.hrAddress,
    requestId: scopeId,
    email: noticeEmail({
      recipientName: 'HR team',
      subject: `A step failed in ${where}`,
      lines: [
        `In ${where}, the step “${f.state}” of ${WHAT[f.workflow](f)} failed after its retries (${f.error}).`,
        NEXT[f.workflow],
        look,
      ],
    }),
  });
};

/** Where the failure happened, as HR's email names it, and where HR finds more. */
const placeOf = async (f: FailedStep): Promise<{ where: string; look: string }> => {
  const rest = 'further failures today are recorded without another email.';
  if (f.cycleId) {
    const cycle = (await db().cycle.get({ cycleId: f.cycleId }).go()).data;
    return {
      where: cycle ? `the cycle “${cycle.name}”` : `cycle ${f.cycleId}`,
      look: `Every failure in it is listed by “growcycle status ${f.cycleId}”; ${rest}`,
    };
  }
  if (f.planId)
    return {
      where: `development plan ${f.planId}`,
      look: `Every failure in it is listed by “growcycle plan show ${f.planId}”; ${rest}`,
    };
  // A request for feedback any time: no cycle or plan lists it, so the email names its execution.
  const ask = f.askId ? (await db().feedbackAsk.get({ askId: f.askId }).go()).data : undefined;
  const about = ask ? ` about ${ask.subjectId}` : '';
  return {
    where: `a request for feedback${about}`,
    look: `Its workflow is the execution “${f.executionName}”${ask ? `; the feedback about ${ask.subjectId} is listed by “growcycle feedback list ${ask.subjectId}”` : ''}.`,
  };
};

/** The failures recorded under a cycle or a plan, oldest execution name first. */
export const failuresOf = async (scopeId: string): Promise<Failure[]> =>
  (await db().failure.query.byScope({ scopeId }).go({ pages: 'all' })).data;

/** A failure as HR's views list it: no execution ARN (the name finds it) and no scope (it is the page's). */
export const failureView = (f: Failure) => ({
  workflow: f.workflow,
  state: f.state,
  error: f.error,
  at: f.at,
  executionName: f.executionName,
  ...(f.employeeId ? { employeeId: f.employeeId } : {}),
  ...(f.itemId ? { itemId: f.itemId } : {}),
});

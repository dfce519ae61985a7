import { resumeCycleIfDone, reviewEndWrites } from '../cycles/close';
import type { StepKind, StepKinds } from '../human-steps/kinds';
import { db, type HumanRequest, type Params } from '../platform/table';
import { finishWithAppraisal, isFinished } from './finish';
import { goalDecision } from './goal-setting';
import { meetingInvite } from './meeting';
import { isReleased, releaseGate } from './release';

/*
 * What each step of a review adds to the generic human step (domain/human-steps/kinds.ts): where its
 * answer is kept, what its settling tells the workflow, the gates of the steps after the appraisal,
 * the meeting's calendar file, and who may be given a request instead.
 */

/** An answer kept whole on the review or a feedback row is not copied onto the request too. */
const storedIn = (writes: Params[]) => ({ writes, storedElsewhere: true });

const reviewPatch = (req: HumanRequest & { cycleId: string }) =>
  db().review.patch({ cycleId: req.cycleId, employeeId: req.subjectId });

const withCycle = (req: HumanRequest): (HumanRequest & { cycleId: string }) | undefined =>
  req.cycleId === undefined ? undefined : { ...req, cycleId: req.cycleId };

const NOT_STORED = { writes: [], storedElsewhere: false };

/** The steps after the appraisal open behind a gate: the appraisal in (the meeting), the results released. */
const gated: StepKind = { gate: releaseGate, gateOpened: isReleased };

/** A request a manager or a peer answers can be given to someone else; the nomination steps too. */
const passedOn: NonNullable<StepKind['reassign']> = {};

export const reviewStepKinds: StepKinds = {
  'self-assessment': {
    answer: async (req, answer) => {
      const r = withCycle(req);
      return r ? storedIn([{ Update: reviewPatch(r).set({ selfAssessment: answer }).params() }]) : NOT_STORED;
    },
  },
  'peer-feedback': {
    answer: async (req, answer, at) => {
      if (!req.cycleId) return NOT_STORED;
      const row = db().feedback.create({
        cycleId: req.cycleId,
        employeeId: req.subjectId,
        requestId: req.requestId,
        fromId: req.recipientId,
        relationship: 'peer',
        answers: answer,
        submittedAt: at,
      });
      return storedIn([{ Put: row.params() }]);
    },
    reassign: {
      refuse: async (req, recipientId) => {
        if (!req.cycleId || recipientId === req.recipientId) return undefined;
        const others = (
          await db()
            .request.query.byCycle({ cycleId: req.cycleId, cycleSubjectId: req.subjectId })
            .go({ pages: 'all' })
        ).data;
        return others.some((o) => o.kind === 'peer-feedback' && o.recipientId === recipientId)
          ? `${recipientId} already gives peer feedback on ${req.subjectId}`
          : undefined;
      },
    },
  },
  'manager-appraisal': {
    answer: async (req, answer) => {
      const r = withCycle(req);
      if (!r) return NOT_STORED;
      const appraisal = reviewPatch(r).set({
        managerAppraisal: answer,
        // The overall rating the template's formula gave (or the single rating of the fixed form).
        ...(typeof answer.rating === 'number' ? { overallRating: answer.rating } : {}),
      });
      return storedIn([{ Update: appraisal.params() }]);
    },
    // The appraisal's settling finishes the review and tells the workflow how long calibration waits.
    settled: (req) => finishWithAppraisal(req),
    reassign: {
      // The skip-level is the new appraiser's own manager (HR when they have none).
      escalations: (req, recipient) =>
        req.escalations.map((e) =>
          e.role === 'skip-level manager' ? { ...e, toId: recipient.managerId ?? 'hr' } : e,
        ),
      writes: (req, recipientId) => {
        const r = withCycle(req);
        return r ? [{ Update: reviewPatch(r).set({ managerId: recipientId }).params() }] : [];
      },
    },
  },
  'goal-approval': { settled: async (_req, answer) => goalDecision(answer) },
  'review-meeting': { ...gated, calendarInvite: meetingInvite },
  acknowledgment: {
    ...gated,
    // The review's last step: its answer ends the review, counted for the cycle in the same
    // transaction (the workflow, resumed, ends without another step).
    answer: async (req, _answer, at) => {
      const r = withCycle(req);
      if (!r) return NOT_STORED;
      const review = (
        await db().review.get({ cycleId: r.cycleId, employeeId: r.subjectId }).go({ consistent: true })
      ).data;
      if (!isFinished(review)) return storedIn([]);
      return {
        ...storedIn(reviewEndWrites(r.cycleId, r.subjectId, at)),
        after: () => resumeCycleIfDone(r.cycleId),
      };
    },
  },
  'peer-nomination': { reassign: passedOn },
  'peer-approval': { reassign: passedOn },
};

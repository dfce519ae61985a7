import { accessTo, canRead } from '../../../domain/people/access';
import { draftFromReview } from '../../../domain/plans/from-review';
import { recordAudit } from '../../../domain/platform/audit';
import { calibrateReview, calibrationView } from '../../../domain/reviews/calibration';
import { isReleaseCursor, mayRelease, releaseCycle, releaseReview } from '../../../domain/reviews/release';
import { reviewsOf, reviewView } from '../../../domain/reviews/view';
import { conflict, forbidden, invalid, invalidFields, jsonResult, parseJson } from '../../shared/http';
import { CalibrationInput } from '../hr-schemas';
import { cycleOr404, hrOnly, noReview, pathParam, type Routes, whenCancelled } from './route';

/*
 * An employee's reviews, listed; one employee's review in a cycle: read as HR or as the employee sees
 * it, calibrated by HR (with the cycle's ratings by participant, department and manager to calibrate
 * against), and its
 * results released (one review, or HR for the whole cycle). A release drafts each released employee's
 * development plan from the review (domain/plans/from-review.ts): the plan layer's, called here
 * because reviews do not know plans.
 */

export const reviewRoutes: Routes = {
  'GET /employees/{employeeId}/reviews': async (event, caller) => {
    const employeeId = pathParam(event, 'employeeId');
    if (!canRead(await accessTo(caller, employeeId)))
      return forbidden('You may read reviews of yourself and of people in your reporting line');
    return jsonResult(200, { reviews: await reviewsOf(employeeId) });
  },

  'GET /cycles/{cycleId}/reviews/{employeeId}': async (event, caller) => {
    const employeeId = pathParam(event, 'employeeId');
    const access = await accessTo(caller, employeeId);
    if (!canRead(access))
      return forbidden('You may read reviews of yourself and of people in your reporting line');
    const view = event.queryStringParameters?.view ?? (access === 'hr' ? 'hr' : 'employee');
    // Peer attribution is for HR only; everyone else sees peer answers combined or withheld.
    if (view === 'hr' && access !== 'hr') return forbidden('Only HR admins see who gave which peer feedback');
    if (view !== 'hr' && view !== 'employee') return invalid('view', 'must be hr or employee');
    const cycleId = pathParam(event, 'cycleId');
    const review = await reviewView(cycleId, employeeId, view);
    if (!review) return noReview();
    // Who said what is HR's to read, and every read of it is on the record.
    if (review.peerFeedback?.visibility === 'attributed' && review.peerFeedback.answers.length > 0)
      await recordAudit(`cycle#${cycleId}`, caller.employeeId, 'review.peer-answers-read', {
        employeeId,
        answers: review.peerFeedback.answers.length,
      });
    return jsonResult(200, review);
  },

  'GET /cycles/{cycleId}/calibration': hrOnly(async (event) => {
    const cycle = await cycleOr404(event);
    if (!cycle.ok) return cycle.result;
    return jsonResult(200, await calibrationView(cycle.value));
  }),

  'POST /cycles/{cycleId}/reviews/{employeeId}/calibration': hrOnly(async (event, caller) => {
    const body = parseJson(event, CalibrationInput);
    if (!body.ok) return body.result;
    const cycle = await cycleOr404(event, whenCancelled);
    if (!cycle.ok) return cycle.result;
    const employeeId = pathParam(event, 'employeeId');
    const result = await calibrateReview(cycle.value.cycleId, employeeId, body.value, caller.employeeId);
    switch (result.outcome) {
      case 'not-found':
        return noReview();
      case 'no-appraisal':
        return conflict('the manager appraisal is not in yet: there is nothing to calibrate');
      case 'no-calibration-phase':
        return conflict('this cycle’s template has no calibration phase');
      case 'conflict':
        return conflict('the review kept changing; try again');
      case 'invalid':
        return invalidFields(result.problems);
      default:
        return jsonResult(200, {
          calibration: result.calibration,
          ...(result.gapAnalysis ? { gapAnalysis: result.gapAnalysis } : {}),
        });
    }
  }),

  'POST /cycles/{cycleId}/reviews/{employeeId}/release': async (event, caller) => {
    const employeeId = pathParam(event, 'employeeId');
    if (!mayRelease(await accessTo(caller, employeeId)))
      return forbidden('Results are released by HR or the employee’s direct manager');
    const cycle = await cycleOr404(event, whenCancelled);
    if (!cycle.ok) return cycle.result;
    const outcome = await releaseReview(cycle.value.cycleId, employeeId, caller.employeeId);
    if (outcome === 'not-found') return noReview();
    if (outcome === 'not-ready')
      return conflict(
        'the manager appraisal is not in, or the cycle has no release phase: there is nothing to release',
      );
    // Released (now, or by an earlier call that may have stopped short): the plan is drafted once.
    const drafted = await draftFromReview(cycle.value.cycleId, employeeId, caller.employeeId, true);
    return jsonResult(200, {
      released: true,
      alreadyReleased: outcome === 'already-released',
      ...('plan' in drafted ? { planId: drafted.plan.planId } : {}),
    });
  },

  'POST /cycles/{cycleId}/release': hrOnly(async (event, caller) => {
    const cycle = await cycleOr404(event, whenCancelled);
    if (!cycle.ok) return cycle.result;
    // A large cycle takes several calls: each releases what fits in its time budget and says where
    // to go on from (`next`, passed back as ?cursor=).
    const cursor = event.queryStringParameters?.cursor;
    if (cursor !== undefined && !isReleaseCursor(cursor, cycle.value.cycleId))
      return invalid('cursor', 'not a cursor this route gave out');
    // Each released employee's plan is drafted from their review, once.
    const draft = (employeeId: string) =>
      draftFromReview(cycle.value.cycleId, employeeId, caller.employeeId, true);
    return jsonResult(200, await releaseCycle(cycle.value.cycleId, caller.employeeId, { cursor }, draft));
  }),
};

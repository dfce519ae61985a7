import { accessTo, canRead } from '../../../domain/people/access';
import {
  createGoal,
  type GoalOutcome,
  goalsOf,
  goalWithAlignment,
  recordProgress,
  revisionOf,
  updateGoal,
} from '../../../domain/people/goals';
import { forbidden, type HttpResult, invalid, jsonResult, parseJson, problem } from '../../shared/http';
import { CreateGoalInput, GoalProgressInput, UpdateGoalInput } from '../hr-schemas';
import { goalOr404, idempotencyKey, pathParam, type Routes, unknownOwner } from './route';

/* Goals: an employee's or the company's, set, changed, progressed and read with what they align to. */

/** A goal set or changed, or why not. */
const goalAnswer = (result: GoalOutcome, ownerId: string, savedStatus: number): HttpResult => {
  switch (result.outcome) {
    case 'forbidden':
      return forbidden('Goals are set by the owner, their direct manager or HR; company goals by HR');
    case 'unknown-owner':
      return unknownOwner(ownerId);
    case 'wrong-parent':
      return invalid('parentGoalId', result.reason);
    case 'stale':
      return problem(
        409,
        'Conflict',
        `revision: the goal was changed since; it is at revision ${revisionOf(result.goal)} now`,
        [{ field: 'revision', message: 'the goal was changed since this revision' }],
        { goal: result.goal },
      );
    default:
      return jsonResult(savedStatus, { goal: result.goal });
  }
};

export const goalRoutes: Routes = {
  'GET /employees/{employeeId}/goals': async (event, caller) => {
    const ownerId = pathParam(event, 'employeeId');
    if (!canRead(await accessTo(caller, ownerId)))
      return forbidden('You may read goals of yourself and your reporting line');
    return jsonResult(200, { goals: await goalsOf(ownerId) });
  },

  'POST /goals': async (event, caller) => {
    const body = parseJson(event, CreateGoalInput);
    if (!body.ok) return body.result;
    const result = await createGoal(body.value, caller, idempotencyKey(event));
    return goalAnswer(result, body.value.ownerId, 201);
  },

  'GET /goals/{goalId}': async (event, caller) => {
    const goal = await goalOr404(event, caller, 'read');
    if (!goal.ok) return goal.result;
    return jsonResult(200, await goalWithAlignment(goal.value, caller));
  },

  'PATCH /goals/{goalId}': async (event, caller) => {
    const body = parseJson(event, UpdateGoalInput);
    if (!body.ok) return body.result;
    const goal = await goalOr404(event, caller, 'act');
    if (!goal.ok) return goal.result;
    const { revision, ...change } = body.value;
    const result = await updateGoal(goal.value, change, revision, caller);
    return goalAnswer(result, goal.value.ownerId, 200);
  },

  'POST /goals/{goalId}/progress': async (event, caller) => {
    const body = parseJson(event, GoalProgressInput);
    if (!body.ok) return body.result;
    const goal = await goalOr404(event, caller, 'act');
    if (!goal.ok) return goal.result;
    return jsonResult(201, { goal: await recordProgress(goal.value, body.value, caller.employeeId) });
  },
};

import { reassignRequest } from '../../../domain/human-steps/reassign';
import { fieldProblem, jsonResult, parseJson } from '../../shared/http';
import { stepKinds } from '../../shared/step-kinds';
import { ReassignRequestInput } from '../hr-schemas';
import { hrOnly, pathParam, type Routes } from './route';

/* A person's request passed on to someone else, by HR. */

const TITLES: Record<number, string> = { 404: 'Not found', 409: 'Conflict' };

export const requestRoutes: Routes = {
  'POST /requests/{requestId}/reassign': hrOnly(async (event, caller) => {
    const body = parseJson(event, ReassignRequestInput);
    if (!body.ok) return body.result;
    const { recipientId, reason } = body.value;
    const result = await reassignRequest(
      stepKinds,
      pathParam(event, 'requestId'),
      recipientId,
      caller.employeeId,
      reason,
    );
    if (!result.ok) {
      const { status, field, message } = result.refusal;
      return fieldProblem(status, TITLES[status] ?? 'Cannot reassign', field, message);
    }
    const r = result.request;
    return jsonResult(200, {
      requestId: r.requestId,
      kind: r.kind,
      subjectId: r.subjectId,
      recipientId: r.recipientId,
      assignment: r.assignment ?? 0,
      status: r.status,
      unchanged: result.unchanged,
    });
  }),
};

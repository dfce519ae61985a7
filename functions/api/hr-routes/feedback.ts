import { askById, askForFeedback, asksAbout } from '../../../domain/feedback/asks';
import { givePraise } from '../../../domain/feedback/praise';
import { feedbackRecord, mayReadAnswers, visibleAskView } from '../../../domain/feedback/record';
import { accessTo } from '../../../domain/people/access';
import { db } from '../../../domain/platform/table';
import { forbidden, invalid, jsonResult, notFound, parseJson } from '../../shared/http';
import { AskFeedbackInput, PraiseInput } from '../hr-schemas';
import { idempotencyKey, pathParam, type Routes } from './route';

/*
 * Feedback any time: asking for it, listing and reading the requests for it, giving praise, and
 * reading a person's record of it.
 */

export const feedbackRoutes: Routes = {
  'POST /feedback/requests': async (event, caller) => {
    const body = parseJson(event, AskFeedbackInput);
    if (!body.ok) return body.result;
    const asker = (await db().employee.get({ employeeId: caller.employeeId }).go()).data;
    if (!asker) return forbidden('The token names no employee');
    const result = await askForFeedback(
      { ...body.value, subjectId: body.value.subjectId ?? caller.employeeId },
      asker,
      caller.hr,
      idempotencyKey(event),
    );
    if (result.outcome === 'forbidden') return forbidden(result.reason);
    if (result.outcome === 'invalid') return invalid(result.field, result.reason);
    return jsonResult(201, { request: result.ask });
  },

  'GET /feedback/requests/{askId}': async (event, caller) => {
    const askId = pathParam(event, 'askId');
    const ask = await askById(askId);
    if (!ask) return notFound('askId', `no feedback request ${askId}`);
    const access = await accessTo(caller, ask.subjectId);
    if (!mayReadAnswers(ask, { employeeId: caller.employeeId, access }))
      return forbidden('Only the asker, HR, or a manager the asker shared it with may read this request');
    return jsonResult(200, await visibleAskView(ask, { employeeId: caller.employeeId, access }));
  },

  'GET /employees/{employeeId}/feedback-requests': async (event, caller) => {
    const employeeId = pathParam(event, 'employeeId');
    const access = await accessTo(caller, employeeId);
    if (access === 'none' || access === 'reporting-line')
      return forbidden('Requests for feedback are read by the person, their direct manager and HR');
    const reader = { employeeId: caller.employeeId, access };
    const readable = (await asksAbout(employeeId)).filter((ask) => mayReadAnswers(ask, reader));
    const views = await Promise.all(readable.map((ask) => visibleAskView(ask, reader)));
    return jsonResult(200, { requests: views.map((v) => v.request).reverse() });
  },

  'POST /feedback/praise': async (event, caller) => {
    const body = parseJson(event, PraiseInput);
    if (!body.ok) return body.result;
    const result = await givePraise(body.value, caller.employeeId, idempotencyKey(event));
    if (result.outcome === 'forbidden') return forbidden(result.reason);
    if (result.outcome === 'invalid') return invalid(result.field, result.reason);
    return jsonResult(201, { praise: result.praise });
  },

  'GET /employees/{employeeId}/feedback': async (event, caller) => {
    const result = await feedbackRecord(pathParam(event, 'employeeId'), caller);
    if (result.outcome === 'forbidden')
      return forbidden('Feedback is read by the person, their direct manager and HR');
    return jsonResult(200, { feedback: result.feedback, summary: result.summary });
  },
};

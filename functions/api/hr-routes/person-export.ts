/*
 * Everything held about one person, for HR to hand over on request: gathered through the HR API's own
 * routes, read as HR, so the export holds exactly what those routes keep and show. Reading a review
 * as HR is audited as every such read is.
 */

import type { Principal } from '../../../domain/people/access';
import { pseudonymise } from '../../../domain/people/pseudonymise';
import { now } from '../../../domain/platform/clock';
import { db } from '../../../domain/platform/table';
import { conflict, jsonResult, notFound } from '../../shared/http';
import { hrOnly, pathParam, type Routes } from './route';

type Answer = { status: number; body: unknown };
type Request = { path?: Record<string, string>; query?: Record<string, string> };
/** One HR API route, answered for the HR admin asking. */
export type ReadRoute = (routeKey: string, request: Request) => Promise<Answer>;
/** Any HR API route, answered in-process (hr-routes/index.ts's callRoute, given here to avoid a cycle). */
export type CallRoute = (routeKey: string, caller: Principal, request: Request) => Promise<Answer>;

/** What the export says it does not hold, so a reader knows where else to look. */
export const NOT_IN_EXPORT = [
  'the emails sent to the person: their text is never kept (the outbox holds ids only, for at most its retention period)',
];

/**
 * What the person answered about others: peer feedback (kept on the other's review), answers to
 * requests for feedback (kept on the other's record) and the rest (kept on the request).
 */
export const answersGivenBy = async (employeeId: string) => {
  const t = db();
  const received = await t.request.query.byRecipient({ recipientId: employeeId }).go({ pages: 'all' });
  const given = received.data.filter((r) => r.status === 'submitted' && r.subjectId !== employeeId);
  return Promise.all(
    given.map(async (r) => {
      const answer =
        r.answer ??
        (r.kind === 'peer-feedback' && r.cycleId
          ? (
              await t.feedback
                .get({ cycleId: r.cycleId, employeeId: r.subjectId, requestId: r.requestId })
                .go()
            ).data?.answers
          : r.kind === 'feedback'
            ? (
                await t.feedbackEntry.query.byPerson({ subjectId: r.subjectId }).go({ pages: 'all' })
              ).data.find((e) => e.fromId === employeeId && e.askId === r.askId)?.texts
            : undefined);
      return {
        requestId: r.requestId,
        kind: r.kind,
        subjectId: r.subjectId,
        ...(r.cycleId ? { cycleId: r.cycleId } : {}),
        ...(r.submittedAt ? { submittedAt: r.submittedAt } : {}),
        answer: answer ?? null,
      };
    }),
  );
};

export const personExport = async (employeeId: string, read: ReadRoute) => {
  const path = { path: { employeeId } };
  const body = async (routeKey: string, request: Parameters<ReadRoute>[1] = path) => {
    const answer = await read(routeKey, request);
    return answer.status === 200 ? answer.body : undefined;
  };
  const employee = await body('GET /employees/{employeeId}');
  if (employee === undefined) return undefined;
  const [
    aspiration,
    goals,
    reviewList,
    openRequests,
    feedback,
    feedbackRequests,
    plans,
    trail,
    aspirationTrail,
  ] = await Promise.all([
    body('GET /employees/{employeeId}/aspiration'),
    body('GET /employees/{employeeId}/goals'),
    body('GET /employees/{employeeId}/reviews'),
    body('GET /employees/{employeeId}/requests'),
    body('GET /employees/{employeeId}/feedback'),
    body('GET /employees/{employeeId}/feedback-requests'),
    body('GET /plans', { query: { ownerId: employeeId } }),
    body('GET /audit/{entityKey}', { path: { entityKey: `employee#${employeeId}` } }),
    body('GET /audit/{entityKey}', { path: { entityKey: `aspiration#${employeeId}` } }),
  ]);
  const cycles = ((reviewList as { reviews?: Array<{ cycleId: string }> } | undefined)?.reviews ?? []).map(
    (r) => r.cycleId,
  );
  const reviews = await Promise.all(
    cycles.map((cycleId) =>
      body('GET /cycles/{cycleId}/reviews/{employeeId}', {
        path: { cycleId, employeeId },
        query: { view: 'hr' },
      }),
    ),
  );
  return {
    employeeId,
    employee,
    aspiration: aspiration ?? null,
    goals,
    reviews,
    openRequests,
    feedback,
    feedbackRequests,
    plans,
    audit: { employee: trail, aspiration: aspirationTrail },
    answersGiven: await answersGivenBy(employeeId),
    notIncluded: NOT_IN_EXPORT,
  };
};

/** The export's route, reading through the routes `call` answers. */
export const personRoutes = (call: CallRoute): Routes => ({
  'POST /employees/{employeeId}/pseudonymise': hrOnly(async (event, caller) => {
    const employeeId = pathParam(event, 'employeeId');
    const result = await pseudonymise(employeeId, caller.employeeId);
    if (result.outcome === 'not-found') return notFound('employeeId', `unknown employee ${employeeId}`);
    if (result.outcome === 'refused') return conflict(`Not pseudonymised: ${result.reason}`);
    return jsonResult(200, result);
  }),
  'GET /employees/{employeeId}/export': hrOnly(async (event, caller) => {
    const employeeId = pathParam(event, 'employeeId');
    const exported = await personExport(employeeId, (key, request) => call(key, caller, request));
    return exported
      ? jsonResult(200, { exportedAt: now().toISOString(), ...exported })
      : notFound('employeeId', `unknown employee ${employeeId}`);
  }),
});

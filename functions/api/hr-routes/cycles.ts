import {
  addParticipants,
  cancelCycle,
  extendCycle,
  removeParticipant,
  takesChanges,
} from '../../../domain/cycles/admin';
import { createCycle, listCycles } from '../../../domain/cycles/schedule';
import { cycleStatus } from '../../../domain/cycles/status';
import { cyclePlans, planColumns, planCounts, planSummaries } from '../../../domain/plans/cycle-plans';
import { type Cycle, isAllCursor } from '../../../domain/platform/table';
import { exportCycle } from '../../../domain/reviews/export';
import { conflict, invalid, jsonResult, notFound, parseJson, validationProblem } from '../../shared/http';
import {
  AddParticipantsInput,
  CancelCycleInput,
  ExtendCycleInput,
  ListCyclesQuery,
  ScheduleCycleInput,
} from '../hr-schemas';
import {
  cycleOr404,
  hrOnly,
  idempotencyKey,
  pathParam,
  type Routes,
  unknownEmployees,
  unknownTemplate,
} from './route';

/*
 * Cycles, all HR's: listing them, scheduling one, where it stands, the levers (extend, cancel, add or take out
 * people) and the export of its results. Where it stands and the export include the development
 * plans its reviews led to, which domain/cycles and domain/reviews cannot read (domain/plans is
 * below them), so they are joined here.
 */

/** For cycleOr404: HR's levers work while the cycle is scheduled or running. */
const whenClosed = (cycle: Cycle): string | undefined =>
  takesChanges(cycle) ? undefined : `the cycle is ${cycle.status}`;

export const cycleRoutes: Routes = {
  'POST /cycles': hrOnly(async (event, caller) => {
    const body = parseJson(event, ScheduleCycleInput);
    if (!body.ok) return body.result;
    const { startAt } = body.value;
    const result = await createCycle(
      { ...body.value, startAt: startAt ? new Date(startAt) : undefined },
      caller.employeeId,
      idempotencyKey(event),
    );
    switch (result.outcome) {
      case 'no-template':
        return unknownTemplate(result.templateId);
      case 'nobody':
        return invalid('participants', 'the template selects nobody');
      case 'unknown-employees':
        return unknownEmployees('participants', result.missing, 10);
      default:
        return jsonResult(201, {
          cycleId: result.cycle.cycleId,
          executionName: result.executionName,
          cycle: result.cycle,
        });
    }
  }),

  'GET /cycles': hrOnly(async (event) => {
    const query = ListCyclesQuery.safeParse(event.queryStringParameters ?? {});
    if (!query.success) return validationProblem(query.error);
    const { cursor } = query.data;
    if (cursor !== undefined && !isAllCursor('cycle', cursor))
      return invalid('cursor', 'not a cursor this list gave out');
    const page = await listCycles(query.data);
    return jsonResult(200, { cycles: page.cycles, ...(page.next ? { next: page.next } : {}) });
  }),

  'GET /cycles/{cycleId}': hrOnly(async (event) => {
    const cycle = await cycleOr404(event);
    if (!cycle.ok) return cycle.result;
    const [status, plans] = await Promise.all([cycleStatus(cycle.value), cyclePlans(cycle.value.cycleId)]);
    return jsonResult(200, { ...status, plans: planCounts(plans), planSummaries: planSummaries(plans) });
  }),

  'POST /cycles/{cycleId}/extend': hrOnly(async (event, caller) => {
    const body = parseJson(event, ExtendCycleInput);
    if (!body.ok) return body.result;
    const cycle = await cycleOr404(event, whenClosed);
    if (!cycle.ok) return cycle.result;
    const result = await extendCycle(cycle.value, body.value, caller.employeeId);
    if (result.outcome === 'stale')
      return conflict('another extension of the cycle went in at the same moment; read it and extend again');
    return jsonResult(200, { extended: result.requests, ...body.value });
  }),

  'POST /cycles/{cycleId}/cancel': hrOnly(async (event, caller) => {
    const body = parseJson(event, CancelCycleInput);
    if (!body.ok) return body.result;
    const cycle = await cycleOr404(event, (c) =>
      takesChanges(c) ? undefined : `the cycle is already ${c.status}`,
    );
    if (!cycle.ok) return cycle.result;
    const { stopped } = await cancelCycle(cycle.value, body.value.reason, caller.employeeId);
    return jsonResult(200, { cancelled: true, reviews: stopped });
  }),

  'POST /cycles/{cycleId}/participants': hrOnly(async (event, caller) => {
    const body = parseJson(event, AddParticipantsInput);
    if (!body.ok) return body.result;
    const cycle = await cycleOr404(event, whenClosed);
    if (!cycle.ok) return cycle.result;
    const result = await addParticipants(cycle.value, body.value.employeeIds, caller.employeeId);
    if (result.outcome === 'unknown-employees') return unknownEmployees('employeeIds', result.missing);
    return jsonResult(200, { added: result.added, alreadyIn: result.alreadyIn });
  }),

  'DELETE /cycles/{cycleId}/participants/{employeeId}': hrOnly(async (event, caller) => {
    const cycle = await cycleOr404(event);
    if (!cycle.ok) return cycle.result;
    const employeeId = pathParam(event, 'employeeId');
    const outcome = await removeParticipant(cycle.value, employeeId, caller.employeeId);
    if (outcome === 'not-found')
      return notFound('employeeId', `${employeeId} is not in this cycle`, 'not in this cycle');
    if (outcome === 'finished') return conflict('that review has already finished');
    return jsonResult(200, { removed: employeeId });
  }),

  'GET /cycles/{cycleId}/export': hrOnly(async (event) => {
    const cycle = await cycleOr404(event);
    if (!cycle.ok) return cycle.result;
    return {
      statusCode: 200,
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="cycle-${cycle.value.cycleId}.csv"`,
        'cache-control': 'no-store',
      },
      body: await exportCycle(cycle.value.cycleId, planColumns(cycle.value.cycleId)),
    };
  }),
};

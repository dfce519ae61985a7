import { addressedView, openRequestsFor } from '../../../domain/human-steps/addressed';
import { accessTo, canRead } from '../../../domain/people/access';
import { aspirationFor, setAspiration } from '../../../domain/people/aspiration';
import { directReports, employeeById, employeesPage, upsertEmployees } from '../../../domain/people/org';
import {
  forbidden,
  invalid,
  jsonResult,
  notFound,
  parseJson,
  problem,
  validationProblem,
} from '../../shared/http';
import { PageQuery, PutAspirationInput, PutEmployeesInput } from '../hr-schemas';
import { followManagerChanges, hrOnly, pathParam, type Routes } from './route';

/*
 * Employees: the whole organisation a page at a time for HR, one read by whoever may see them, HR's
 * writes of many at once, and each one's career aspiration, read like the employee and set by them,
 * their direct manager or HR; who reports to them, and what they owe (the requests addressed to them
 * still to answer).
 */

export const employeeRoutes: Routes = {
  'GET /employees': hrOnly(async (event) => {
    const query = PageQuery.safeParse(event.queryStringParameters ?? {});
    if (!query.success) return validationProblem(query.error);
    return jsonResult(200, await employeesPage(query.data));
  }),

  'GET /employees/{employeeId}': async (event, caller) => {
    const employeeId = pathParam(event, 'employeeId');
    if (!canRead(await accessTo(caller, employeeId)))
      return forbidden('You may read yourself and your reporting line');
    const employee = await employeeById(employeeId);
    if (!employee) return notFound('employeeId', `no employee ${employeeId}`);
    return jsonResult(200, { employee });
  },

  'GET /employees/{employeeId}/reports': async (event, caller) => {
    const employeeId = pathParam(event, 'employeeId');
    if (!canRead(await accessTo(caller, employeeId)))
      return forbidden('You may read yourself and your reporting line');
    const reports = await directReports(employeeId);
    return jsonResult(200, {
      reports: reports.map((r) => ({
        employeeId: r.employeeId,
        name: r.name,
        title: r.title,
        ...(r.department ? { department: r.department } : {}),
        status: r.status,
      })),
    });
  },

  'GET /employees/{employeeId}/requests': async (event, caller) => {
    const employeeId = pathParam(event, 'employeeId');
    if (!canRead(await accessTo(caller, employeeId)))
      return forbidden('You may read yourself and your reporting line');
    const requests = await openRequestsFor(employeeId);
    // The signed links are the recipient's own: HR and managers see what is owed, not how to answer it.
    const own = caller.employeeId === employeeId;
    return jsonResult(200, { requests: await Promise.all(requests.map((r) => addressedView(r, own))) });
  },

  'GET /employees/{employeeId}/aspiration': async (event, caller) => {
    const employeeId = pathParam(event, 'employeeId');
    const found = await aspirationFor(employeeId, caller);
    if (found.outcome === 'forbidden') return forbidden('You may read yourself and your reporting line');
    if (found.outcome === 'none') return notFound('employeeId', `no aspiration recorded for ${employeeId}`);
    return jsonResult(200, { aspiration: found.aspiration });
  },

  'PUT /employees/{employeeId}/aspiration': async (event, caller) => {
    const body = parseJson(event, PutAspirationInput);
    if (!body.ok) return body.result;
    const employeeId = pathParam(event, 'employeeId');
    const result = await setAspiration(employeeId, body.value, caller);
    switch (result.outcome) {
      case 'forbidden':
        return forbidden('An aspiration is set by the employee, their direct manager or HR');
      case 'unknown-employee':
        return notFound('employeeId', `no employee ${employeeId}`);
      case 'stale': {
        const now = result.aspiration?.revision ?? (result.aspiration ? 1 : undefined);
        return problem(
          409,
          'Conflict',
          `revision: the aspiration was saved again since; ${now === undefined ? 'none is recorded now' : `it is at revision ${now} now`}`,
          [{ field: 'revision', message: 'the aspiration was saved again since this revision' }],
          { aspiration: result.aspiration ?? null },
        );
      }
      default:
        return jsonResult(200, { aspiration: result.aspiration });
    }
  },

  'PUT /employees': hrOnly(async (event, caller) => {
    const body = parseJson(event, PutEmployeesInput);
    if (!body.ok) return body.result;
    const ids = body.value.employees.map((e) => e.employeeId);
    const duplicate = ids.find((v, i) => ids.indexOf(v) !== i);
    if (duplicate) return invalid(`employees.${ids.lastIndexOf(duplicate)}.employeeId`, 'duplicate id');
    const result = await upsertEmployees(body.value.employees, caller.employeeId, followManagerChanges);
    switch (result.outcome) {
      case 'stale':
        return problem(
          409,
          'Conflict',
          `changed since the revision sent: ${result.employeeIds.join(', ')}; read them again and send the change from their revision now. Nothing was written.`,
          [],
          { employeeIds: result.employeeIds },
        );
      case 'conflict':
        return problem(
          409,
          'Conflict',
          `another write changed ${result.employeeIds.join(', ')} while this one ran: they were not written, the other ${result.written} were. Send them again.`,
          [],
          {
            employeeIds: result.employeeIds,
            upserted: result.written,
            ...(result.movedRequests.length ? { movedRequests: result.movedRequests } : {}),
          },
        );
      default: {
        const { movedRequests } = result;
        return jsonResult(200, { upserted: ids.length, ...(movedRequests.length ? { movedRequests } : {}) });
      }
    }
  }),
};

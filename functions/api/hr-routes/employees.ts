import { accessTo, canRead } from '../../../domain/people/access';
import { employeeById, upsertEmployees } from '../../../domain/people/org';
import { followManagerChanges } from '../../../domain/reviews/manager-change';
import { forbidden, invalid, jsonResult, notFound, parseJson } from '../../shared/http';
import { PutEmployeesInput } from '../hr-schemas';
import { hrOnly, pathParam, type Routes } from './route';

/* Employees: one read by whoever may see them, and HR's writes of many at once. */

export const employeeRoutes: Routes = {
  'GET /employees/{employeeId}': async (event, caller) => {
    const employeeId = pathParam(event, 'employeeId');
    if (!canRead(await accessTo(caller, employeeId)))
      return forbidden('You may read yourself and your reporting line');
    const employee = await employeeById(employeeId);
    if (!employee) return notFound('employeeId', `no employee ${employeeId}`);
    return jsonResult(200, { employee });
  },

  'PUT /employees': hrOnly(async (event, caller) => {
    const body = parseJson(event, PutEmployeesInput);
    if (!body.ok) return body.result;
    const ids = body.value.employees.map((e) => e.employeeId);
    const duplicate = ids.find((v, i) => ids.indexOf(v) !== i);
    if (duplicate) return invalid(`employees.${ids.lastIndexOf(duplicate)}.employeeId`, 'duplicate id');
    const { movedRequests } = await upsertEmployees(
      body.value.employees,
      caller.employeeId,
      followManagerChanges,
    );
    return jsonResult(200, { upserted: ids.length, ...(movedRequests.length ? { movedRequests } : {}) });
  }),
};

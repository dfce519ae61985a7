import { auditOfDay, auditTrail } from '../../../domain/platform/audit';
import { now } from '../../../domain/platform/clock';
import { invalid, jsonResult, validationProblem } from '../../shared/http';
import { AuditDayQuery } from '../hr-schemas';
import { hrOnly, pathParam, type Routes } from './route';

/* The audit trail, for HR: a day's changes across the organisation, and one entity's whole trail. */

const ENTITY_KEY = 'such as org, cycle#ID, plan#ID, goal#ID, template#ID';

/** The key as the caller wrote it (`#` travels as %23); undefined for a malformed escape such as "%E0%A4". */
const decoded = (value: string): string | undefined => {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
};

export const auditRoutes: Routes = {
  'GET /audit': hrOnly(async (event) => {
    const query = AuditDayQuery.safeParse(event.queryStringParameters ?? {});
    if (!query.success) return validationProblem(query.error);
    const day = query.data.day ?? now().toISOString().slice(0, 10);
    return jsonResult(200, { day, ...(await auditOfDay(day, query.data)) });
  }),
  'GET /audit/{entityKey}': hrOnly(async (event) => {
    const entityKey = decoded(pathParam(event, 'entityKey'));
    if (entityKey === undefined || !/^[a-z-]+(#[A-Za-z0-9_.-]+)?$/.test(entityKey))
      return invalid('entityKey', ENTITY_KEY);
    return jsonResult(200, { entityKey, events: await auditTrail(entityKey) });
  }),
};

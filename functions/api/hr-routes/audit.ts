import { auditTrail } from '../../../domain/platform/audit';
import { invalid, jsonResult } from '../../shared/http';
import { hrOnly, pathParam, type Routes } from './route';

/* The audit trail of one entity, for HR. */

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
  'GET /audit/{entityKey}': hrOnly(async (event) => {
    const entityKey = decoded(pathParam(event, 'entityKey'));
    if (entityKey === undefined || !/^[a-z-]+(#[A-Za-z0-9_.-]+)?$/.test(entityKey))
      return invalid('entityKey', ENTITY_KEY);
    return jsonResult(200, { entityKey, events: await auditTrail(entityKey) });
  }),
};

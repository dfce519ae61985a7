import { importOrganisation, previewImport, type Unreadable } from '../../../domain/people/org';
import { type HttpResult, invalid, jsonResult, parseJson, problem } from '../../shared/http';
import { ImportOrgInput, PreviewOrgInput } from '../hr-schemas';
import { followManagerChanges, hrOnly, type Routes } from './route';

/* The organisation imported from an HRIS export, CSV or JSON rows: previewed, then applied. */

/** 400 for a file that cannot be read at all, naming what is wrong with it. */
const unreadable = (result: Unreadable): HttpResult => {
  switch (result.outcome) {
    case 'bad-csv':
      return invalid('csv', result.message);
    case 'bad-mapping':
      return invalid('map', result.problems.join('; '));
    case 'missing-columns':
      return invalid(
        'csv',
        `missing columns: ${result.columns.join(', ')}`,
        `missing columns ${result.columns.join(', ')} (name their columns in the export with map)`,
      );
  }
};

export const orgRoutes: Routes = {
  'POST /org/import': hrOnly(async (event, caller) => {
    const body = parseJson(event, ImportOrgInput);
    if (!body.ok) return body.result;
    const result = await importOrganisation(body.value, caller.employeeId, followManagerChanges);
    switch (result.outcome) {
      case 'rejected': {
        const { report } = result;
        // The report goes with the refusal, so HR sees every bad row at once.
        const detail = `${report.errors.length} problem(s) in ${report.counts.invalid} row(s); nothing was written`;
        return problem(422, 'Import rejected', detail, [], report);
      }
      case 'reported':
        return jsonResult(200, result.report);
      case 'conflict': {
        const { report } = result;
        const detail = `${report.conflicts.length} employee(s) changed by another write while this import ran were not written; the rest were. Import the file again to write them.`;
        return problem(409, 'Conflict', detail, [], report);
      }
      default:
        return unreadable(result);
    }
  }),
  'POST /org/import/preview': hrOnly(async (event) => {
    const body = parseJson(event, PreviewOrgInput);
    if (!body.ok) return body.result;
    const result = await previewImport(body.value);
    return result.outcome === 'preview' ? jsonResult(200, result.preview) : unreadable(result);
  }),
};

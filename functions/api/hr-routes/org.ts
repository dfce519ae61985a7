import { importOrganisation } from '../../../domain/people/org';
import { invalid, jsonResult, parseJson, problem } from '../../shared/http';
import { ImportOrgInput } from '../hr-schemas';
import { followManagerChanges, hrOnly, type Routes } from './route';

/* The organisation imported from an HRIS export, CSV or JSON rows. */

export const orgRoutes: Routes = {
  'POST /org/import': hrOnly(async (event, caller) => {
    const body = parseJson(event, ImportOrgInput);
    if (!body.ok) return body.result;
    const result = await importOrganisation(body.value, caller.employeeId, followManagerChanges);
    switch (result.outcome) {
      case 'bad-csv':
        return invalid('csv', result.message);
      case 'missing-columns':
        return invalid(
          'csv',
          `missing columns: ${result.columns.join(', ')}`,
          `missing columns ${result.columns.join(', ')}`,
        );
      case 'rejected': {
        const { report } = result;
        // The report goes with the refusal, so HR sees every bad row at once.
        const detail = `${report.errors.length} problem(s) in ${report.counts.invalid} row(s); nothing was written`;
        return problem(422, 'Import rejected', detail, [], report);
      }
      default:
        return jsonResult(200, result.report);
    }
  }),
};

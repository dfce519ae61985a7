import { IMPORT_FIELDS, type ImportField } from '../../../domain/people/hris';
import { html } from '../../../domain/platform/html';

/*
 * The column mapping of HR's import page, as a form: one select per column of the export, named by
 * the column's position, offering every field of ours or "leave out"; and the mapping read back from
 * such a form, for the HR API's `map`. The export's own header names travel with the CSV, never in
 * field names, so any header (quotes, angle brackets, a thousand characters) is safe.
 */

/** How a column of the export is used: the preview's `columns`, or the mapping just chosen. */
export type ColumnChoice = { header: string; field?: string | undefined };

const FIELD_LABEL: Record<ImportField, string> = {
  employee_id: 'Employee id',
  name: 'Name',
  email: 'Email',
  manager_id: 'Manager id',
  job_title: 'Job title',
  track: 'Track',
  level: 'Level',
  department: 'Department',
  location: 'Location',
  time_zone: 'Time zone',
  start_date: 'Start date',
  status: 'Status',
  termination_date: 'Termination date (decides a blank status)',
  active: 'Active flag (decides a blank status)',
};

/** The form field of the column at `index`. */
export const columnField = (index: number) => `column.${index}`;

/** One labelled select per column, each pre-chosen as the column is used now. */
export const mappingSelects = (columns: ColumnChoice[]) =>
  html`${columns.map(
    (c, i) => html`<tr><th scope="row"><label for="column-${String(i)}">${c.header}</label></th>
<td><select id="column-${String(i)}" name="${columnField(i)}">
<option value=""${c.field ? '' : html` selected`}>Leave out</option>
${IMPORT_FIELDS.map((f) => html`<option value="${f}"${c.field === f ? html` selected` : ''}>${FIELD_LABEL[f]}</option>`)}
</select></td></tr>`,
  )}`;

/**
 * The mapping a form gives: every column named explicitly (a field, or '' to leave it out), so what
 * HR saw is what is imported. Undefined when the form carries no choice (the first preview).
 */
export const mappingFromForm = (
  headers: string[],
  form: URLSearchParams,
): Record<string, string> | undefined => {
  if (!headers.some((_, i) => form.has(columnField(i)))) return undefined;
  const known = new Set<string>(IMPORT_FIELDS);
  return Object.fromEntries(
    headers.map((header, i) => {
      const chosen = form.get(columnField(i)) ?? '';
      return [header, known.has(chosen) ? chosen : ''];
    }),
  );
};

import { html } from '../../../domain/platform/html';
import type { CalibrationRow } from '../../../domain/reviews/calibration';
import { callRoute } from '../hr-routes';
import { type StackedRow, stackedBars } from './charts';
import { fieldsForm, numberOr } from './hr-cycles';
import { namesOf } from './names';
import { actionOutcome, appPage, day, link, noticeOf, type Pages, refusal, table } from './shell';

/*
 * A cycle's calibration, for HR: how the ratings fall per department and per manager (the
 * calibrated rating where HR changed one), every adjustment made with who, from, to, by whom and
 * why, and a form to calibrate one review's overall rating through the HR API's calibration route.
 */

type CalibrationAnswer = { scale: { min: number; max: number }; reviews: CalibrationRow[] };

/** The scale's points, lowest first, as the chart's categories. */
const pointsOf = (scale: CalibrationAnswer['scale']): number[] =>
  Array.from({ length: scale.max - scale.min + 1 }, (_, i) => scale.min + i);

/**
 * Rated participants counted by point of the scale, per group (department, manager), groups by
 * name; a rating between points (a template's weighted overall) counts at its nearest point.
 */
export const distribution = (
  rows: CalibrationRow[],
  scale: CalibrationAnswer['scale'],
  groupOf: (row: CalibrationRow) => string,
): StackedRow[] => {
  const points = pointsOf(scale);
  const groups = new Map<string, number[]>();
  for (const row of rows) {
    if (row.final === undefined) continue;
    const point = Math.min(scale.max, Math.max(scale.min, Math.round(row.final)));
    const label = groupOf(row);
    const counts = groups.get(label) ?? points.map(() => 0);
    counts[point - scale.min] = (counts[point - scale.min] ?? 0) + 1;
    groups.set(label, counts);
  }
  return [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([label, counts]) => ({ label, counts }));
};

const NOTICES = ['Review calibrated.'] as const;

const calibrationPath = (cycleId: string) => `/hr/cycles/${encodeURIComponent(cycleId)}/calibration`;

/** "craft 2 → 3; coaching 3 → 2": the competency ratings HR changed. */
const ratingChanges = (row: CalibrationRow): string =>
  Object.entries(row.calibration?.ratings ?? {})
    .map(([id, r]) => `${id} ${r.original ?? '–'} → ${r.calibrated}`)
    .join('; ');

export const hrCalibrationPages: Pages = {
  'GET /hr/cycles/{cycleId}/calibration': {
    audience: 'hr',
    summary:
      'HR: ratings by department and by manager, the adjustments made, and a form to calibrate a review',
    handle: async ({ event, user, principal }) => {
      const cycleId = event.pathParameters?.cycleId ?? '';
      const back = `/hr/cycles/${encodeURIComponent(cycleId)}`;
      const [read, cycle] = await Promise.all([
        callRoute('GET /cycles/{cycleId}/calibration', principal, { path: { cycleId } }),
        callRoute('GET /cycles/{cycleId}', principal, { path: { cycleId } }),
      ]);
      if (read.status !== 200) return refusal(user, read, '/hr/cycles');
      const { scale, reviews } = read.body as CalibrationAnswer;
      const name = (cycle.body as { cycle?: { name?: string } } | undefined)?.cycle?.name ?? cycleId;
      const adjusted = reviews.filter((r) => r.calibration);
      const nameOf = await namesOf(
        principal,
        adjusted.map((r) => r.calibration?.by),
      );
      const categories = pointsOf(scale).map(String);
      const rated = reviews.filter((r) => r.final !== undefined);
      const manager = (r: CalibrationRow) => r.managerName ?? r.managerId;
      const person = (r: CalibrationRow) => r.name ?? r.employeeId;
      const body = html`<p>${link(back, `Back to ${name}`)}</p>
<p>${String(rated.length)} of ${String(reviews.length)} participants have a rating (the manager’s, or HR’s calibrated one), on a scale of ${String(scale.min)} to ${String(scale.max)}.</p>
<h2>By department</h2>
${stackedBars({
  id: 'by-department',
  title: 'Ratings by department',
  caption: 'How many participants of each department have each rating.',
  categories: categories.map((c) => `Rating ${c}`),
  rows: distribution(reviews, scale, (r) => r.department ?? 'No department'),
})}
<h2>By manager</h2>
${stackedBars({
  id: 'by-manager',
  title: 'Ratings by manager',
  caption: 'How many of each manager’s reports have each rating.',
  categories: categories.map((c) => `Rating ${c}`),
  rows: distribution(reviews, scale, manager),
})}
<h2>Adjustments</h2>
${table(
  'Ratings HR calibrated',
  [
    'Who',
    'Manager',
    { label: 'From', num: true },
    { label: 'To', num: true },
    'Competencies',
    'By',
    'When',
    'Why',
  ],
  adjusted.map((r) => [
    person(r),
    manager(r),
    r.calibration?.overall?.original ?? '',
    r.calibration?.overall?.calibrated ?? '',
    ratingChanges(r),
    nameOf(r.calibration?.by),
    day(r.calibration?.at),
    r.calibration?.justification ?? '',
  ]),
  'none yet.',
)}
<h2>Calibrate a review</h2>
${
  rated.length
    ? html`<fieldset><legend>Calibrate an overall rating</legend>${fieldsForm(
        user,
        calibrationPath(cycleId),
        html`<label for="employeeId">Participant</label><select id="employeeId" name="employeeId" required>${rated.map(
          (r) =>
            html`<option value="${r.employeeId}">${person(r)} (${manager(r)}): ${String(r.final)}</option>`,
        )}</select>
<label for="overall">Calibrated overall rating (${String(scale.min)} to ${String(scale.max)})</label><input type="number" id="overall" name="overall" min="${String(scale.min)}" max="${String(scale.max)}" step="any" required>
<label for="justification">Why</label><textarea id="justification" name="justification" required></textarea>`,
        'Calibrate',
      )}</fieldset>`
    : html`<p class="note">No manager appraisal is in yet: there is nothing to calibrate.</p>`
}`;
      return appPage(user, `Calibration: ${name}`, body, {
        path: back,
        notice: noticeOf(event, NOTICES),
      });
    },
  },

  'POST /hr/cycles/{cycleId}/calibration': {
    audience: 'hr',
    summary: 'HR: calibrate one review’s overall rating (employeeId, overall, justification)',
    handle: async ({ event, form, user, principal }) => {
      const cycleId = event.pathParameters?.cycleId ?? '';
      const back = calibrationPath(cycleId);
      const answer = await callRoute('POST /cycles/{cycleId}/reviews/{employeeId}/calibration', principal, {
        path: { cycleId, employeeId: form.get('employeeId') ?? '' },
        body: {
          ...(numberOr(form.get('overall')) === undefined ? {} : { overall: numberOr(form.get('overall')) }),
          justification: form.get('justification') ?? '',
        },
      });
      return actionOutcome(user, answer, 200, back, 'Review calibrated.');
    },
  },
};

import type { Calibration, GapAnalysis } from '../catalog/ratings';
import { type Acknowledgment, db } from '../platform/table';
import { peerFeedbackView } from './peer-view';

/*
 * A cycle's results as CSV for HR, one row per participant: outcome, ratings, calibration, gaps and
 * strengths, release and acknowledgment. Peer answers are combined, never attributed.
 */

const csvField = (value: unknown): string => {
  const text = value === undefined || value === null ? '' : String(value);
  // Quote what needs it; prefix formulas so a spreadsheet never runs a cell (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export const EXPORT_COLUMNS = [
  'employee_id',
  'name',
  'manager_id',
  'review_status',
  'self_rating',
  'manager_rating',
  'peer_responses',
  'peer_average',
  'development_needs',
  'finished_at',
  'overall_rating',
  'calibrated_overall',
  'gaps',
  'strengths',
  'released_at',
  'acknowledged_at',
  'disagreement',
] as const;

/** "craft -2; coaching -1": the ranked gaps, or the strengths, of a stored gap analysis. */
const gapList = (analysis: GapAnalysis | undefined, which: 'gaps' | 'strengths'): string => {
  if (!analysis) return '';
  const byId = new Map(analysis.items.map((i) => [i.competencyId, i]));
  return analysis[which]
    .map((id) => {
      const gap = byId.get(id)?.gap ?? 0;
      return `${id} ${gap > 0 ? '+' : ''}${gap}`;
    })
    .join('; ');
};

/**
 * Columns a folder below this one adds after the review's (the participant's development plan, from
 * domain/plans), read per participant as their row is written.
 */
export type MoreColumns = {
  columns: readonly string[];
  cells: (employeeId: string) => Promise<ReadonlyArray<string | number | undefined>>;
};

/** The cycle's results as CSV, one row per participant, for HR (peer answers combined, not attributed). */
export const exportCycle = async (cycleId: string, more?: MoreColumns): Promise<string> => {
  const reviews = (await db().review.query.byCycle({ cycleId }).go({ pages: 'all' })).data;
  const rows = [[...EXPORT_COLUMNS, ...(more?.columns ?? [])].join(',')];
  for (const r of reviews) {
    const [person, peers, extra] = await Promise.all([
      db().employee.get({ employeeId: r.employeeId }).go(),
      peerFeedbackView(cycleId, r.employeeId, 'employee', 1),
      more?.cells(r.employeeId) ?? [],
    ]);
    const self = r.selfAssessment as Record<string, unknown> | undefined;
    const manager = r.managerAppraisal as Record<string, unknown> | undefined;
    rows.push(
      [
        r.employeeId,
        person.data?.name,
        r.managerId,
        r.status,
        self?.rating,
        manager?.rating,
        peers.visibility === 'aggregated' ? peers.responses : 0,
        peers.visibility === 'aggregated' ? peers.averageRating : '',
        manager?.developmentNeeds,
        r.finishedAt,
        r.overallRating,
        (r.calibration as Calibration | undefined)?.overall?.calibrated,
        gapList(r.gapAnalysis as GapAnalysis | undefined, 'gaps'),
        gapList(r.gapAnalysis as GapAnalysis | undefined, 'strengths'),
        r.releasedAt,
        (r.acknowledgment as Acknowledgment | undefined)?.at,
        (r.acknowledgment as Acknowledgment | undefined)?.disagreement,
        ...extra,
      ]
        .map(csvField)
        .join(','),
    );
  }
  return `${rows.join('\r\n')}\r\n`;
};

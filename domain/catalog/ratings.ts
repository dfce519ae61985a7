import type { Framework, Template } from './documents';

/*
 * What an appraisal computes from its ratings, as pure functions: the overall rating from the
 * template's weighted formula, calibration (HR's adjustments, originals kept), and the gap analysis
 * against the level the framework expects of the employee's role, and of the role they aim for next,
 * which the development plan is drafted from. No I/O here: the stores call these with what they read.
 */

export type ItemType = Framework['competencies'][number]['type'];
export type Weights = Template['overallRating']['weights'];

/** Which part of the overall formula an item's rating counts towards. Values are lived through behaviour. */
export const partOf = (type: ItemType): 'competencies' | 'behaviours' =>
  type === 'competency' ? 'competencies' : 'behaviours';

const round2 = (n: number) => Math.round(n * 100) / 100;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export type OverallInput = {
  /** Goal ratings with each goal's weight (a goal of weight 0 still counts, as weight 1 of nothing). */
  goals: Array<{ rating: number; weight: number }>;
  /** Ratings of framework items, with the item's type. */
  items: Array<{ rating: number; type: ItemType }>;
};

/**
 * The overall rating: each part (goals, competencies, behaviours) is the mean of its ratings (goals
 * weighted by their own weights), and the parts are combined with the template's weights. A part with
 * nothing rated (no live goals, say) drops out and the remaining weights are scaled up, so a missing
 * part neither drags the rating down nor lifts it. Undefined when nothing at all was rated.
 */
export const overallRating = (weights: Weights, input: OverallInput): number | undefined => {
  const parts: Array<{ weight: number; value: number }> = [];
  if (input.goals.length) {
    const total = input.goals.reduce((s, g) => s + g.weight, 0);
    const value =
      total > 0
        ? input.goals.reduce((s, g) => s + g.rating * g.weight, 0) / total
        : mean(input.goals.map((g) => g.rating));
    parts.push({ weight: weights.goals, value });
  }
  for (const part of ['competencies', 'behaviours'] as const) {
    const ratings = input.items.filter((i) => partOf(i.type) === part).map((i) => i.rating);
    if (ratings.length) parts.push({ weight: weights[part], value: mean(ratings) });
  }
  if (!parts.length) return undefined;
  const weightSum = parts.reduce((s, p) => s + p.weight, 0);
  // Every present part weighted 0 (a template that only weighs an absent part): plain mean of the parts.
  if (weightSum === 0) return round2(mean(parts.map((p) => p.value)));
  return round2(parts.reduce((s, p) => s + p.weight * p.value, 0) / weightSum);
};

export type Calibration = {
  overall?: { original: number | null; calibrated: number };
  ratings: Record<string, { original: number | null; calibrated: number }>;
  justification: string;
  by: string;
  at: string;
};

export type CalibrationRequest = {
  overall?: number;
  ratings?: Record<string, number>;
  justification: string;
};

export type CalibrationProblem = { field: string; message: string };

/**
 * Checks a calibration against the scale and what the manager rated, and merges it into the previous
 * one: the original is always the manager's value, however often HR calibrates; the latest calibrated
 * value and justification win.
 */
export const calibrate = (
  scale: { min: number; max: number },
  manager: { overall: number | null; ratings: Record<string, number> },
  previous: Calibration | undefined,
  change: CalibrationRequest,
  who: { by: string; at: string },
): { ok: true; calibration: Calibration } | { ok: false; problems: CalibrationProblem[] } => {
  const problems: CalibrationProblem[] = [];
  const ratings = change.ratings ?? {};
  if (change.overall === undefined && Object.keys(ratings).length === 0) {
    problems.push({ field: 'overall', message: 'give an overall rating, competency ratings, or both' });
  }
  if (change.overall !== undefined && (change.overall < scale.min || change.overall > scale.max)) {
    problems.push({ field: 'overall', message: `must be from ${scale.min} to ${scale.max}` });
  }
  for (const [id, value] of Object.entries(ratings)) {
    if (!(id in manager.ratings)) {
      problems.push({ field: `ratings.${id}`, message: 'the manager did not rate this' });
    } else if (!Number.isInteger(value) || value < scale.min || value > scale.max) {
      problems.push({
        field: `ratings.${id}`,
        message: `must be a whole number from ${scale.min} to ${scale.max}`,
      });
    }
  }
  if (problems.length) return { ok: false, problems };
  const merged: Calibration = {
    ...(previous?.overall ? { overall: previous.overall } : {}),
    ratings: { ...(previous?.ratings ?? {}) },
    justification: change.justification,
    ...who,
  };
  if (change.overall !== undefined) {
    merged.overall = { original: manager.overall, calibrated: change.overall };
  }
  for (const [id, value] of Object.entries(ratings)) {
    merged.ratings[id] = { original: manager.ratings[id] ?? null, calibrated: value };
  }
  return { ok: true, calibration: merged };
};

/** The manager's item ratings with HR's calibrated values in their place. */
export const effectiveRatings = (
  manager: Record<string, number>,
  calibration: Calibration | undefined,
): Record<string, number> => ({
  ...manager,
  ...Object.fromEntries(Object.entries(calibration?.ratings ?? {}).map(([id, r]) => [id, r.calibrated])),
});

export type Role = { track?: string | undefined; level: number };

/**
 * The expectation that applies to a role: the one for the same track and level, else one for the
 * level that names no track. None when the framework sets no expectation for the role.
 */
export const expectationFor = (
  framework: Framework,
  role: Role,
): Framework['expectations'][number] | undefined =>
  framework.expectations.find(
    (e) => e.track !== undefined && e.track === role.track && e.level === role.level,
  ) ?? framework.expectations.find((e) => e.track === undefined && e.level === role.level);

export type GapItem = {
  competencyId: string;
  name: string;
  type: ItemType;
  expected: number | null;
  self: number | null;
  peerAverage: number | null;
  peerResponses: number;
  /** The manager's rating, or HR's calibrated one. */
  manager: number | null;
  calibrated: boolean;
  /** manager − expected: negative is a shortfall. Null when either is missing. */
  gap: number | null;
  /** What the expected level looks like, from the framework's level descriptors. */
  expectedDescriptor?: string;
};

export type GapAnalysis = {
  role: { track: string | null; level: number };
  /** False when the framework sets no expectation for the employee's track and level. */
  hasExpectation: boolean;
  items: GapItem[];
  /** Ids of items below expectation, largest shortfall first (ties in framework order). */
  gaps: string[];
  /** Ids of items at or above expectation, largest surplus first (ties in framework order). */
  strengths: string[];
  /** The ranked gaps spelled out: what the development plan is drafted from. */
  developmentNeeds: DevelopmentNeed[];
};

/** One item below the level a role expects, with what that level looks like. */
export type DevelopmentNeed = {
  competencyId: string;
  name: string;
  expected: number;
  rating: number;
  /** expected − rating, always positive. */
  shortfall: number;
  expectedDescriptor?: string;
};

export type GapInput = {
  framework: Framework;
  role: Role;
  self: Record<string, number>;
  /** One map of ratings per peer who answered. */
  peers: Array<Record<string, number>>;
  manager: Record<string, number>;
  calibration?: Calibration | undefined;
};

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * For every competency, behaviour and value in the framework: the level expected of the role against
 * the self rating, the peer average and the manager's (or calibrated) rating. Gaps and strengths are
 * judged on the manager's or calibrated rating, the one that counts; an item without it, or without
 * an expectation, is listed but neither a gap nor a strength.
 */
export const gapAnalysis = (input: GapInput): GapAnalysis => {
  const expectation = expectationFor(input.framework, input.role);
  const basis = effectiveRatings(input.manager, input.calibration);
  const items: GapItem[] = input.framework.competencies.map((c) => {
    const expected = expectation?.expected[c.id] ?? null;
    const peerRatings = input.peers.map((p) => p[c.id]).filter((r): r is number => typeof r === 'number');
    const manager = basis[c.id] ?? null;
    const descriptor = expected === null ? undefined : c.levels?.[String(expected)];
    return {
      competencyId: c.id,
      name: c.name,
      type: c.type,
      expected,
      self: input.self[c.id] ?? null,
      peerAverage: peerRatings.length ? round1(mean(peerRatings)) : null,
      peerResponses: peerRatings.length,
      manager,
      calibrated: input.calibration?.ratings[c.id] !== undefined,
      gap: expected !== null && manager !== null ? manager - expected : null,
      ...(descriptor ? { expectedDescriptor: descriptor } : {}),
    };
  });
  const order = new Map(items.map((i, n) => [i.competencyId, n]));
  const byFrameworkOrder = (a: GapItem, b: GapItem) =>
    (order.get(a.competencyId) ?? 0) - (order.get(b.competencyId) ?? 0);
  const judged = items.filter((i): i is GapItem & { gap: number } => i.gap !== null);
  const below = judged.filter((i) => i.gap < 0).sort((a, b) => a.gap - b.gap || byFrameworkOrder(a, b));
  const atOrAbove = judged.filter((i) => i.gap >= 0).sort((a, b) => b.gap - a.gap || byFrameworkOrder(a, b));
  return {
    role: { track: input.role.track ?? null, level: input.role.level },
    hasExpectation: expectation !== undefined,
    items,
    gaps: below.map((i) => i.competencyId),
    strengths: atOrAbove.map((i) => i.competencyId),
    developmentNeeds: below.map((i) => ({
      competencyId: i.competencyId,
      name: i.name,
      expected: i.expected as number,
      rating: i.manager as number,
      shortfall: -i.gap,
      ...(i.expectedDescriptor ? { expectedDescriptor: i.expectedDescriptor } : {}),
    })),
  };
};

/**
 * The gap analysis as a viewer may see it: below the anonymity threshold of peer answers, anyone
 * but HR sees no peer averages (a single peer's rating would otherwise show through).
 */
export const gapAnalysisFor = (
  analysis: GapAnalysis,
  viewer: 'hr' | 'employee',
  threshold: number,
): GapAnalysis =>
  viewer === 'hr'
    ? analysis
    : {
        ...analysis,
        items: analysis.items.map((i) =>
          i.peerResponses >= threshold ? i : { ...i, peerAverage: null, peerResponses: 0 },
        ),
      };

/**
 * The ratings a gap analysis judged on: the manager's, calibrated where HR calibrated. What a
 * stored analysis offers `nextLevelGaps` when the review itself is not at hand.
 */
export const judgedRatings = (analysis: Pick<GapAnalysis, 'items'>): Record<string, number> =>
  Object.fromEntries(
    analysis.items.flatMap((i) => (i.manager === null ? [] : [[i.competencyId, i.manager] as const])),
  );

/**
 * What stands between the latest ratings and a role the employee aims for (their career
 * aspiration): the target role's expected levels against the ratings that count (the manager's or
 * calibrated ones, see `effectiveRatings` and `judgedRatings`), ranked as `gapAnalysis` ranks its
 * development needs, because it is that analysis, run for the target role. Undefined when the
 * framework sets no expectation for the target, so a caller can tell "nothing to close" ([]) from
 * "nothing to compare with".
 */
export const nextLevelGaps = (
  framework: Framework,
  target: { track?: string | null | undefined; level: number },
  ratings: Record<string, number>,
): DevelopmentNeed[] | undefined => {
  const role = { track: target.track ?? undefined, level: target.level };
  const analysis = gapAnalysis({ framework, role, self: {}, peers: [], manager: ratings });
  return analysis.hasExpectation ? analysis.developmentNeeds : undefined;
};

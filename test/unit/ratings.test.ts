import { describe, expect, it } from 'vitest';
import { type Framework, FrameworkDoc } from '../../domain/catalog/documents';
import {
  type Calibration,
  calibrate,
  expectationFor,
  gapAnalysis,
  gapAnalysisFor,
  judgedRatings,
  nextLevelGaps,
  overallRating,
} from '../../domain/catalog/ratings';

const WEIGHTS = { goals: 0.5, competencies: 0.3, behaviours: 0.2 };

const framework: Framework = FrameworkDoc.parse({
  kind: 'framework',
  id: 'fw',
  name: 'Framework',
  scale: { min: 1, max: 5, labels: ['a', 'b', 'c', 'd', 'e'] },
  competencies: [
    { id: 'ownership', name: 'Ownership', type: 'value', levels: { '3': 'Sees own work through.' } },
    { id: 'craft', name: 'Craft', type: 'competency' },
    { id: 'collaboration', name: 'Collaboration', type: 'competency' },
    { id: 'coaching', name: 'Coaching', type: 'behaviour', levels: { '4': 'Mentors two people.' } },
  ],
  expectations: [
    { track: 'ic', level: 4, expected: { ownership: 3, craft: 3, collaboration: 3, coaching: 4 } },
    { level: 4, expected: { ownership: 2 } },
    { level: 6, expected: { craft: 5 } },
  ],
});

describe('overallRating', () => {
  it('combines the goals, competencies and behaviours parts with the template weights', () => {
    // goals: (4*60 + 2*40)/100 = 3.2; competencies: mean(4, 3) = 3.5; behaviours (a value and a behaviour): mean(5, 1) = 3
    const overall = overallRating(WEIGHTS, {
      goals: [
        { rating: 4, weight: 60 },
        { rating: 2, weight: 40 },
      ],
      items: [
        { rating: 4, type: 'competency' },
        { rating: 3, type: 'competency' },
        { rating: 5, type: 'value' },
        { rating: 1, type: 'behaviour' },
      ],
    });
    // 0.5 * 3.2 + 0.3 * 3.5 + 0.2 * 3 = 3.25
    expect(overall).toBe(3.25);
  });

  it('drops a part with nothing rated and scales the other weights up', () => {
    // No goals: competencies 4 (weight 0.3) and behaviours 2 (weight 0.2) -> (1.2 + 0.4) / 0.5 = 3.2
    const overall = overallRating(WEIGHTS, {
      goals: [],
      items: [
        { rating: 4, type: 'competency' },
        { rating: 2, type: 'behaviour' },
      ],
    });
    expect(overall).toBe(3.2);
  });

  it('averages goals plainly when every goal weighs zero, and rounds to two decimals', () => {
    const overall = overallRating(
      { goals: 1, competencies: 0, behaviours: 0 },
      {
        goals: [
          { rating: 4, weight: 0 },
          { rating: 3, weight: 0 },
          { rating: 3, weight: 0 },
        ],
        items: [],
      },
    );
    expect(overall).toBe(3.33);
  });

  it('is undefined when nothing was rated', () => {
    expect(overallRating(WEIGHTS, { goals: [], items: [] })).toBeUndefined();
  });
});

describe('calibrate', () => {
  const scale = { min: 1, max: 5 };
  const manager = { overall: 3.4, ratings: { craft: 3, coaching: 2 } };
  const who = { by: 'hr-1', at: '2027-02-01T10:00:00.000Z' };

  it('keeps the manager values as originals beside the calibrated ones, with who and when', () => {
    const result = calibrate(
      scale,
      manager,
      undefined,
      { overall: 3.8, ratings: { craft: 4 }, justification: 'Cross-team evidence' },
      who,
    );
    expect(result).toEqual({
      ok: true,
      calibration: {
        overall: { original: 3.4, calibrated: 3.8 },
        ratings: { craft: { original: 3, calibrated: 4 } },
        justification: 'Cross-team evidence',
        by: 'hr-1',
        at: who.at,
      },
    });
  });

  it('keeps the manager value as the original when HR calibrates a second time', () => {
    const first = calibrate(scale, manager, undefined, { ratings: { craft: 4 }, justification: 'one' }, who);
    if (!first.ok) throw new Error('first calibration refused');
    const second = calibrate(
      scale,
      manager,
      first.calibration,
      { ratings: { craft: 5, coaching: 3 }, justification: 'two' },
      { by: 'hr-2', at: '2027-02-02T10:00:00.000Z' },
    );
    expect(second.ok && second.calibration.ratings).toEqual({
      craft: { original: 3, calibrated: 5 },
      coaching: { original: 2, calibrated: 3 },
    });
    expect(second.ok && [second.calibration.by, second.calibration.justification]).toEqual(['hr-2', 'two']);
  });

  it('refuses values off the scale, items the manager did not rate, and an empty change, naming the field', () => {
    const result = calibrate(
      scale,
      manager,
      undefined,
      { overall: 6, ratings: { craft: 2.5, ownership: 3 }, justification: 'x' },
      who,
    );
    expect(result).toEqual({
      ok: false,
      problems: [
        { field: 'overall', message: 'must be from 1 to 5' },
        { field: 'ratings.craft', message: 'must be a whole number from 1 to 5' },
        { field: 'ratings.ownership', message: 'the manager did not rate this' },
      ],
    });
    expect(calibrate(scale, manager, undefined, { justification: 'x' }, who)).toMatchObject({
      ok: false,
      problems: [{ field: 'overall' }],
    });
  });
});

describe('expectationFor', () => {
  it('prefers the expectation for the same track and level, then one for the level with no track', () => {
    expect(expectationFor(framework, { track: 'ic', level: 4 })?.expected).toMatchObject({ craft: 3 });
    expect(expectationFor(framework, { track: 'management', level: 4 })?.expected).toEqual({ ownership: 2 });
    expect(expectationFor(framework, { track: 'ic', level: 9 })).toBeUndefined();
  });
});

describe('gapAnalysis', () => {
  const role = { track: 'ic', level: 4 };

  it('ranks shortfalls against the manager rating largest first, and lists strengths at or above expectation', () => {
    const analysis = gapAnalysis({
      framework,
      role,
      self: { ownership: 4, craft: 4, collaboration: 3, coaching: 3 },
      peers: [{ craft: 2, coaching: 3 }, { craft: 3, coaching: 4 }, { craft: 3 }],
      manager: { ownership: 5, craft: 2, collaboration: 3, coaching: 1 },
    });
    expect(analysis.gaps).toEqual(['coaching', 'craft']);
    expect(analysis.strengths).toEqual(['ownership', 'collaboration']);
    expect(analysis.items.find((i) => i.competencyId === 'craft')).toMatchObject({
      expected: 3,
      self: 4,
      peerAverage: 2.7,
      peerResponses: 3,
      manager: 2,
      gap: -1,
      calibrated: false,
    });
    expect(analysis.developmentNeeds).toEqual([
      {
        competencyId: 'coaching',
        name: 'Coaching',
        expected: 4,
        rating: 1,
        shortfall: 3,
        expectedDescriptor: 'Mentors two people.',
      },
      { competencyId: 'craft', name: 'Craft', expected: 3, rating: 2, shortfall: 1 },
    ]);
  });

  it('breaks ties in the framework order', () => {
    const analysis = gapAnalysis({
      framework,
      role,
      self: {},
      peers: [],
      manager: { ownership: 2, craft: 2, collaboration: 2, coaching: 3 },
    });
    // ownership, craft, collaboration and coaching all fall one short.
    expect(analysis.gaps).toEqual(['ownership', 'craft', 'collaboration', 'coaching']);
  });

  it('judges on the calibrated rating where HR calibrated one', () => {
    const calibration: Calibration = {
      ratings: { craft: { original: 2, calibrated: 4 } },
      justification: 'Shipped the parser',
      by: 'hr-1',
      at: '2027-02-01T10:00:00.000Z',
    };
    const analysis = gapAnalysis({
      framework,
      role,
      self: {},
      peers: [],
      manager: { craft: 2, coaching: 3 },
      calibration,
    });
    expect(analysis.items.find((i) => i.competencyId === 'craft')).toMatchObject({
      manager: 4,
      calibrated: true,
      gap: 1,
    });
    expect(analysis.gaps).toEqual(['coaching']);
    expect(analysis.strengths).toEqual(['craft']);
  });

  it('lists items without a manager rating, but neither as gaps nor strengths', () => {
    const analysis = gapAnalysis({ framework, role, self: { craft: 3 }, peers: [{ craft: 4 }], manager: {} });
    expect(analysis.items.find((i) => i.competencyId === 'craft')).toMatchObject({
      self: 3,
      peerAverage: 4,
      manager: null,
      gap: null,
    });
    expect([analysis.gaps, analysis.strengths, analysis.developmentNeeds]).toEqual([[], [], []]);
  });

  it('sets no expectation, and finds no gap, for a role the framework does not cover', () => {
    const analysis = gapAnalysis({
      framework,
      role: { track: 'ic', level: 9 },
      self: {},
      peers: [],
      manager: { craft: 1 },
    });
    expect(analysis.hasExpectation).toBe(false);
    expect(analysis.items.every((i) => i.expected === null && i.gap === null)).toBe(true);
    expect(analysis.gaps).toEqual([]);
  });

  it('hides peer averages from anyone but HR below the anonymity threshold', () => {
    const analysis = gapAnalysis({
      framework,
      role,
      self: {},
      peers: [{ craft: 2 }, { craft: 4, coaching: 5 }],
      manager: { craft: 3 },
    });
    const employee = gapAnalysisFor(analysis, 'employee', 2);
    expect(employee.items.find((i) => i.competencyId === 'craft')?.peerAverage).toBe(3);
    expect(employee.items.find((i) => i.competencyId === 'coaching')?.peerAverage).toBeNull();
    expect(
      gapAnalysisFor(analysis, 'hr', 2).items.find((i) => i.competencyId === 'coaching')?.peerAverage,
    ).toBe(5);
  });
});

describe('nextLevelGaps', () => {
  it('ranks the target role’s shortfalls largest first, ties in framework order, with the target level’s descriptor', () => {
    const gaps = nextLevelGaps(
      framework,
      { track: 'ic', level: 4 },
      { ownership: 3, craft: 1, collaboration: 2, coaching: 2 },
    );
    expect(gaps).toEqual([
      { competencyId: 'craft', name: 'Craft', expected: 3, rating: 1, shortfall: 2 },
      {
        competencyId: 'coaching',
        name: 'Coaching',
        expected: 4,
        rating: 2,
        shortfall: 2,
        expectedDescriptor: 'Mentors two people.',
      },
      { competencyId: 'collaboration', name: 'Collaboration', expected: 3, rating: 2, shortfall: 1 },
    ]);
  });

  it('leaves out what is already at the target level and what nobody rated', () => {
    expect(nextLevelGaps(framework, { track: 'ic', level: 4 }, { ownership: 4, craft: 3 })).toEqual([]);
  });

  it('uses the level’s expectation without a track when the target names no track, or one the framework lacks', () => {
    expect(nextLevelGaps(framework, { track: null, level: 6 }, { craft: 3 })).toEqual([
      { competencyId: 'craft', name: 'Craft', expected: 5, rating: 3, shortfall: 2 },
    ]);
    expect(nextLevelGaps(framework, { level: 6 }, { craft: 3 })?.map((g) => g.competencyId)).toEqual([
      'craft',
    ]);
    expect(nextLevelGaps(framework, { track: 'management', level: 4 }, { ownership: 1 })).toEqual([
      { competencyId: 'ownership', name: 'Ownership', expected: 2, rating: 1, shortfall: 1 },
    ]);
  });

  it('is undefined, not empty, when the framework expects nothing of the target role', () => {
    expect(nextLevelGaps(framework, { track: 'ic', level: 9 }, { craft: 1 })).toBeUndefined();
  });

  it('compares with the calibrated ratings a stored gap analysis judged on', () => {
    const calibration: Calibration = {
      ratings: { craft: { original: 2, calibrated: 4 } },
      justification: 'Shipped the parser',
      by: 'hr-1',
      at: '2027-02-01T10:00:00.000Z',
    };
    const current = gapAnalysis({
      framework,
      role: { track: 'ic', level: 4 },
      self: { ownership: 5 },
      peers: [{ collaboration: 5 }],
      manager: { craft: 2, coaching: 3 },
      calibration,
    });

    const ratings = judgedRatings(current);

    expect(ratings).toEqual({ craft: 4, coaching: 3 });
    expect(nextLevelGaps(framework, { level: 6 }, ratings)).toEqual([
      { competencyId: 'craft', name: 'Craft', expected: 5, rating: 4, shortfall: 1 },
    ]);
  });
});

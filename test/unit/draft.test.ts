import { describe, expect, it } from 'vitest';
import { readCatalogFile } from '../../cli/growcycle';
import { type Framework, FrameworkDoc } from '../../domain/catalog/documents';
import { gapAnalysis, judgedRatings, nextLevelGaps } from '../../domain/catalog/ratings';
import { agreedDueAt, type DraftInput, draftDueAt, draftPlan } from '../../domain/plans/draft';
import { CATALOG_YAML } from '../../local/sample-org';

/*
 * Drafting a development plan from a review's evidence: the current gaps first, then the manager's
 * stated need, then the gaps to the role the employee aims for; HR's suggestions before the
 * defaults; due dates spread over a quarter, moved by the days agreeing took.
 */

const framework: Framework = FrameworkDoc.parse({
  kind: 'framework',
  id: 'fw',
  name: 'Framework',
  scale: { min: 1, max: 5, labels: ['a', 'b', 'c', 'd', 'e'] },
  competencies: [
    {
      id: 'ownership',
      name: 'Ownership',
      type: 'value',
      levels: { '3': 'Sees own work through.', '4': 'Owns outcomes across the team.' },
    },
    { id: 'candour', name: 'Candour', type: 'value' },
    {
      id: 'craft',
      name: 'Craft',
      type: 'competency',
      levels: { '3': 'Solid in the stack.' },
      development: [
        {
          kind: 'training',
          title: 'Complete the advanced course',
          definitionOfDone: 'Certificate shared with your manager',
        },
        { kind: 'stretch', title: 'Lead a migration' },
      ],
    },
    {
      id: 'collaboration',
      name: 'Collaboration',
      type: 'competency',
      levels: { '3': 'Works well across teams.', '4': 'Brings teams together.' },
    },
    {
      id: 'coaching',
      name: 'Coaching',
      type: 'behaviour',
      levels: { '2': 'Gives helpful feedback.' },
      development: [{ kind: 'mentoring', title: 'Be mentored by a senior coach' }],
    },
    { id: 'testing', name: 'Testing', type: 'competency' },
  ],
  expectations: [
    {
      track: 'ic',
      level: 4,
      expected: { ownership: 3, candour: 3, craft: 3, collaboration: 3, coaching: 2, testing: 3 },
    },
    {
      track: 'ic',
      level: 5,
      expected: { ownership: 4, candour: 3, craft: 4, collaboration: 4, coaching: 3, testing: 4 },
    },
  ],
});

const START = new Date('2027-10-04T09:30:00Z');
const QUARTER_OF_FOUR = [
  '2027-10-27T17:00:00.000Z',
  '2027-11-18T17:00:00.000Z',
  '2027-12-11T17:00:00.000Z',
  '2028-01-02T17:00:00.000Z',
];

/** The evidence of one review of an IC 4, rated by the manager as given, aiming for IC 5. */
const evidence = (
  manager: Record<string, number>,
  extra: Partial<DraftInput> = {},
  fw: Framework = framework,
): DraftInput => {
  const analysis = gapAnalysis({ framework, role: { track: 'ic', level: 4 }, self: {}, peers: [], manager });
  const target = { track: 'ic', level: 5 };
  return {
    employeeName: 'Ola Haugen',
    gapAnalysis: analysis,
    nextLevel: { target, gaps: nextLevelGaps(framework, target, judgedRatings(analysis)) },
    framework: fw,
    startAt: START,
    ...extra,
  };
};

/** Two current gaps (craft 2 short, collaboration 1), two strengths, and next-level gaps beside them. */
const OLA = { ownership: 3, candour: 5, craft: 1, collaboration: 2, coaching: 3, testing: 3 };
const NEED = 'Pair with the platform team on design reviews';

describe('draftPlan', () => {
  it('proposes the current gaps largest first, then the manager’s need, then next-level gaps, due over a quarter', () => {
    // Act
    const draft = draftPlan(evidence(OLA, { managerNeeds: NEED }));

    // Assess
    expect(draft.title).toBe('Development plan: Ola Haugen');
    expect(draft.items).toEqual([
      {
        kind: 'training',
        title: 'Complete the advanced course',
        competencyId: 'craft',
        definitionOfDone: 'Certificate shared with your manager',
        dueAt: QUARTER_OF_FOUR[0],
        source: 'gap',
      },
      {
        kind: 'practice',
        title: 'Practise Collaboration in your day-to-day work',
        competencyId: 'collaboration',
        definitionOfDone: 'Working at level 3: Works well across teams.',
        dueAt: QUARTER_OF_FOUR[1],
        source: 'gap',
      },
      { kind: 'practice', title: NEED, dueAt: QUARTER_OF_FOUR[2], source: 'manager' },
      {
        kind: 'practice',
        title: 'Practise Ownership in your day-to-day work',
        competencyId: 'ownership',
        definitionOfDone: 'Working at level 4: Owns outcomes across the team.',
        dueAt: QUARTER_OF_FOUR[3],
        source: 'next-level',
      },
    ]);
  });

  it('keeps at most maxItems, cutting from the end of that order', () => {
    // Act
    const one = draftPlan(evidence(OLA, { managerNeeds: NEED, maxItems: 1 }));
    const two = draftPlan(evidence(OLA, { managerNeeds: NEED, maxItems: 2 }));
    const all = draftPlan(evidence(OLA, { managerNeeds: NEED, maxItems: 10 }));

    // Assess
    expect(one.items.map((i) => i.competencyId)).toEqual(['craft']);
    expect(one.items[0]?.dueAt).toBe('2028-01-02T17:00:00.000Z');
    expect(two.items.map((i) => i.source)).toEqual(['gap', 'gap']);
    expect(all.items.map((i) => `${i.source} ${i.competencyId ?? '-'}`)).toEqual([
      'gap craft',
      'gap collaboration',
      'manager -',
      'next-level ownership',
      'next-level testing',
    ]);
  });

  it('refuses a maxItems that is not a whole number from 1', () => {
    expect(() => draftPlan(evidence(OLA, { maxItems: 0 }))).toThrow(RangeError);
    expect(() => draftPlan(evidence(OLA, { maxItems: 2.5 }))).toThrow(RangeError);
  });

  it('offers the framework’s first suggestion, with the level descriptor when the suggestion has no definition of done', () => {
    // Act: coaching is one short of level 2, where HR suggests mentoring and says nothing of done.
    const draft = draftPlan(
      evidence({ ...OLA, craft: 3, collaboration: 3, coaching: 1 }, { nextLevel: undefined }),
    );

    // Assess
    expect(draft.items).toEqual([
      {
        kind: 'mentoring',
        title: 'Be mentored by a senior coach',
        competencyId: 'coaching',
        definitionOfDone: 'Working at level 2: Gives helpful feedback.',
        dueAt: '2028-01-02T17:00:00.000Z',
        source: 'gap',
      },
    ]);
  });

  it('without a suggestion, proposes coaching for a competency or behaviour 2 or more short, practice otherwise', () => {
    // Prepare: the same framework without HR's suggestions.
    const bare = { ...framework, competencies: framework.competencies.map(({ development: _, ...c }) => c) };
    const ratings = { ownership: 1, candour: 3, craft: 1, collaboration: 2, coaching: 1, testing: 3 };

    // Act
    const draft = draftPlan(evidence(ratings, { nextLevel: undefined, maxItems: 10 }, bare));

    // Assess: values are practised however far short; no descriptor, no definition of done.
    expect(draft.items.map(({ dueAt: _, ...i }) => i)).toEqual([
      {
        kind: 'practice',
        title: 'Practise Ownership in your day-to-day work',
        competencyId: 'ownership',
        definitionOfDone: 'Working at level 3: Sees own work through.',
        source: 'gap',
      },
      {
        kind: 'coaching',
        title: 'Coaching with your manager on Craft',
        competencyId: 'craft',
        definitionOfDone: 'Working at level 3: Solid in the stack.',
        source: 'gap',
      },
      {
        kind: 'practice',
        title: 'Practise Collaboration in your day-to-day work',
        competencyId: 'collaboration',
        definitionOfDone: 'Working at level 3: Works well across teams.',
        source: 'gap',
      },
      {
        kind: 'practice',
        title: 'Practise Coaching in your day-to-day work',
        competencyId: 'coaching',
        definitionOfDone: 'Working at level 2: Gives helpful feedback.',
        source: 'gap',
      },
    ]);
  });

  it('proposes coaching for a behaviour 2 or more short too, with no definition of done where there is no descriptor', () => {
    // Prepare: an IC 5 two short on coaching (a behaviour) and testing, with no suggestions to offer.
    const bare = { ...framework, competencies: framework.competencies.map(({ development: _, ...c }) => c) };
    const analysis = gapAnalysis({
      framework: bare,
      role: { track: 'ic', level: 5 },
      self: {},
      peers: [],
      manager: { ownership: 4, candour: 3, craft: 4, collaboration: 4, coaching: 1, testing: 2 },
    });

    // Act
    const draft = draftPlan({
      employeeName: 'Ola Haugen',
      gapAnalysis: analysis,
      framework: bare,
      startAt: START,
    });

    // Assess
    expect(draft.items.map(({ dueAt: _, ...i }) => i)).toEqual([
      {
        kind: 'coaching',
        title: 'Coaching with your manager on Coaching',
        competencyId: 'coaching',
        source: 'gap',
      },
      {
        kind: 'coaching',
        title: 'Coaching with your manager on Testing',
        competencyId: 'testing',
        source: 'gap',
      },
    ]);
  });

  it('proposes an item once when it falls short of both the current and the target level, as a current gap', () => {
    // Act: craft and collaboration are short of both levels.
    const draft = draftPlan(evidence(OLA, { maxItems: 10 }));

    // Assess
    const ids = draft.items.map((i) => i.competencyId);
    expect(ids).toEqual(['craft', 'collaboration', 'ownership', 'testing']);
    expect(draft.items.filter((i) => i.competencyId === 'craft').map((i) => i.source)).toEqual(['gap']);
  });

  it('takes nothing from the next level when the framework expects nothing of the target role', () => {
    // Act
    const draft = draftPlan(
      evidence(OLA, { nextLevel: { target: { track: 'ic', level: 9 }, gaps: undefined }, maxItems: 10 }),
    );

    // Assess
    expect(draft.items.map((i) => i.source)).toEqual(['gap', 'gap']);
  });

  it('titles the manager’s need from their text on one line, cut to 200 characters, and ignores a blank one', () => {
    // Prepare
    const long = `  Speak up\n\tin design reviews ${'and write it down '.repeat(20)}`;

    // Act
    const [item] = draftPlan(evidence(OLA, { managerNeeds: long, maxItems: 3 })).items.slice(2);
    const blank = draftPlan(evidence(OLA, { managerNeeds: ' \n ', maxItems: 10 }));

    // Assess
    expect(item?.source).toBe('manager');
    expect(item?.title.length).toBeLessThanOrEqual(200);
    expect(item?.title).toMatch(/^Speak up in design reviews and write it down and .*…$/);
    expect(item?.competencyId).toBeUndefined();
    expect(item?.definitionOfDone).toBeUndefined();
    expect(blank.items.some((i) => i.source === 'manager')).toBe(false);
  });

  it('proposes only the manager’s need when there is no gap, and nothing without one', () => {
    // Prepare: at or above expectation everywhere, and already at the target level.
    const strong = { ownership: 4, candour: 3, craft: 4, collaboration: 4, coaching: 3, testing: 4 };

    // Act
    const withNeed = draftPlan(evidence(strong, { managerNeeds: NEED }));
    const without = draftPlan(evidence(strong));

    // Assess
    expect(withNeed.items).toEqual([
      { kind: 'practice', title: NEED, dueAt: '2028-01-02T17:00:00.000Z', source: 'manager' },
    ]);
    expect(without.items).toEqual([]);
  });

  it('invents nothing for a role without expectations, and lists no strengths for it', () => {
    // Prepare
    const analysis = gapAnalysis({
      framework,
      role: { track: 'ic', level: 9 },
      self: {},
      peers: [],
      manager: { craft: 1 },
    });

    // Act
    const draft = draftPlan({ employeeName: 'Ola Haugen', gapAnalysis: analysis, framework, startAt: START });

    // Assess
    expect(draft).toEqual({ title: 'Development plan: Ola Haugen', items: [], mentoringGiven: [] });
  });

  it('offers the items the employee is at least one level above expectation on as mentoring they could give', () => {
    // Act: candour is 2 above, coaching 1 above, ownership and testing just meet theirs.
    const draft = draftPlan(evidence(OLA));

    // Assess
    expect(draft.mentoringGiven).toEqual([
      { competencyId: 'candour', name: 'Candour' },
      { competencyId: 'coaching', name: 'Coaching' },
    ]);
  });

  it('keeps the type the review judged an item as when the framework no longer has it', () => {
    // Prepare: testing is 2 short, and gone from the framework since.
    const since = { ...framework, competencies: framework.competencies.filter((c) => c.id !== 'testing') };

    // Act
    const draft = draftPlan(evidence({ ...OLA, craft: 3, collaboration: 3, testing: 1 }, {}, since));

    // Assess
    expect(draft.items[0]).toMatchObject({
      kind: 'coaching',
      title: 'Coaching with your manager on Testing',
      competencyId: 'testing',
    });
  });

  it('cuts a long name in the title and a long descriptor in the definition of done to fit their fields', () => {
    // Prepare
    const verbose = FrameworkDoc.parse({
      ...framework,
      competencies: framework.competencies.map((c) =>
        c.id === 'craft' ? { ...c, development: undefined, levels: { '3': 'x'.repeat(1000) } } : c,
      ),
    });

    // Act
    const analysis = gapAnalysis({
      framework: verbose,
      role: { track: 'ic', level: 4 },
      self: {},
      peers: [],
      manager: OLA,
    });
    const draft = draftPlan({
      employeeName: 'O'.repeat(200),
      gapAnalysis: analysis,
      framework: verbose,
      startAt: START,
    });

    // Assess
    expect(draft.title).toHaveLength(200);
    expect(draft.title.endsWith('O…')).toBe(true);
    expect(draft.items[0]?.definitionOfDone).toHaveLength(1000);
    expect(draft.items[0]?.definitionOfDone).toMatch(/^Working at level 3: x+…$/);
  });
});

describe('draftPlan on the demo catalog', () => {
  it('offers HR’s suggestions to an engineer aiming for engineering manager', () => {
    // Prepare: Ola (IC 4) meets his level but for craft, and aims for management level 3.
    const demo = FrameworkDoc.parse(readCatalogFile(CATALOG_YAML)[0]);
    const analysis = gapAnalysis({
      framework: demo,
      role: { track: 'individual contributor', level: 4 },
      self: {},
      peers: [],
      manager: { ownership: 4, candour: 3, craft: 2, collaboration: 3, coaching: 2 },
    });
    const target = { track: 'management', level: 3 };

    // Act
    const draft = draftPlan({
      employeeName: 'Ola Haugen',
      gapAnalysis: analysis,
      nextLevel: { target, gaps: nextLevelGaps(demo, target, judgedRatings(analysis)) },
      framework: demo,
      startAt: START,
    });

    // Assess
    expect(draft.items.map((i) => `${i.source} ${i.competencyId} ${i.kind}: ${i.title}`)).toEqual([
      'gap craft training: Complete the advanced course',
      'next-level coaching mentoring: Be mentored by an experienced coach for a quarter',
      'next-level candour practice: Practise Candour with care in your day-to-day work',
      'next-level collaboration stretch: Run the next cross-team design review',
    ]);
    expect(draft.mentoringGiven).toEqual([{ competencyId: 'ownership', name: 'Ownership' }]);
  });
});

describe('draftDueAt', () => {
  it('spreads n items evenly over 90 days from the start’s UTC day, the last on day 90, at 17:00 UTC', () => {
    const start = new Date('2027-10-04T00:00:00Z');
    expect([0, 1, 2].map((i) => draftDueAt(start, i, 3))).toEqual([
      '2027-11-03T17:00:00.000Z',
      '2027-12-03T17:00:00.000Z',
      '2028-01-02T17:00:00.000Z',
    ]);
    expect([0, 1, 2, 3].map((i) => draftDueAt(new Date('2027-10-04T23:59:00Z'), i, 4))).toEqual(
      QUARTER_OF_FOUR,
    );
  });
});

describe('agreedDueAt', () => {
  it('moves a proposed date later by the whole UTC days from the draft to the agreement, keeping its hour', () => {
    const drafted = '2027-10-04T23:30:00.000Z';
    // Three weeks to agree, and a few hours more: the item is due as if drafted the day it was agreed.
    expect(agreedDueAt('2027-11-03T17:00:00.000Z', drafted, '2027-10-25T08:00:00.000Z')).toBe(
      '2027-11-24T17:00:00.000Z',
    );
    expect(agreedDueAt('2027-11-03T17:00:00.000Z', drafted, '2027-10-25T08:00:00.000Z')).toBe(
      draftDueAt(new Date('2027-10-25T08:00:00.000Z'), 0, 3),
    );
    // Agreed the day it was drafted: nothing moves.
    expect(agreedDueAt('2027-11-03T17:00:00.000Z', drafted, '2027-10-04T23:59:00.000Z')).toBe(
      '2027-11-03T17:00:00.000Z',
    );
  });
});

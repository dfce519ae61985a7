import { describe, expect, it } from 'vitest';
import { readCatalogFile } from '../../cli/growcycle';
import { type Framework, FrameworkDoc, type Template, TemplateDoc } from '../../domain/catalog/documents';
import { answerSchema, appraisalForm, type FormInput, ratedItems } from '../../domain/catalog/forms';
import { formPage } from '../../functions/api/form-page';
import { CATALOG_YAML } from '../../local/sample-org';

const [frameworkDoc, templateDoc] = readCatalogFile(CATALOG_YAML);
const framework: Framework = FrameworkDoc.parse(frameworkDoc);
const template: Template = TemplateDoc.parse(templateDoc);

const goals = [
  {
    goalId: 'g-api',
    title: 'Faster API',
    measure: 'p95 under 200 ms',
    weight: 60,
    progress: '210 ms of 200',
  },
  { goalId: 'g-docs', title: 'Docs <b>site</b>', measure: 'Published', weight: 40 },
];

const input = (kind: FormInput['kind'], extra: Partial<FormInput> = {}): FormInput => ({
  kind,
  template,
  framework,
  subjectName: 'Ola Haugen',
  goals,
  ...extra,
});

const build = (kind: FormInput['kind'], extra: Partial<FormInput> = {}) => {
  const i = input(kind, extra);
  const form = appraisalForm(i);
  return { form, schema: answerSchema(form, i) };
};

const fieldNames = (kind: FormInput['kind']) =>
  build(kind).form.sections.flatMap((s) => s.fields.map((f) => f.name));

/** A complete self-assessment of the demo template: every goal and item rated, with evidence. */
const completeSelf = {
  'goal.g-api': '4',
  'goal.g-docs': '2',
  'goalNote.g-api': 'Down from 450 ms.',
  'rating.ownership': '4',
  'evidence.ownership': 'Ran the migration end to end.',
  'rating.candour': '3',
  'evidence.candour': 'Asked for review early.',
  'rating.craft': '5',
  'evidence.craft': 'Rewrote the parser.',
  'rating.coaching': '2',
  'evidence.coaching': 'Paired twice.',
  achievements: 'The parser.',
  growth: 'Coaching.',
};

describe('appraisalForm', () => {
  it('rates what the template asks about, in its question order, once each', () => {
    expect(ratedItems(template, framework).map((i) => i.id)).toEqual([
      'ownership',
      'candour',
      'craft',
      'coaching',
    ]);
  });

  it('asks the employee for goal progress, a rating with evidence per item, and free text', () => {
    expect(fieldNames('self-assessment')).toEqual([
      'goal.g-api',
      'goalNote.g-api',
      'goal.g-docs',
      'goalNote.g-docs',
      'rating.ownership',
      'evidence.ownership',
      'rating.candour',
      'evidence.candour',
      'rating.craft',
      'evidence.craft',
      'rating.coaching',
      'evidence.coaching',
      'achievements',
      'growth',
    ]);
  });

  it('asks the manager to rate goals and items and to write the template texts and development needs', () => {
    const names = fieldNames('manager-appraisal');
    expect(names.filter((n) => n.startsWith('goal.'))).toEqual(['goal.g-api', 'goal.g-docs']);
    expect(names.filter((n) => n.startsWith('rating.'))).toHaveLength(4);
    expect(names.slice(-3)).toEqual(['text.growth', 'summary', 'developmentNeeds']);
  });

  it('keeps the peer form short: one rating per item and two texts', () => {
    expect(fieldNames('peer-feedback')).toEqual([
      'rating.ownership',
      'rating.candour',
      'rating.craft',
      'rating.coaching',
      'strengths',
      'growth',
    ]);
  });

  it('leaves the goals out when the employee has no live goal', () => {
    expect(build('self-assessment', { goals: [] }).form.sections.map((s) => s.heading)).toEqual([
      'Competencies, behaviours and values',
      'In your own words',
    ]);
  });

  it('shows the manager the self-assessment and, below the threshold, withholds the peer input', () => {
    const { form, schema } = build('self-assessment');
    const self = schema.parse(completeSelf);
    const manager = build('manager-appraisal', {
      selfAssessment: self,
      peers: { visibility: 'withheld', threshold: 3 },
    }).form;
    expect(form.reference).toEqual([]);
    expect(manager.reference[0]?.rows).toContainEqual({ label: 'Craft', value: '5 — Rewrote the parser.' });
    expect(manager.reference[0]?.rows).toContainEqual({
      label: 'Goal: Faster API',
      value: '4 — Down from 450 ms.',
    });
    // Nothing about the withheld group, not even how many answered: only the rule.
    expect(manager.reference[1]).toEqual({
      heading: 'Peer feedback',
      note: 'Withheld: peer feedback is shown only once at least 3 peers have answered.',
      rows: [],
      sensitive: true,
    });
    // Both are the employee's and the peers' own: a link alone does not show them.
    expect(manager.reference.map((b) => b.sensitive)).toEqual([true, true]);
  });

  it('tells each peer exactly who sees their answers, names included where the template shows them', () => {
    const intro = (managersSeeAttribution: boolean) =>
      build('peer-feedback', {
        template: {
          ...template,
          phases: {
            ...template.phases,
            peerFeedback: { ...template.phases.peerFeedback, managersSeeAttribution },
          },
        },
      }).form.intro;
    expect(intro(false)).toBe(
      'Who sees your answers: your colleague, only combined with other peers’ answers and never with your name; HR, with your name (each time HR reads them is recorded).',
    );
    expect(intro(true)).toBe(
      'Who sees your answers: your colleague’s manager and HR, with your name (each time HR reads them is recorded); your colleague, only combined with other peers’ answers, never with your name.',
    );
  });

  it('shows the manager peer names only when the template lets managers see attribution', () => {
    const attributed = build('manager-appraisal', {
      peers: {
        visibility: 'attributed',
        answers: [{ fromName: 'Emma Berg', ratings: { craft: 4 }, comments: ['Great reviews.'] }],
      },
    }).form;
    expect(attributed.reference[1]?.rows).toEqual([
      { label: 'Emma Berg: Craft', value: '4' },
      { label: 'Emma Berg', value: 'Great reviews.' },
    ]);
    const combined = build('manager-appraisal', {
      peers: { visibility: 'aggregated', answered: 3, averages: { craft: 3.7 }, comments: ['Kind.'] },
    }).form;
    expect(combined.reference[1]?.rows).toEqual([
      { label: 'Craft, peer average', value: '3.7' },
      { label: 'Comment', value: 'Kind.' },
    ]);
  });
});

describe('answerSchema', () => {
  it('structures a complete answer and computes its overall from the template weights', () => {
    const { schema } = build('self-assessment');
    const parsed = schema.parse({ ...completeSelf, unrelated: 'ignored' });
    expect(parsed).toMatchObject({
      goals: { 'g-api': 4, 'g-docs': 2 },
      goalNotes: { 'g-api': 'Down from 450 ms.' },
      ratings: { ownership: 4, candour: 3, craft: 5, coaching: 2 },
      evidence: { craft: 'Rewrote the parser.' },
      achievements: 'The parser.',
    });
    // An optional note left out is not stored as an empty answer.
    expect(parsed.goalNotes).not.toHaveProperty('g-docs');
    expect(parsed).not.toHaveProperty('unrelated');
    // goals (4*60 + 2*40)/100 = 3.2; craft is the one competency: 5; values and the behaviour: mean(4, 3, 2) = 3
    expect(parsed.rating).toBe(3.2 * 0.5 + 5 * 0.3 + 3 * 0.2);
  });

  it('names each missing or invalid field with a message of its own', () => {
    const { schema } = build('self-assessment');
    const { 'evidence.craft': _evidence, 'rating.coaching': _rating, ...rest } = completeSelf;
    const result = schema.safeParse({ ...rest, 'rating.ownership': '9', growth: 'x'.repeat(5001) });
    expect(result.success).toBe(false);
    const errors = Object.fromEntries(
      (result.error?.issues ?? []).map((i) => [String(i.path[0]), i.message]),
    );
    expect(errors).toEqual({
      'rating.ownership': 'Choose a rating for Ownership',
      'evidence.craft': 'An example for Craft is required',
      'rating.coaching': 'Choose a rating for Coaching others',
      growth: 'Where you want to grow is at most 5000 characters',
    });
  });

  it('takes only the points of the framework scale', () => {
    const zeroToFour = FrameworkDoc.parse({
      ...framework,
      scale: { min: 0, max: 4, labels: ['a', 'b', 'c', 'd', 'e'] },
      competencies: framework.competencies.map(({ levels: _l, ...c }) => c),
      expectations: [],
    });
    const i = input('peer-feedback', { framework: zeroToFour });
    const schema = answerSchema(appraisalForm(i), i);
    const answer = {
      'rating.ownership': '0',
      'rating.candour': '4',
      'rating.craft': '2',
      'rating.coaching': '1',
      strengths: 'a',
      growth: 'b',
    };
    expect(schema.safeParse(answer).success).toBe(true);
    expect(schema.safeParse({ ...answer, 'rating.craft': '5' }).success).toBe(false);
  });
});

describe('the template-driven form page', () => {
  it('shows level descriptors tied to each rating, escapes goal titles, and puts errors next to their field', () => {
    const { form } = build('self-assessment');
    const page = formPage({
      action: '/r/x?e=1&s=2',
      context: 'For Ola.',
      form,
      values: { 'evidence.craft': '<script>alert(1)</script>' },
      errors: { 'rating.ownership': 'Choose a rating for Ownership' },
    });
    expect(page).toContain(
      '<fieldset aria-describedby="rating.ownership-levels rating.ownership-error">\n<legend>Ownership (value): how did you do?</legend>',
    );
    expect(page).toContain('<li><strong>3</strong>: Sees own work through and flags risks early.</li>');
    expect(page).toContain('<p class="error" id="rating.ownership-error">Choose a rating for Ownership</p>');
    expect(page).toContain('value="1" required> 1 · Well below</label>');
    expect(page).toContain('Docs &lt;b&gt;site&lt;/b&gt;');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;</textarea>');
    expect(page).not.toContain('<script>');
    expect(page).toContain('<label for="evidence.craft">Craft: an example from this cycle</label>');
  });
});

describe('the manager’s appraisal after a development plan', () => {
  it('shows what the plan did beside the rating of the competency it developed, and only there', () => {
    // Prepare
    const developed = {
      craft: ['“Complete the <advanced> course”: done on time (before: rated 2, 3 expected)'],
    };

    // Act
    const { form } = build('manager-appraisal', { developed });
    const page = formPage({ form, action: '/r/x', context: '' });
    const fields = form.sections.flatMap((s) => s.fields);

    // Assess
    expect(fields.find((f) => f.name === 'rating.craft')).toMatchObject({ development: developed.craft });
    expect(fields.filter((f) => f.type === 'rating' && f.development)).toHaveLength(1);
    expect(page).toContain(
      'Development plan:</strong> “Complete the &lt;advanced&gt; course”: done on time (before: rated 2, 3 expected)',
    );
  });
});

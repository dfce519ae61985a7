import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  DEFAULT_PLAN_POLICY,
  type Framework,
  FrameworkDoc,
  PlanPolicyDoc,
  policyOf,
  selectParticipants,
  type Template,
  TemplateDoc,
  timingsOf,
  unknownCompetencies,
} from '../../domain/catalog/documents';
import { CATALOG_YAML } from '../../local/sample-org';

const [frameworkDoc, templateDoc] = parseAllDocuments(readFileSync(CATALOG_YAML, 'utf8')).map(
  (d) => d.toJS() as Record<string, unknown>,
);
const framework = FrameworkDoc.parse(frameworkDoc) as Framework;
const template = TemplateDoc.parse(templateDoc) as Template;
const issues = (result: {
  success: boolean;
  error?: { issues: Array<{ path: PropertyKey[]; message: string }> };
}) => (result.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);

describe('competency frameworks', () => {
  it('accepts the sample framework', () => {
    expect(framework.competencies.map((c) => c.type)).toEqual([
      'value',
      'value',
      'competency',
      'competency',
      'behaviour',
    ]);
  });

  it('needs one label per point of the scale', () => {
    expect(
      issues(FrameworkDoc.safeParse({ ...frameworkDoc, scale: { min: 1, max: 5, labels: ['a', 'b'] } })),
    ).toEqual(['scale.labels: needs one label per point from 1 to 5']);
  });

  it('rejects duplicate competencies, descriptors off the scale, and expectations of unknown competencies', () => {
    const broken = {
      ...frameworkDoc,
      competencies: [
        { id: 'craft', name: 'Craft', type: 'competency', levels: { '9': 'beyond' } },
        { id: 'craft', name: 'Again', type: 'value' },
      ],
      expectations: [{ level: 4, expected: { craft: 3, magic: 2 } }],
    };
    expect(issues(FrameworkDoc.safeParse(broken))).toEqual([
      'competencies.0.levels.9: is outside the scale',
      'competencies.1.id: duplicate id "craft"',
      'expectations.0.expected.magic: unknown competency "magic"',
    ]);
  });
});

describe('cycle templates', () => {
  it('gives cycles their deadlines, ladder and who nominates how many peers', () => {
    expect(timingsOf(template)).toEqual({ selfDays: 7, peerDays: 10, managerDays: 14, closeDays: 21 });
    expect(policyOf(template)).toEqual({
      reminderHoursBefore: [72, 24],
      escalationHours: { manager: 24, skipLevel: 72, hr: 120 },
      anonymityThreshold: 3,
      maxPeers: 3,
      minPeers: 2,
      nominatedBy: 'manager',
      sendHour: 9,
      quietDays: ['Sat', 'Sun'],
      linkMaxDays: 90,
      // Goal setting before everything; calibration, the meeting and the acknowledgment after the appraisal.
      phases: { goalSetting: 2, calibration: 16, reviewMeeting: 18, acknowledgment: 21 },
    });
  });

  it('rejects phases out of order, escalation out of order, and weights that do not add up to 1', () => {
    const broken = {
      ...templateDoc,
      phases: { ...(templateDoc?.phases as object), managerAppraisal: { dueDays: 5 } },
      escalation: { managerAfterDays: 4, skipLevelAfterDays: 2, hrAfterDays: 9 },
      overallRating: { weights: { goals: 0.5, competencies: 0.5, behaviours: 0.5 } },
    };
    expect(issues(TemplateDoc.safeParse(broken))).toEqual([
      'phases.managerAppraisal.dueDays: must not come before peerFeedback (day 10)',
      'escalation: must escalate in order: manager, then skip-level, then HR',
      'overallRating.weights: must add up to 1',
    ]);
  });

  it('needs a competency on a competency rating and more peers allowed than required', () => {
    const broken = {
      ...templateDoc,
      phases: { ...(templateDoc?.phases as object), peerFeedback: { dueDays: 10, minPeers: 4, maxPeers: 2 } },
      questions: [{ id: 'q', type: 'competency-rating', text: 'Rate' }],
    };
    expect(issues(TemplateDoc.safeParse(broken))).toEqual([
      'phases.peerFeedback.minPeers: must not exceed maxPeers',
      'questions.0.competencyId: is required for a competency rating',
    ]);
  });

  it('refuses an anonymity threshold below 3 unless the template tells peers that managers see their names', () => {
    const peerFeedback = (over: object) => ({
      ...templateDoc,
      phases: { ...(templateDoc?.phases as object), peerFeedback: { dueDays: 10, ...over } },
    });
    expect(issues(TemplateDoc.safeParse(peerFeedback({ anonymityThreshold: 1 })))).toEqual([
      'phases.peerFeedback.anonymityThreshold: must be at least 3 unless managersSeeAttribution is true (the peer form then says who sees names)',
    ]);
    expect(
      TemplateDoc.safeParse(peerFeedback({ anonymityThreshold: 1, managersSeeAttribution: true })).success,
    ).toBe(true);
  });

  it('lets a template shorten its links’ lifetime, never lengthen it past 90 days', () => {
    expect(TemplateDoc.parse(templateDoc).linkMaxDays).toBe(90);
    expect(TemplateDoc.parse({ ...templateDoc, linkMaxDays: 14 }).linkMaxDays).toBe(14);
    expect(issues(TemplateDoc.safeParse({ ...templateDoc, linkMaxDays: 91 }))[0]).toMatch(/^linkMaxDays: /);
  });

  it('names the questions that rate competencies its framework does not define', () => {
    const other = {
      ...template,
      questions: [
        ...template.questions,
        { id: 'x', type: 'competency-rating' as const, competencyId: 'magic', text: 'x', required: true },
      ],
    };
    expect(unknownCompetencies(other, framework)).toEqual([{ index: 6, id: 'magic' }]);
  });

  it('selects active people with a manager who match the filters and joined long enough before the start', () => {
    const start = new Date('2027-01-04T08:00:00Z');
    const person = (employeeId: string, extra: Record<string, unknown> = {}) => ({
      employeeId,
      managerId: 'm',
      status: 'active',
      department: 'Eng',
      level: 4,
      startDate: '2020-01-01',
      ...extra,
    });
    const people = [
      person('ok'),
      person('top', { managerId: undefined }),
      person('leaver', { status: 'left' }),
      person('new', { startDate: '2026-12-20' }),
      person('sales', { department: 'Sales' }),
      person('senior', { level: 2 }),
    ];
    const t = { ...template, participants: { minTenureDays: 30, departments: ['Eng'], levels: [4] } };
    expect(selectParticipants(t, people, start).map((p) => p.employeeId)).toEqual(['ok']);
  });
});

describe('plan policies', () => {
  const policies = parseAllDocuments(readFileSync(CATALOG_YAML, 'utf8'))
    .map((d) => d.toJS() as Record<string, unknown>)
    .filter((d) => d.kind === 'plan-policy');

  it('accepts the sample catalog’s policies, the default one equal to the built-in defaults', () => {
    const parsed = policies.map((p) => PlanPolicyDoc.parse(p));
    expect(parsed.map((p) => p.id)).toEqual(['development', 'performance-improvement']);
    expect({ ...parsed[0], name: DEFAULT_PLAN_POLICY.name }).toEqual(DEFAULT_PLAN_POLICY);
  });

  it('makes the performance-improvement policy stricter than the default', () => {
    const [development, pip] = policies.map((p) => PlanPolicyDoc.parse(p));
    expect(pip?.blocked.tellHr).toBe(true);
    expect(pip?.newDates.maxTimes).toBeLessThan(development?.newDates.maxTimes ?? 0);
    expect(pip?.checkIns.everyDays).toBeLessThan(development?.checkIns.everyDays ?? 0);
    expect(pip?.linkMaxDays).toBeLessThan(development?.linkMaxDays ?? 0);
    expect(PlanPolicyDoc.safeParse({ ...policies[0], linkMaxDays: 0 }).success).toBe(false);
    expect(pip?.escalation.at(-1)?.afterDays).toBeLessThan(development?.escalation.at(-1)?.afterDays ?? 0);
  });

  it('refuses an escalation chain out of order and a close before its last step, naming the field', () => {
    const result = PlanPolicyDoc.safeParse({
      kind: 'plan-policy',
      id: 'broken',
      name: 'Broken',
      escalation: [
        { to: 'manager', afterDays: 5 },
        { to: 'hr', afterDays: 2 },
      ],
      closeAfterDays: 2,
    });
    expect(issues(result)).toEqual([
      'escalation.1.afterDays: must not come before the step to manager (day 5)',
      'closeAfterDays: must come after the last escalation (day 2)',
    ]);
  });
});

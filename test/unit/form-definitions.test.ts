import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as z from 'zod';
import { readCatalogFile } from '../../cli/growcycle';
import { DEFAULT_PLAN_POLICY, FrameworkDoc, TemplateDoc } from '../../domain/catalog/documents';
import { FIXED_FORMS, type FixedKind } from '../../domain/catalog/fixed-forms';
import { type AppraisalKind, answerSchema, appraisalForm, errorsOf } from '../../domain/catalog/forms';
import { feedbackForm, parseFeedback } from '../../domain/feedback/requests';
import { type DraftPlanItem, readDraftForm } from '../../domain/plans/agreement-form';
import { checkInFormFor } from '../../domain/plans/check-ins';
import { planFormFor } from '../../domain/plans/forms';
import { localDay } from '../../domain/platform/calendar';
import {
  db,
  type FeedbackAsk,
  type HumanRequest,
  REQUEST_KINDS,
  type RequestKind,
} from '../../domain/platform/table';
import {
  approvalSchema,
  type FormBody,
  formBody,
  type NominationRules,
  nominationSchema,
} from '../../domain/reviews/nominations';
import { phaseFormFor } from '../../domain/reviews/phase-forms';
import { agreementPage } from '../../functions/api/agreement-page';
import { formPage } from '../../functions/api/form-page';
import { nominationPage } from '../../functions/api/nomination-page';
import { CATALOG_YAML } from '../../local/sample-org';

/*
 * Every form's page and its schema name the same fields: the answer the page allows is accepted,
 * every field the page shows is read (an unacceptable value in it alone is refused, with the error
 * filed under that field), and no error names a field the page does not show. One case per request
 * kind, the appraisal kinds with a template and without.
 */

const ddb = mockClient(DynamoDBDocumentClient);

/** What a form offers and how its server answers a body: the errors by field, none when accepted. */
type Case = { page: string; errorsFor: (body: URLSearchParams) => Record<string, string> };

type Control = { name: string; kind: string; value: string; checked: boolean };

const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The named controls inside a page's form, in page order; a select holds its chosen (or first) option. */
const controlsOf = (page: string): Control[] => {
  const form = /<form [\s\S]*<\/form>/.exec(page)?.[0] ?? '';
  return [...form.matchAll(/<(input|textarea)\b([^>]*)>|<select\b([^>]*)>([\s\S]*?)<\/select>/g)].map((m) => {
    const attrs = m[2] ?? m[3] ?? '';
    const attr = (name: string) => decode(new RegExp(` ${name}="([^"]*)"`).exec(attrs)?.[1] ?? '');
    const options = [...(m[4] ?? '').matchAll(/<option value="([^"]*)"( selected)?/g)];
    const chosen = options.find((o) => o[2]) ?? options[0];
    return {
      name: attr('name'),
      kind: m[1] === undefined ? 'select' : m[1] === 'textarea' ? 'textarea' : attr('type'),
      value: m[1] === undefined ? decode(chosen?.[1] ?? '') : attr('value'),
      checked: / checked\b/.test(attrs),
    };
  });
};

const namesOf = (page: string) => [...new Set(controlsOf(page).map((c) => c.name))].sort();

/**
 * The answer a person gives who fills in everything: the last option of each choice (so a choice
 * such as "return with a comment" reads its text too), the boxes ticked plus enough to reach the
 * page's minimum, and a value in every line.
 */
const completeAnswer = (page: string): URLSearchParams => {
  const body = new URLSearchParams();
  const controls = controlsOf(page);
  const minTicked = Number(/data-min="(\d+)"/.exec(page)?.[1] ?? 0);
  let ticked = controls.filter((c) => c.kind === 'checkbox' && c.checked).length;
  for (const c of controls) {
    if (c.kind === 'radio') body.set(c.name, c.value);
    else if (c.kind === 'checkbox') {
      if (!c.checked && ticked >= minTicked) continue;
      if (!c.checked) ticked += 1;
      body.append(c.name, c.value);
    } else if (c.kind === 'number') body.set(c.name, c.value || '50');
    else if (c.kind === 'date') body.set(c.name, c.value || '2027-12-31');
    else if (c.kind === 'email') body.set(c.name, `${c.name.toLowerCase()}@example.org`);
    else if (c.kind === 'url') body.set(c.name, 'https://example.org/evidence');
    else body.set(c.name, c.value || 'An answer');
  }
  return body;
};

/** Too long for any text, on no scale, not a number, a date, an address or a listed colleague. */
const UNACCEPTABLE = 'x'.repeat(5001);

const [frameworkDoc, templateDoc] = readCatalogFile(CATALOG_YAML);
const framework = FrameworkDoc.parse(frameworkDoc);
const template = TemplateDoc.parse(templateDoc);

/** A page whose POST its schema checks alone, on the body as the handler reads it. */
const withSchema = (
  page: string,
  schema: z.ZodType,
  read: (body: URLSearchParams) => unknown = (body) => Object.fromEntries(body),
): Case => ({
  page,
  errorsFor: (body) => {
    const parsed = schema.safeParse(read(body));
    return parsed.success ? {} : errorsOf(parsed.error);
  },
});

const fixed = (kind: FixedKind): Case => {
  const form = FIXED_FORMS[kind];
  return withSchema(formPage({ form, action: '/r/x', context: '' }), answerSchema(form));
};

const templated = (kind: AppraisalKind): Case => {
  const input = {
    kind,
    template,
    framework,
    subjectName: 'Ola Haugen',
    goals: [{ goalId: 'g-api', title: 'Faster API', measure: 'p95 under 200 ms', weight: 60 }],
  };
  const form = appraisalForm(input);
  return withSchema(formPage({ form, action: '/r/x', context: '' }), answerSchema(form, input));
};

const request = (kind: RequestKind): HumanRequest => ({
  requestId: `req-${kind}`,
  kind,
  recipientId: 'emp-ola',
  subjectId: 'emp-ola',
  cycleId: 'cycle-1',
  dueAt: '2027-01-20T17:00:00.000Z',
  closeAt: '2027-01-30T17:00:00.000Z',
  reminderHoursBefore: [],
  escalations: [],
  status: 'open',
  remindersSent: 0,
  escalationsSent: 0,
  createdAt: '2027-01-10T09:00:00.000Z',
});

/** A phase's form as its request shows it, the subject having one draft goal or none. */
const phase = async (kind: RequestKind, drafts: number): Promise<Case> => {
  const goal = {
    goalId: 'g-draft',
    ownerId: 'emp-ola',
    title: 'Ship the billing API',
    measure: 'Live for three customers',
    weight: 40,
    dueDate: '2027-12-31',
    status: 'draft' as const,
    progress: [],
    createdAt: '2027-01-10T09:00:00.000Z',
    updatedAt: '2027-01-10T09:00:00.000Z',
  };
  ddb
    .on(QueryCommand)
    .resolves({ Items: drafts ? [db().goal.put(goal).params<{ Item: object }>().Item] : [] });
  ddb.on(GetCommand).resolves({});
  const built = await phaseFormFor(request(kind));
  if (!built) throw new Error(`${kind} has no phase form`);
  return {
    page: formPage({ form: built.form, action: '/r/x', context: '' }),
    errorsFor: (body) => {
      const parsed = built.parse(Object.fromEntries(body));
      return parsed.ok ? {} : parsed.errors;
    },
  };
};

const rules: NominationRules = {
  employeeId: 'emp-ola',
  managerId: 'emp-mia',
  suggestions: ['emp-ada', 'emp-bo', 'emp-cy'].map((employeeId) => ({
    employeeId,
    name: employeeId,
    title: 'Engineer',
    teammate: true,
  })),
  minPeers: 2,
  maxPeers: 4,
};
const nominated = {
  peers: ['emp-ada', 'emp-bo'],
  externals: [{ id: 'ext-erin', name: 'Erin Out', email: 'erin@partner.example' }],
};
const asFormBody = (body: URLSearchParams): FormBody => formBody(body.toString());

/**
 * A plan's form (the owner's answer, the manager's decision, a check-in, a session question), for a
 * plan with one item due in a month.
 */
const planItemForm = async (
  kind: 'action-item' | 'item-decision' | 'check-in' | 'session',
): Promise<Case> => {
  const item = db()
    .planItem.put({
      planId: 'plan-1',
      itemId: 'i1',
      ownerId: 'emp-ola',
      kind: 'training',
      title: 'Finish the course',
      dueAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      agreedDueAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      newDates: 0,
      status: 'open',
      requestId: `req-${kind}`,
      round: 1,
      history: [],
      createdAt: '2027-01-10T09:00:00.000Z',
    })
    .params<{ Item: object }>().Item;
  const plan = db()
    .plan.put({
      planId: 'plan-1',
      ownerId: 'emp-ola',
      title: 'Grow',
      status: 'active',
      origin: 'manual',
      policyId: 'development',
      policy: DEFAULT_PLAN_POLICY,
      openItems: 1,
      itemCount: 1,
      checkIns: 0,
      createdAt: '2027-01-10T09:00:00.000Z',
      createdBy: 'hr',
    })
    .params<{ Item: object }>().Item;
  ddb.on(GetCommand).callsFake((input: { Key?: { sk?: string } }) => ({
    Item: String(input.Key?.sk ?? '').includes('planitem') ? item : plan,
  }));
  ddb.on(QueryCommand).resolves({ Items: [item] });
  const req = { ...request(kind), planId: 'plan-1', itemId: 'i1' };
  const built = (await planFormFor(req)) ?? (await checkInFormFor(req));
  if (!built) throw new Error(`${kind} has no plan form`);
  return {
    page: formPage({ form: built.form, action: '/r/x', context: '' }),
    errorsFor: (body) => {
      const parsed = built.parse(Object.fromEntries(body));
      return parsed.ok ? {} : parsed.errors;
    },
  };
};

/** A drafted plan's agreement form: one item from the review, one mentoring item, and one to add. */
const agreementForm = (): Case => {
  const timeZone = 'Europe/Oslo';
  const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();
  const items: DraftPlanItem[] = [
    {
      key: 'd1',
      kind: 'training',
      title: 'Complete the advanced course',
      dueAt: inDays(30),
      competencyId: 'craft',
      source: 'gap',
    },
    { key: 'd3', kind: 'mentoring', title: 'Be mentored', dueAt: inDays(60), mentorId: 'emp-bo' },
  ];
  const page = agreementPage({
    action: '/r/x',
    context: '',
    view: {
      draft: { items, nextKey: 4, managerId: 'emp-mia' },
      party: 'owner',
      ownerName: 'Ola Haugen',
      managerName: 'Mia Manager',
      agreed: { owner: false, manager: true },
      names: {},
      timeZone,
      revision: 2,
    },
  });
  return {
    page,
    errorsFor: (body) => {
      const read = readDraftForm(items, formBody(body.toString()), {
        timeZone,
        today: localDay(new Date(), timeZone),
      });
      return read.ok ? {} : read.errors;
    },
  };
};

/** A request for feedback any time, on the given catalog items and question. */
const feedbackCase = ({ items, question }: { items: string[]; question?: string }): Case => {
  const ask: FeedbackAsk = {
    askId: 'ask-1',
    askerId: 'emp-ola',
    subjectId: 'emp-ola',
    requestIds: ['r1'],
    items: items.map((id) => ({ id, name: id, type: 'competency' })),
    ...(question ? { question } : {}),
    anonymous: true,
    threshold: 3,
    managerSees: false,
    dueAt: '2027-01-20T22:59:59.000Z',
    createdAt: '2027-01-10T09:00:00.000Z',
  };
  return {
    page: formPage({ form: feedbackForm(ask, 'Ola', ''), action: '/r/x', context: '' }),
    errorsFor: (body) => {
      const parsed = parseFeedback(ask, Object.fromEntries(body));
      return parsed.ok ? {} : parsed.errors;
    },
  };
};

const CASES: Record<RequestKind, () => Promise<Array<[string, Case]>>> = {
  'self-assessment': async () => [
    ['without a template', fixed('self-assessment')],
    ['with a template', templated('self-assessment')],
  ],
  'peer-feedback': async () => [
    ['without a template', fixed('peer-feedback')],
    ['with a template', templated('peer-feedback')],
  ],
  'manager-appraisal': async () => [
    ['without a template', fixed('manager-appraisal')],
    ['with a template', templated('manager-appraisal')],
  ],
  'action-item': async () => [['', await planItemForm('action-item')]],
  'item-decision': async () => [['', await planItemForm('item-decision')]],
  'check-in': async () => [['', await planItemForm('check-in')]],
  session: async () => [['', await planItemForm('session')]],
  'plan-agreement': async () => [['', agreementForm()]],
  // Asks nothing: stored answered, only its notice (the plan's summary) is ever sent.
  'plan-summary': async () => [],
  'goal-setting': async () => [
    ['a first goal', await phase('goal-setting', 0)],
    ['a draft and a new goal', await phase('goal-setting', 1)],
  ],
  'goal-approval': async () => [['', await phase('goal-approval', 1)]],
  'review-meeting': async () => [['', await phase('review-meeting', 0)]],
  acknowledgment: async () => [['', await phase('acknowledgment', 0)]],
  'peer-nomination': async () => [
    [
      '',
      withSchema(
        nominationPage({ kind: 'peer-nomination', action: '/r/x', context: '', rules, checked: [] }),
        nominationSchema(rules),
        asFormBody,
      ),
    ],
  ],
  feedback: async () => [
    [
      'on catalog items and a question',
      feedbackCase({ items: ['craft', 'ownership'], question: 'What next?' }),
    ],
    ['on a question alone', feedbackCase({ items: [], question: 'What should I keep doing?' })],
  ],
  // Asks nothing: stored answered, only its notice (the praise) is ever sent.
  praise: async () => [],
  'peer-approval': async () => [
    [
      '',
      withSchema(
        nominationPage({
          kind: 'peer-approval',
          action: '/r/x',
          context: '',
          rules,
          checked: nominated.peers,
          externals: nominated.externals,
          checkedExternals: [],
        }),
        approvalSchema(rules, nominated),
        asFormBody,
      ),
    ],
  ],
};

describe('every form’s page and schema name the same fields', () => {
  beforeEach(() => {
    vi.stubEnv('TABLE_NAME', 'growcycle-unit');
  });

  afterEach(() => {
    ddb.reset();
    vi.unstubAllEnvs();
  });

  it.each(REQUEST_KINDS)('%s', async (kind) => {
    for (const [variant, { page, errorsFor }] of await CASES[kind]()) {
      // Prepare
      const form = variant ? `${kind}, ${variant}` : kind;
      const names = namesOf(page);
      const complete = completeAnswer(page);
      const onPage = (errors: Record<string, string>) =>
        Object.keys(errors).filter((name) => !names.includes(name));

      // Act
      const accepted = errorsFor(complete);
      const empty = errorsFor(new URLSearchParams());
      const refusals = names.map((name) => {
        const body = new URLSearchParams(complete);
        body.set(name, UNACCEPTABLE);
        return { name, errors: errorsFor(body) };
      });

      // Assess
      expect(names.length, `${form}: fields on the page`).toBeGreaterThan(0);
      expect(accepted, `${form}: the complete answer`).toEqual({});
      expect(onPage(empty), `${form}: errors of an empty answer`).toEqual([]);
      for (const { name, errors } of refusals) {
        expect(Object.keys(errors), `${form}: ${name} read`).toContain(name);
        expect(onPage(errors), `${form}: errors with ${name} unacceptable`).toEqual([]);
      }
    }
  });
});

import * as z from 'zod';
import { fieldErrors, type LineField, textSchema } from '../catalog/forms';
import { type CyclePolicy, PEERS_PER_REVIEW } from '../cycles/policy';
import { COMPANY_ADDRESS_REFUSED, isCompanyAddress } from '../people/external';
import { now } from '../platform/clock';
import { externalId, isExternalId } from '../platform/ids';
import { type Cycle, db, type Employee, type HumanRequest, ignoreConditionFailure } from '../platform/table';
import { oneLine } from '../platform/text';
import {
  approvalRequestId,
  autoPickedPeers,
  colleaguesAsPeers,
  nominationRequestId,
  peerRequest,
  pickPeers,
} from './start';

/*
 * 360 peer nominations in a cycle made from a template: the nominator (the employee, or the manager
 * when the template says so) ticks colleagues from suggestions and may add up to two external
 * reviewers; when the employee nominates, the manager approves or changes the list. Then one
 * peer-feedback request per approved reviewer is created. The two forms are defined here, once for
 * their pages (functions/api/nomination-page.ts) and their schemas; the rules are pure and
 * unit-tested; the reads and writes around them are below.
 */

export const MAX_EXTERNALS = 2;
const MAX_SUGGESTIONS = 40;
/** Managers whose teams are read for suggestions ("people who share the manager's manager"). */
const MAX_SIBLING_TEAMS = 10;

type NominationKind = 'peer-nomination' | 'peer-approval';

export const isNominationKind = (kind: string): kind is NominationKind =>
  kind === 'peer-nomination' || kind === 'peer-approval';

export { approvalRequestId, externalId, isExternalId, nominationRequestId };

/** What each nomination page is called, what it says first and what its button says. */
export const NOMINATION_PAGES: Record<NominationKind, { title: string; intro: string; submit: string }> = {
  'peer-nomination': {
    title: 'Peer reviewers',
    intro:
      'Tick the colleagues who know the work well enough to give useful feedback. You may add up to two reviewers from outside the company; they need no account.',
    submit: 'Send my choice',
  },
  'peer-approval': {
    title: 'Approve peer reviewers',
    intro: 'These are the nominated reviewers. Approve them as they are, or untick some and tick others.',
    submit: 'Approve these reviewers',
  },
};

/** The colleagues ticked: a checkbox per suggestion, valued by employee id. */
export const PEER_FIELD = 'peer';
/** Approving: the nominated external reviewers kept, a checkbox each, valued by their id. */
export const EXTERNAL_FIELD = 'external';

/** The n-th external reviewer a nominator may add: a name and an address, or neither. */
const externalReviewer = (n: number): { legend: string; name: LineField; email: LineField } => {
  const who = `External reviewer ${n}`;
  return {
    legend: `${who} (optional)`,
    name: {
      name: `external${n}Name`,
      type: 'input',
      inputType: 'text',
      label: 'Name',
      short: `${who}: the name`,
      required: false,
      maxLength: 200,
    },
    email: {
      name: `external${n}Email`,
      type: 'input',
      inputType: 'email',
      label: 'Email address',
      short: `${who}: the address`,
      required: false,
      maxLength: 254,
    },
  };
};

/** The external reviewers a nominator may add, in page order. */
export const EXTERNAL_REVIEWERS = Array.from({ length: MAX_EXTERNALS }, (_, i) => externalReviewer(i + 1));

export type External = { id: string; name: string; email: string };
/** What a nomination (or an approval) stores as its answer. */
export type Nominations = { peers: string[]; externals: External[] };

export type Suggestion = { employeeId: string; name: string; title: string; teammate: boolean };

export type NominationRules = {
  employeeId: string;
  managerId: string;
  suggestions: Suggestion[];
  minPeers: number;
  maxPeers: number;
};

/** Fewer colleagues to choose from than the template's minimum: the minimum is what there is. */
export const effectiveMin = (rules: Pick<NominationRules, 'minPeers' | 'maxPeers' | 'suggestions'>) =>
  Math.min(rules.minPeers, rules.maxPeers, rules.suggestions.length);

/**
 * Colleagues to offer, teammates first, then the other teams under the manager's manager, then the
 * rest of the department: active people only, each once, never the employee or their manager.
 */
export const suggestionsFrom = (
  employeeId: string,
  managerId: string,
  teammates: Employee[],
  ...others: Employee[][]
): Suggestion[] => {
  const seen = new Set([employeeId, managerId]);
  const out: Suggestion[] = [];
  const byName = (a: Employee, b: Employee) =>
    a.name.localeCompare(b.name) || a.employeeId.localeCompare(b.employeeId);
  for (const [i, group] of [teammates, ...others].entries()) {
    for (const p of [...group].sort(byName)) {
      if (seen.has(p.employeeId) || p.status !== 'active') continue;
      seen.add(p.employeeId);
      out.push({ employeeId: p.employeeId, name: p.name, title: p.title, teammate: i === 0 });
    }
  }
  return out.slice(0, MAX_SUGGESTIONS);
};

export type Problem = { field: string; message: string };

/**
 * What is wrong with a choice of reviewers, each problem on the field the page shows it next to:
 * only suggested colleagues (never the employee or their manager), between the minimum and the
 * maximum reviewers in all, each once.
 */
export const nominationProblems = (choice: Nominations, rules: NominationRules): Problem[] => {
  const problems: Problem[] = [];
  const allowed = new Set(rules.suggestions.map((s) => s.employeeId));
  if (choice.peers.some((p) => p === rules.employeeId || p === rules.managerId)) {
    problems.push({
      field: PEER_FIELD,
      message: 'The person reviewed and their manager cannot be peer reviewers',
    });
  } else if (choice.peers.some((p) => !allowed.has(p))) {
    problems.push({ field: PEER_FIELD, message: 'Choose colleagues from the list' });
  }
  const emails = choice.externals.map((e) => e.email.toLowerCase());
  if (new Set(emails).size !== emails.length) {
    problems.push({
      field: externalReviewer(choice.externals.length).email.name,
      message: 'Each external reviewer needs their own email address',
    });
  }
  choice.externals.forEach((e, i) => {
    if (isCompanyAddress(e.email))
      problems.push({ field: externalReviewer(i + 1).email.name, message: COMPANY_ADDRESS_REFUSED });
  });
  if (choice.externals.length > MAX_EXTERNALS) {
    problems.push({ field: EXTERNAL_FIELD, message: `At most ${MAX_EXTERNALS} external reviewers` });
  }
  const total = new Set(choice.peers).size + choice.externals.length;
  const min = effectiveMin(rules);
  if (problems.length === 0 && (total < min || total > rules.maxPeers)) {
    problems.push({
      field: PEER_FIELD,
      message:
        min === rules.maxPeers
          ? `Choose ${min} reviewers (you chose ${total})`
          : `Choose between ${min} and ${rules.maxPeers} reviewers (you chose ${total})`,
    });
  }
  return problems;
};

/** A form body as the browser sends it: checkboxes repeat their name. */
export type FormBody = Record<string, string | string[]>;

/** A urlencoded body as the browser sends it; a checkbox group repeats its name. */
export const formBody = (body: string): FormBody => {
  const params = new URLSearchParams(body);
  const out: FormBody = {};
  for (const key of new Set(params.keys())) {
    const all = params.getAll(key);
    out[key] = all.length > 1 ? all : (all[0] ?? '');
  }
  return out;
};

const list = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => [...new Set(v === undefined ? [] : Array.isArray(v) ? v : [v])]);

/** A field's first value: a repeated name posts a list. */
const first = (v: unknown) => (Array.isArray(v) ? v[0] : v);

const addProblems = (ctx: z.RefinementCtx, problems: Problem[]) => {
  for (const p of problems) ctx.addIssue({ code: 'custom', path: [p.field], message: p.message });
};

/**
 * The nomination form's schema: the colleagues ticked (PEER_FIELD) and up to two external reviewers
 * (EXTERNAL_REVIEWERS), a name and a valid address each, or neither.
 */
export const nominationSchema = (rules: NominationRules) => {
  const shape: Record<string, z.ZodType> = { [PEER_FIELD]: list };
  for (const x of EXTERNAL_REVIEWERS) {
    // An external reviewer's name is in the subject of the email they get: one line, composed.
    shape[x.name.name] = z.preprocess((v) => {
      const given = first(v);
      return typeof given === 'string' ? oneLine(given) : given;
    }, textSchema(x.name));
    shape[x.email.name] = z.preprocess(first, textSchema(x.email));
  }
  return z
    .object(shape)
    .superRefine((v, ctx) => {
      const missing = (field: LineField) =>
        ctx.addIssue({ code: 'custom', path: [field.name], message: fieldErrors.missing(field) });
      for (const x of EXTERNAL_REVIEWERS) {
        if (v[x.email.name] && !v[x.name.name]) missing(x.name);
        if (v[x.name.name] && !v[x.email.name]) missing(x.email);
      }
    })
    .transform((v, ctx): Nominations => {
      const externals: External[] = [];
      for (const x of EXTERNAL_REVIEWERS) {
        const name = v[x.name.name] as string;
        const email = (v[x.email.name] as string).toLowerCase();
        if (name && email) externals.push({ id: externalId(email), name, email });
      }
      const choice = { peers: v[PEER_FIELD] as string[], externals };
      addProblems(ctx, nominationProblems(choice, rules));
      return choice;
    });
};

/**
 * The approval form's schema: the manager keeps or unticks the nominated colleagues, ticks other
 * suggestions, and keeps or unticks the nominated external reviewers (EXTERNAL_FIELD, by id).
 */
export const approvalSchema = (rules: NominationRules, nominated: Nominations) =>
  z.object({ [PEER_FIELD]: list, [EXTERNAL_FIELD]: list }).transform((v, ctx): Nominations => {
    const byId = new Map(nominated.externals.map((e) => [e.id, e]));
    if (v[EXTERNAL_FIELD].some((id) => !byId.has(id)))
      ctx.addIssue({
        code: 'custom',
        path: [EXTERNAL_FIELD],
        message: 'Choose external reviewers from the list',
      });
    const choice = {
      peers: v[PEER_FIELD],
      externals: v[EXTERNAL_FIELD].flatMap((id) => {
        const e = byId.get(id);
        return e ? [e] : [];
      }),
    };
    addProblems(ctx, nominationProblems(choice, rules));
    return choice;
  });

/** What the nomination form ticks at first: teammates as the auto-pick would, topped up to the minimum. */
export const defaultChoice = (
  employee: Employee,
  rules: NominationRules,
  teammates: Employee[],
): string[] => {
  const allowed = new Set(rules.suggestions.map((s) => s.employeeId));
  const picked = pickPeers(
    employee,
    teammates.filter((t) => allowed.has(t.employeeId)),
    rules.maxPeers,
  ).map((p) => p.employeeId);
  for (const s of rules.suggestions) {
    if (picked.length >= effectiveMin(rules)) break;
    if (!picked.includes(s.employeeId)) picked.push(s.employeeId);
  }
  return picked;
};

export const asNominations = (answer: unknown): Nominations | undefined => {
  const a = answer as Partial<Nominations> | undefined;
  return a && Array.isArray(a.peers) && Array.isArray(a.externals)
    ? { peers: a.peers, externals: a.externals }
    : undefined;
};

const employees = async (ids: string[]): Promise<Employee[]> =>
  (
    await Promise.all(ids.map(async (employeeId) => (await db().employee.get({ employeeId }).go()).data))
  ).filter((e): e is Employee => e !== null);

export type NominationContext = {
  cycle: Cycle;
  employee: Employee;
  teammates: Employee[];
  rules: NominationRules;
};

/** The suggestions and rules of one review's nomination, read afresh for the form page and for its POST. */
export const nominationContext = async (cycleId: string, employeeId: string): Promise<NominationContext> => {
  const { cycle, employee } = db();
  const [c, e] = await Promise.all([cycle.get({ cycleId }).go(), employee.get({ employeeId }).go()]);
  if (!c.data || !e.data) throw new Error(`Review ${cycleId}/${employeeId} is missing its cycle or employee`);
  const managerId = e.data.managerId ?? 'hr';
  const reports = async (id: string) =>
    (await employee.query.byManager({ managerId: id }).go({ pages: 'all' })).data;
  const teammates = e.data.managerId ? await reports(managerId) : [];
  const manager = e.data.managerId ? (await employee.get({ employeeId: managerId }).go()).data : null;
  // Other teams under the manager's manager; a bounded number of them, so a wide org stays cheap.
  const siblingManagers = manager?.managerId
    ? (await reports(manager.managerId)).filter((m) => m.employeeId !== managerId).slice(0, MAX_SIBLING_TEAMS)
    : [];
  const department = e.data.department;
  const [others, colleagues] = await Promise.all([
    Promise.all(siblingManagers.map((m) => reports(m.employeeId))).then((teams) => teams.flat()),
    // One page of the department is plenty to choose from; its keys ignore case, the name does not.
    department
      ? employee.query
          .byDepartment({ department })
          .go({ limit: MAX_SUGGESTIONS })
          .then((r) => r.data.filter((p) => p.department === department))
      : Promise.resolve([]),
  ]);
  const policy = c.data.policy as CyclePolicy | undefined;
  const maxPeers = policy?.maxPeers ?? PEERS_PER_REVIEW;
  return {
    cycle: c.data,
    employee: e.data,
    teammates,
    rules: {
      employeeId,
      managerId,
      suggestions: suggestionsFrom(employeeId, managerId, teammates, others, colleagues),
      minPeers: Math.min(policy?.minPeers ?? 0, maxPeers),
      maxPeers,
    },
  };
};

/**
 * After the nomination (and the approval, when the employee nominated): one peer-feedback request per
 * approved reviewer, with a stable id each, so a retried step creates none twice. An approval that
 * expired leaves the nominations standing; a nomination that expired falls back to the auto-picked
 * teammates. Returns the peer request ids, which the review then opens and waits for as one group.
 */
export const requestNominatedPeers = async (cycleId: string, employeeId: string): Promise<string[]> => {
  const { request, review, cycle, employee } = db();
  const read = async (requestId: string) =>
    (await request.get({ requestId }).go({ consistent: true })).data ?? undefined;
  const [nomination, approval, c, e] = await Promise.all([
    read(nominationRequestId(cycleId, employeeId)),
    read(approvalRequestId(cycleId, employeeId)),
    cycle.get({ cycleId }).go(),
    employee.get({ employeeId }).go(),
  ]);
  if (!c.data || !e.data) throw new Error(`Review ${cycleId}/${employeeId} is missing its cycle or employee`);
  const theEmployee = e.data;
  const theCycle = c.data;
  const policy = theCycle.policy as CyclePolicy | undefined;
  const answered = (r: HumanRequest | undefined) =>
    r?.status === 'submitted' ? asNominations(r.answer) : undefined;
  const chosen = answered(approval) ?? answered(nomination);
  // Only the fallback reads the team: the answered path reads just the people chosen.
  const colleagues = chosen ? await employees(chosen.peers) : await autoPickedPeers(theEmployee, policy);
  const createdAt = now().toISOString();
  const requests: HumanRequest[] = [
    ...colleaguesAsPeers(theCycle, policy, employeeId, colleagues, createdAt),
    // An external reviewer's zone is not known: their emails follow the employee's.
    ...(chosen?.externals ?? []).map((x) =>
      peerRequest(
        theCycle,
        policy,
        employeeId,
        { recipientId: x.id, timeZone: theEmployee.timeZone, external: { name: x.name, email: x.email } },
        createdAt,
      ),
    ),
  ];
  await Promise.all(requests.map((r) => request.create(r).go().catch(ignoreConditionFailure)));
  const peerRequestIds = requests.map((r) => r.requestId);
  await review.patch({ cycleId, employeeId }).set({ peerRequestIds }).go();
  return peerRequestIds;
};

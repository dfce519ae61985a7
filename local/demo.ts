import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { run as runCli } from '../cli/growcycle';
import { parseCsvObjects } from '../domain/people/csv';
import { type FeedbackCounts, playFeedback } from './feedback-script';
import {
  agreeToDraft,
  answer,
  type EmailItem,
  fetchInbox,
  inboxReader,
  itemsIn,
  submitForm,
  writeForm,
} from './people';
import { checkInHabit, checkInLines, type ItemHabit, itemHabit, sessionHabit } from './plan-habits';
import { CATALOG_YAML, HABITS, habitOf, type Person, SAMPLE_ORG, SAMPLE_ORG_CSV } from './sample-org';
import { type LocalStack, startStack } from './stack';
import { portsFromEnv, printWhereThingsAre } from './where';

/*
 * The demo: the whole system on this machine, a sample organisation, one appraisal cycle, then the
 * development plans drafted from its reviews (and three started by hand) followed in simulated time
 * until the last one ends. Simulated people read their email, click the links and submit the forms
 * over HTTP, each at their habit's moment (local/sample-org.ts, local/plan-habits.ts); one of them
 * never answers, so reminders and escalations happen.
 */

export const DEMO_START = new Date('2027-01-04T08:00:00Z');

/** The HR admin the demo acts as; HR admins sign in with Cognito and need not be in the org chart. */
export const HR_USER = 'hr-demo';

export type DemoSummary = {
  employees: number;
  executions: { succeeded: number; failed: number; running: number };
  /** Emails sent, how many of them were digests, and what they carried by kind (digest items each). */
  emails: { total: number; digests: number; byKind: Record<string, number> };
  feedbackSubmitted: number;
  reminders: number;
  escalations: number;
  stateTransitions: number;
  /** Feedback any time: requests for feedback made, answers to them, and praise given. */
  feedback: { asked: number; answered: number; praise: number };
  /** The development plans: how many were drafted from the reviews and agreed, and what came of them. */
  plans: {
    drafted: number;
    agreed: number;
    items: {
      done: number;
      doneLate: number;
      blocked: number;
      newDates: number;
      escalated: number;
      dropped: number;
    };
    checkIns: { asked: number; answered: number };
    mentoringSessions: number;
  };
};

export type DemoResult = {
  summary: DemoSummary;
  plansFollowed: PlansFollowed;
  stack: LocalStack;
  cycleId: string;
  planIds: string[];
  answered: Record<string, number>;
  realSeconds: number;
};

type Log = (line: string) => void;

const api = async (stack: LocalStack, method: string, path: string, body?: unknown, key?: string) => {
  const res = await fetch(`${stack.urls.api}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${stack.devToken(HR_USER, { hr: true })}`,
      ...(key ? { 'idempotency-key': key } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
};

const day = (d: Date) =>
  d.toLocaleDateString('en-GB', { weekday: 'short', day: '2-digit', month: 'short', timeZone: 'UTC' });

const STEP = (kind: string) => kind.split('.')[0] ?? kind;

const NOUN: Record<string, [string, string]> = {
  'self-assessment': ['self-assessment', 'self-assessments'],
  'peer-feedback': ['peer feedback', 'peer feedback'],
  'manager-appraisal': ['manager appraisal', 'manager appraisals'],
  'action-item': ['development action', 'development actions'],
  'goal-setting': ['goal-setting', 'goal drafts'],
  'goal-approval': ['goal approval', 'goal decisions'],
  'review-meeting': ['review meeting', 'review meetings'],
  acknowledgment: ['acknowledgment', 'acknowledgments'],
  'peer-nomination': ['peer nomination', 'peer nominations'],
  'peer-approval': ['nomination approval', 'nomination approvals'],
  'item-decision': ['decision on a blocked action', 'decisions on blocked actions'],
  'check-in': ['check-in', 'check-ins'],
  session: ['session confirmation', 'session confirmations'],
  'plan-agreement': ['draft plan agreement', 'draft plan agreements'],
  feedback: ['feedback', 'feedback'],
  cycle: ['cycle', 'cycles'],
};

/** The demo template's goal-setting days: a self-assessment asked for after them opened late. */
const GOAL_DAYS = (() => {
  const template = parseAllDocuments(readFileSync(CATALOG_YAML, 'utf8'))
    .map((d) => d.toJS() as { kind?: string; id?: string; phases?: { goalSetting?: { dueDays?: number } } })
    .find((d) => d.kind === 'template' && d.id === 'annual-review');
  return template?.phases?.goalSetting?.dueDays ?? 0;
})();

/** The one set of draft goals the demo's manager sends back, once, with a comment. */
const RETURNED_GOALS = {
  manager: 'Ingrid Berg',
  employee: 'Emma Johansen',
  comment: 'Make the second goal measurable: a number and a date',
};

/**
 * The development plans HR starts by hand on the first day, before any review: their items fall due
 * within weeks, so their follow-up (a blocked item, a new date, a mentor, an item never answered)
 * plays out during the cycle.
 */
const STARTED_PLANS = [
  {
    key: 'demo-plan-e10',
    ownerId: 'e10',
    title: 'Grow into on-call lead',
    items: [
      { title: 'Shadow two incident reviews', inDays: 10 },
      { title: 'Write the database failover runbook', inDays: 20 },
    ],
  },
  {
    key: 'demo-plan-e08',
    ownerId: 'e08',
    title: 'Research practice',
    items: [{ title: 'Publish the research repository guide', inDays: 12 }],
  },
  {
    key: 'demo-plan-e12',
    ownerId: 'e12',
    title: 'Own the on-call rota',
    items: [
      { kind: 'stretch', title: 'Lead the on-call shadow week', inDays: 15 },
      {
        kind: 'mentoring',
        title: 'Mentoring on incident command',
        inDays: 45,
        mentorId: 'e09',
        sessionEveryDays: 14,
      },
    ],
  },
];

/** The started plans' items, which follow their script and their owners' habits, not the plan habits. */
const STARTED_ITEMS = new Set(STARTED_PLANS.flatMap((p) => p.items.map((i) => i.title)));

/**
 * What the plans' people do beyond their habits: one action blocked (its manager unblocks it with a
 * new date), one moved two weeks later (within the policy), a mentor confirming sessions.
 */
const PLAN_SCRIPT = {
  blocked: { title: 'failover runbook', reason: 'The staging database is frozen until the migration' },
  newDate: { title: 'on-call shadow', days: 14 },
  mentoring: {
    title: 'incident command',
    note: 'We walked through two incident reviews and the paging policy',
  },
  unblockDays: 21,
};

/** A date `days` from now as a form's date field takes it. */
const dateIn = (from: Date, days: number) =>
  new Date(from.getTime() + days * 86_400_000).toISOString().slice(0, 10);

/**
 * What `--keep-running` and `npm start` say about the app: where to sign in, and who, with the roles the sample
 * organisation gives them (anyone may also sign in as HR on the development sign-in page).
 */
export const signInLines = (appUrl: string, people: Person[]): string[] => {
  const managers = new Set(people.flatMap((p) => (p.managerId ? [p.managerId] : [])));
  const who = people.map((p) => `${p.name}${managers.has(p.employeeId) ? ' (manager)' : ''}`);
  return [
    `Sign in to the app at ${appUrl}/ as anyone in the sample organisation`,
    '(its development sign-in page also signs anyone in as HR):',
    ...wrap(who, 100).map((line) => `  ${line}`),
  ];
};

/** Items joined with commas into lines of at most `width`, never breaking an item. */
const wrap = (items: string[], width: number): string[] => {
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    if (line && line.length + item.length + 2 > width) {
      lines.push(`${line},`);
      line = item;
    } else line = line ? `${line}, ${item}` : item;
  }
  return line ? [...lines, line] : lines;
};

export const phrase = (event: string, n: number): string => {
  const [step = '', what = ''] = event.split('.');
  const s1 = n === 1 ? '' : 's';
  if (event === 'review-meeting.request') return `${n} meeting invitation${s1} (.ics) to managers`;
  if (event === 'review-meeting.invitation') return `${n} meeting invitation${s1} (.ics) to employees`;
  if (event === 'review-meeting.submitted') return `${n} review meeting${s1} recorded as held`;
  if (event === 'acknowledgment.unreleased') return `HR told of ${n} unreleased result${s1}`;
  if (event === 'digest') return `${n} digest${s1} (one email for several things)`;
  if (event === 'check-in.notice') return `${n} check-in ${n === 1 ? 'summary' : 'summaries'} to managers`;
  if (event === 'plan-summary.notice') return `${n} plan ${n === 1 ? 'summary' : 'summaries'} (plan ended)`;
  if (event === 'action-item.blocked') return `${n} development action${s1} marked blocked`;
  if (event === 'action-item.new-date') return `${n} new date${s1} asked for`;
  if (event === 'action-item.done') return `${n} development action${s1} done`;
  if (event === 'action-item.late') return `${n} overdue development action${s1} done late`;
  if (event === 'check-in.submitted') return `${n} check-in${s1} answered`;
  if (event === 'session.held') return `${n} coaching or mentoring session${s1} confirmed held`;
  if (event === 'session.not-held') return `${n} session${s1} not held this time`;
  if (event === 'goal-approval.approved')
    return `${n} ${n === 1 ? "employee's" : "employees'"} goals approved`;
  if (event === 'goal-approval.returned') return `${n} returned with a comment`;
  if (event === 'plan-agreement.agreed') return `${n} agreement${s1} to a drafted development plan`;
  if (event === 'plan-agreement.notice') return `${n} draft plan change${s1} told to the other party`;
  if (event === 'plan.notice') return `HR told of ${n} draft plan${s1} not agreed`;
  if (event === 'feedback.notice') return `${n} feedback answer${s1} to the asker`;
  if (event === 'praise.notice') return `${n} praise`;
  const [one, many] = NOUN[step] ?? [step, step];
  const s = n === 1 ? '' : 's';
  switch (what) {
    case 'request':
      return `${n} ${one} request${s} sent`;
    case 'reminder':
      return `${n} ${one} reminder${s}`;
    case 'escalation':
      return `${n} ${one} escalation${s}`;
    case 'submitted':
      return `${n} ${n === 1 ? one : many} submitted`;
    case 'report':
      return `cycle closed, report sent to HR`;
    default:
      return `${n} ${event}`;
  }
};

/** Runs the whole demo on a started stack with a simulated clock. */
export const runDemo = async (
  stack: LocalStack,
  log: Log,
  /** `everyone-on-time`: every simulated person answers when first asked (the bench's cost model). */
  /** `draftPlans: false`: releases draft no plans (the bench's price of the cycle alone). */
  options: { plans?: boolean; habits?: 'demo' | 'everyone-on-time'; draftPlans?: boolean } = {},
): Promise<DemoResult> => {
  const clock = stack.clock;
  if (!clock) throw new Error('The demo needs a simulated clock');
  const started = performance.now();
  const byEmail = new Map(SAMPLE_ORG.map((p) => [p.email, p]));

  /** Runs one growcycle command as HR and shows what it printed. */
  const hr = async (...args: string[]): Promise<string[]> => {
    log(`$ growcycle ${args.map((a) => (a.includes(' ') ? `"${a}"` : a)).join(' ')}`);
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), isTty: false };
    const code = await runCli(
      [...args, '--api', stack.urls.api, '--token', stack.devToken(HR_USER, { hr: true })],
      io,
    );
    if (code !== 0) throw new Error(`growcycle ${args[0]} failed: ${lines.join(' ')}`);
    for (const l of lines) log(`  ${l.trim()}`);
    return lines;
  };
  const relative = (file: string) => path.relative(process.cwd(), file);

  await hr('import-org', relative(SAMPLE_ORG_CSV), '--full');
  await hr('apply', relative(CATALOG_YAML));
  if (options.draftPlans === false) {
    const { doc } = (await api(stack, 'GET', '/templates/annual-review')) as { doc: object };
    await api(stack, 'PUT', '/templates/annual-review', { ...doc, developmentPlans: { draft: false } });
  }
  const [scheduled = ''] = await hr(
    'schedule-cycle',
    '--name',
    'Winter 2027 appraisal',
    '--template',
    'annual-review',
    '--start',
    DEMO_START.toISOString(),
    '--key',
    'demo-cycle-winter-2027',
  );
  const cycleId = /scheduled cycle (\S+)/.exec(scheduled)?.[1] ?? '';
  log(
    `${SAMPLE_ORG.length} people in 3 levels of management, Oslo and New York; the cycle starts ${day(DEMO_START)}.`,
  );

  // One after the other, as HR would post them: each plan's emails keep their order from run to run.
  const plans: Array<Record<string, unknown>> = [];
  for (const { key, ownerId, title, items } of options.plans === false ? [] : STARTED_PLANS) {
    const dated = items.map(({ inDays, ...item }) => ({
      ...item,
      dueAt: new Date(DEMO_START.getTime() + inDays * 86_400_000).toISOString(),
    }));
    plans.push(await api(stack, 'POST', '/plans', { ownerId, title, items: dated }, key));
  }
  if (plans.length)
    log(
      'Development plans started for Ola Haugen (2 actions), Victor Hale (1) and Noah Larsen (2, one of them mentoring by Sofie Andersen).',
    );
  log(
    `Habits: most answer when asked; ${Object.values(HABITS).filter((h) => h === 'after-reminder').length} answer after a reminder; Victor Hale never answers.`,
  );
  log(
    options.habits === 'everyone-on-time'
      ? 'Every manager approves the goals as drafted.\n'
      : `${RETURNED_GOALS.manager} returns ${RETURNED_GOALS.employee}'s first goals with a comment; the other managers approve them as drafted.\n` +
          'Once a plan is agreed, a few answer an action the day it is asked; most on its reminder a week before it is due, some the day before, and a few only once it is overdue and their manager is told.\n',
  );

  const feedbackCounts: FeedbackCounts = { asked: 0, praise: 0 };
  let feedbackAfter = false;
  for (const line of await playFeedback(stack, 'during', feedbackCounts)) log(`Feedback any time: ${line}.`);
  log('');

  let seen = 0;
  const newEmails = inboxReader(stack.urls.inbox);
  let released = false;
  const returned = new Set<string>();
  const scripted = new Set<string>();
  const answered: Record<string, number> = {};
  let digest: Record<string, number> = {};
  let digestDay = day(clock.now());
  let highlights: string[] = [];
  const flush = () => {
    const parts = Object.entries(digest).map(([k, n]) => phrase(k, n));
    if (parts.length) log(`  ${digestDay.padEnd(11)} ${parts.join(' · ')}`);
    for (const h of highlights) log(`              ↳ ${h}`);
    digest = {};
    highlights = [];
  };
  const note = (what: string) => {
    digest[what] = (digest[what] ?? 0) + 1;
  };
  // The first request to reach each time zone shows that emails keep each person's own hours.
  const zonesReached = new Set<string>();
  let digestShown = false;
  const localTime = (at: number, timeZone: string) =>
    new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit' }).format(at * 1000);
  /** Something worth a line the first time it happens; after that the day's counts say it. */
  const shown = new Set<string>();
  const once = (what: string, line: () => string) => {
    if (shown.has(what)) return;
    shown.add(what);
    highlights.push(line());
  };
  let answering: Array<Promise<void>> = [];
  // A form sent counts for its step, under the event the daily digest names it by.
  const counted = (sent: Promise<number>, event: string) =>
    answering.push(
      sent.then((status) => {
        if (status !== 200) return;
        answered[STEP(event)] = (answered[STEP(event)] ?? 0) + 1;
        note(event);
      }),
    );

  const followsPlans = options.habits !== 'everyone-on-time';
  const byName = new Map(SAMPLE_ORG.map((p) => [p.name, p]));
  /** How many times each coach or mentor has been asked about each owner's sessions. */
  const sessionsAsked = new Map<string, number>();
  /** Whose action an escalation is about, and which, when it is not one of the started plans'. */
  const draftedAction = (title: string): [string, string] | undefined => {
    const [, owner, action] = /^Overdue: (.+)'s development action “(.+)”$/.exec(title) ?? [];
    return owner && action && !STARTED_ITEMS.has(action) ? [owner, action] : undefined;
  };
  /** The drafted plans' actions as their owners keep them: the latest link, the reminders since, their habit. */
  const actions = new Map<string, { link: string; reminders: number; habit: ItemHabit }>();
  /**
   * A plan email as the plan habits answer it (local/plan-habits.ts): a drafted plan's action, its
   * escalation (the owner who answers late does so once their manager is told), a check-in, a
   * session question. False for anything else, which the cycle's habits answer.
   */
  const followUp = ({ kind, title, link, text }: EmailItem, person: Person | undefined): boolean => {
    const [step = '', what = ''] = kind.split('.');
    const due = /^Due: (.+)$/m.exec(text)?.[1] ?? '';
    if (step === 'action-item' && what === 'escalation') {
      const [ownerName, action] = draftedAction(title) ?? [];
      if (!ownerName || !action) return false;
      once(
        'overdue',
        () => `overdue: ${title.replace(/^Overdue: /, '')}, escalated to ${person?.name ?? 'HR'}`,
      );
      const owner = byName.get(ownerName);
      if (!owner) return true;
      const key = `${owner.employeeId}|${action}`;
      const followed = actions.get(key);
      if (followed?.habit !== 'late') return true;
      actions.delete(key);
      once('late', () => `${owner.name} answers it done the day their manager hears of it: done late`);
      counted(submitForm(followed.link, { choice: 'done' }), 'action-item.late');
      return true;
    }
    if (!person || !link) return false;
    if (step === 'action-item' && (what === 'request' || what === 'reminder')) {
      const action = title.replace(/^(Reminder: )?Development action: /, '');
      if (STARTED_ITEMS.has(action)) return false;
      const key = `${person.employeeId}|${action}`;
      const sessions = /^- (Mentoring|Coaching with your manager)$/m.test(text);
      const reminders = what === 'reminder' ? (actions.get(key)?.reminders ?? 0) + 1 : 0;
      const habit = actions.get(key)?.habit ?? itemHabit(person.employeeId, due, sessions);
      actions.set(key, { link, reminders, habit });
      const answers =
        (habit === 'at-once' && what === 'request') ||
        (habit === 'week-before' && reminders === 1) ||
        (habit === 'day-before' && reminders === 2);
      if (!answers) return true;
      actions.delete(key);
      if (habit === 'at-once')
        once(
          'at-once',
          () => `${person.name} answers “${action}” done the day it is asked: nothing more is sent about it`,
        );
      if (habit === 'week-before')
        once(
          'week-before',
          () =>
            `${person.name} answers “${action}” done on its reminder, a week before it is due, as most people do`,
        );
      counted(submitForm(link, { choice: 'done' }), 'action-item.done');
      return true;
    }
    if (step === 'check-in' && (what === 'request' || what === 'reminder')) {
      const habit = checkInHabit(person.employeeId, due);
      if (what === 'request')
        once(
          'check-in',
          () =>
            `${person.name} is asked for a check-in, a line on each action and goal: every plan's owner is, every fourth Monday; their manager reads the round's updates in one digest`,
        );
      if (what === 'reminder' && habit === 'never')
        once(
          'check-in missed',
          () =>
            `${person.name} has not answered their check-in: reminded once, the day before it is due, then it closes`,
        );
      if ((habit === 'at-once' && what === 'request') || (habit === 'on-reminder' && what === 'reminder')) {
        const { line, note: aside } = checkInLines(person.employeeId, due);
        counted(
          writeForm(link, (name) => (name === 'note' ? aside : line(name))),
          'check-in.submitted',
        );
      }
      return true;
    }
    if (step === 'session' && !text.includes(PLAN_SCRIPT.mentoring.title)) {
      const owner = /session with (.+) held\?/.exec(title)?.[1] ?? 'them';
      const key = `${person.employeeId}|${owner}`;
      if (what === 'request') sessionsAsked.set(key, (sessionsAsked.get(key) ?? 0) + 1);
      const session = sessionHabit(person.employeeId, owner, sessionsAsked.get(key) ?? 0);
      if (session.when !== (what === 'request' ? 'at-once' : 'on-reminder')) return true;
      if (!session.held)
        once(
          'not held',
          () => `${person.name} answers that the session with ${owner} was not held: “${session.note}”`,
        );
      counted(
        submitForm(link, { held: session.held ? 'yes' : 'no', note: session.note }),
        session.held ? 'session.held' : 'session.not-held',
      );
      return true;
    }
    return false;
  };

  for (let rounds = 0; rounds < 100_000; rounds++) {
    await stack.settle();
    const quietAt = stack.activity.version;
    const fresh = await newEmails();
    seen += fresh.length;
    answering = [];
    // HR releases the results when calibration is over and the meeting invitations go out, so
    // employees can read them before their meeting and acknowledge them after it.
    if (!released && fresh.some((e) => itemsIn(e).some((i) => i.kind === 'review-meeting.request'))) {
      released = true;
      const counts = (await api(stack, 'POST', `/cycles/${cycleId}/release`)) as { released: number };
      highlights.push(
        `HR released the results of ${counts.released} reviews; employees acknowledge them after their meeting`,
        'a development plan is drafted from each released review, for the employee and their manager to agree to',
      );
    }
    for (const email of fresh) {
      const person = byEmail.get(email.destination.to[0] ?? '');
      const items = itemsIn(email);
      if (items.length > 1) {
        note('digest');
        // The first digest of three or more shows what a digest is for.
        if (person && !digestShown && items.length >= 3) {
          digestShown = true;
          const kinds: Record<string, number> = {};
          for (const { kind } of items) kinds[kind] = (kinds[kind] ?? 0) + 1;
          const what = Object.entries(kinds).map(([k, n]) => phrase(k, n).replace(/ sent$/, ''));
          highlights.push(
            `${person.name} gets ${what.join(' and ')} as one email, each with its own link, instead of ${items.length} emails`,
          );
        }
      }
      for (const { kind, title, link, text } of items) {
        note(kind);
        if (person && kind === 'self-assessment.request' && !zonesReached.has(person.timeZone)) {
          zonesReached.add(person.timeZone);
          const city = person.timeZone.split('/').pop()?.replace(/_/g, ' ');
          highlights.push(
            `self-assessments reach ${city} at ${localTime(email.at, person.timeZone)} local time: emails keep each person's send hour (09:00) and skip weekends`,
          );
        }
        if (kind === 'goal-setting.request' && text.includes('returned your draft goals')) {
          highlights.push(
            `${RETURNED_GOALS.manager} returned ${person?.name ?? 'someone'}'s goals: “${RETURNED_GOALS.comment}”; round 2 asks again, the comment in the email`,
          );
        }
        // A self-assessment asked for after the goal-setting phase, because the goals took longer.
        if (
          person &&
          kind === 'self-assessment.request' &&
          email.at * 1000 > DEMO_START.getTime() + GOAL_DAYS * 86_400_000
        ) {
          const due = /Due: ([^,]+, \d+ \w+)/.exec(text)?.[1] ?? 'later';
          highlights.push(
            `${person.name}'s self-assessment opens only now, after the goal-setting phase: due ${due}, the phase's own days counted from today, not already overdue`,
          );
        }
        // A drafted plan's overdue actions are told in the day's counts; the first of them in full.
        if (kind.endsWith('.escalation') && !(followsPlans && draftedAction(title)))
          highlights.push(
            `${title.replace(/^Overdue: /, 'overdue: ')}, escalated to ${person?.name ?? 'HR'}`,
          );
        if (kind === 'plan-summary.notice')
          once('plan ended', () => {
            const [, owner, outcome] = / of (.+) has ended: ([^\n]+?)\.?$/m.exec(text) ?? [];
            return `${owner ? `${owner}'s plan has ended, ${outcome}` : 'a plan has ended'}: the summary reaches them and their manager in their digest`;
          });
        if (kind === 'cycle.report' && !feedbackAfter) {
          feedbackAfter = true;
          highlights.push(...(await playFeedback(stack, 'after', feedbackCounts)));
        }
        if (kind === 'cycle.report' && followsPlans)
          once(
            'plans run on',
            () =>
              'the cycle is over; the development plans run on: a reminder a week before each action is due, a check-in every four weeks, a question to each mentor every two',
          );
        if (followsPlans && followUp({ kind, title, link, text }, person)) continue;
        if (!person || !link) continue;
        const habit = options.habits === 'everyone-on-time' ? 'prompt' : habitOf(person.employeeId);
        // A mentoring item is done when its sessions are: its owner answers at its reminder.
        const mentoring = STEP(kind) === 'action-item' && title.includes(PLAN_SCRIPT.mentoring.title);
        const acts = mentoring
          ? kind.endsWith('.reminder') && habit !== 'never'
          : (habit === 'prompt' && (kind.endsWith('.request') || kind === 'plan-agreement.notice')) ||
            (habit === 'after-reminder' && kind.endsWith('.reminder'));
        if (!acts) continue;
        if (STEP(kind) === 'goal-approval') {
          // The manager decides on the drafts: one set goes back once with a comment, the rest are approved.
          const returnIt =
            options.habits !== 'everyone-on-time' &&
            title.includes(RETURNED_GOALS.employee) &&
            !returned.has(RETURNED_GOALS.employee);
          if (returnIt) returned.add(RETURNED_GOALS.employee);
          counted(
            submitForm(
              link,
              returnIt ? { decision: 'return', comment: RETURNED_GOALS.comment } : { decision: 'approve' },
            ),
            returnIt ? 'goal-approval.returned' : 'goal-approval.approved',
          );
          continue;
        }
        if (STEP(kind) === 'plan-agreement') {
          // Each agrees to the drafted plan as it stands (told of a change, to the changed one); a
          // mentoring item without a mentor gets the owner's manager.
          const own = text.includes('your draft development plan');
          const mentor = own ? (person.managerId ?? person.employeeId) : person.employeeId;
          counted(agreeToDraft(link, mentor), 'plan-agreement.agreed');
          continue;
        }
        if (STEP(kind) === 'action-item') {
          // The email's first link answers "done"; the form asks for the answer again, as a page would.
          if (title.includes(PLAN_SCRIPT.blocked.title) && !scripted.has('blocked')) {
            scripted.add('blocked');
            highlights.push(
              `${person.name} marks “${title.replace(/^(Reminder: )?Development action: /, '')}” blocked: “${PLAN_SCRIPT.blocked.reason}”; their manager is asked to decide at the next send slot`,
            );
            counted(
              submitForm(link, { choice: 'blocked', reason: PLAN_SCRIPT.blocked.reason }),
              'action-item.blocked',
            );
          } else if (title.includes(PLAN_SCRIPT.newDate.title) && !scripted.has('new-date')) {
            scripted.add('new-date');
            highlights.push(
              `${person.name} moves “${title.replace(/^(Reminder: )?Development action: /, '')}” ${PLAN_SCRIPT.newDate.days} days later: within the plan policy, accepted at once`,
            );
            counted(
              submitForm(link, {
                choice: 'new-date',
                dueDate: dateIn(clock.now(), PLAN_SCRIPT.newDate.days),
              }),
              'action-item.new-date',
            );
          } else counted(submitForm(link, { choice: 'done' }), 'action-item.done');
          continue;
        }
        if (STEP(kind) === 'item-decision') {
          highlights.push(`${person.name} unblocks it with a new date, ${PLAN_SCRIPT.unblockDays} days out`);
          counted(
            submitForm(link, { decision: 'unblock', dueDate: dateIn(clock.now(), PLAN_SCRIPT.unblockDays) }),
            'item-decision.submitted',
          );
          continue;
        }
        if (STEP(kind) === 'check-in') {
          counted(submitForm(link, { note: 'On track; the next step is booked' }), 'check-in.submitted');
          continue;
        }
        if (STEP(kind) === 'session') {
          if (!scripted.has('session')) {
            scripted.add('session');
            highlights.push(`${person.name} confirms a mentoring session: “${PLAN_SCRIPT.mentoring.note}”`);
          }
          counted(submitForm(link, { held: 'yes', note: PLAN_SCRIPT.mentoring.note }), 'session.held');
          continue;
        }
        counted(answer(link, seen + answering.length), `${STEP(kind)}.submitted`);
      }
    }
    await Promise.all(answering);
    if (fresh.length > 0 || stack.activity.version !== quietAt) continue;
    if (stack.sfn.list().every((e) => e.status !== 'RUNNING')) break;
    const before = day(clock.now());
    const step = await stack.advance();
    if (step === 'busy') continue;
    if (step === 'no-timers') break;
    if (day(clock.now()) !== before) {
      flush();
      digestDay = day(clock.now());
    }
  }
  flush();

  const executions = stack.sfn.list();
  const inbox = await fetchInbox(stack.urls.inbox);
  // What the emails asked and told, a digest's items each on their own.
  const byKind: Record<string, number> = {};
  for (const { kind } of inbox.flatMap(itemsIn)) byKind[kind] = (byKind[kind] ?? 0) + 1;
  const followed = await plansSummary(stack, byKind, answered);
  const count = (suffix: string) =>
    Object.entries(byKind)
      .filter(([k]) => k.endsWith(suffix))
      .reduce((s, [, n]) => s + n, 0);
  const summary: DemoSummary = {
    employees: SAMPLE_ORG.length,
    executions: {
      succeeded: executions.filter((e) => e.status === 'SUCCEEDED').length,
      failed: executions.filter(
        (e) => e.status === 'FAILED' || e.status === 'TIMED_OUT' || e.status === 'ABORTED',
      ).length,
      running: executions.filter((e) => e.status === 'RUNNING').length,
    },
    emails: { total: inbox.length, digests: inbox.filter((e) => itemsIn(e).length > 1).length, byKind },
    feedbackSubmitted:
      (answered['self-assessment'] ?? 0) +
      (answered['peer-feedback'] ?? 0) +
      (answered['manager-appraisal'] ?? 0),
    reminders: count('.reminder'),
    escalations: count('.escalation'),
    stateTransitions: executions.reduce((s, e) => s + e.transitions, 0),
    feedback: { ...feedbackCounts, answered: answered.feedback ?? 0 },
    plans: followed.summary,
  };
  return {
    summary,
    plansFollowed: followed.ended,
    stack,
    cycleId,
    planIds: plans.map((p) => String(p.planId)),
    answered,
    realSeconds: (performance.now() - started) / 1000,
  };
};

type PlanView = {
  origin: string;
  status: string;
  agreedAt?: string;
  closedAt?: string;
  items: Array<{
    status: string;
    dueAt: string;
    doneAt?: string;
    sessionsHeld?: number;
    history: Array<{ what: string }>;
  }>;
};

/** How far the demo followed the plans: how many, how many still running, when the last one ended. */
export type PlansFollowed = { plans: number; active: number; missed: number; lastEndedAt?: string };

/** What came of the development plans, read back through the HR API. */
const plansSummary = async (
  stack: LocalStack,
  byKind: Record<string, number>,
  answered: Record<string, number>,
): Promise<{ summary: DemoSummary['plans']; ended: PlansFollowed }> => {
  const plans = (
    await Promise.all(
      SAMPLE_ORG.map(
        async (p) =>
          ((await api(stack, 'GET', `/plans?ownerId=${p.employeeId}`)) as { plans: PlanView[] }).plans,
      ),
    )
  ).flat();
  const items = plans.flatMap((p) => p.items);
  const fromReviews = plans.filter((p) => p.origin === 'review');
  const done = items.filter((i) => i.status === 'done');
  const lastEndedAt = plans
    .flatMap((p) => (p.closedAt ? [p.closedAt] : []))
    .sort()
    .at(-1);
  return {
    summary: {
      drafted: fromReviews.length,
      // A draft nobody agreed to is cancelled: only an agreed one has a date of agreement.
      agreed: fromReviews.filter((p) => p.agreedAt !== undefined).length,
      items: {
        done: done.length,
        doneLate: done.filter((i) => i.doneAt !== undefined && i.doneAt > i.dueAt).length,
        blocked: items.filter((i) => i.history.some((h) => h.what === 'blocked')).length,
        newDates: items.reduce(
          (n, i) => n + i.history.filter((h) => h.what === 'new date' || h.what === 'new date agreed').length,
          0,
        ),
        escalated: byKind['action-item.escalation'] ?? 0,
        dropped: items.filter((i) => i.status === 'dropped').length,
      },
      checkIns: { asked: byKind['check-in.request'] ?? 0, answered: answered['check-in'] ?? 0 },
      mentoringSessions: items.reduce((n, i) => n + (i.sessionsHeld ?? 0), 0),
    },
    ended: {
      plans: plans.filter((p) => p.agreedAt !== undefined || p.origin !== 'review').length,
      active: plans.filter((p) => p.status === 'active').length,
      missed: items.filter((i) => i.status === 'missed').length,
      ...(lastEndedAt ? { lastEndedAt } : {}),
    },
  };
};

type ReviewView = {
  review: { overallRating?: number };
  gapAnalysis?: {
    items: Array<{ competencyId: string; name: string }>;
    strengths: string[];
    developmentNeeds: Array<{ name: string; expected: number; rating: number; shortfall: number }>;
  };
};

/**
 * HR calibrates one review, as in a calibration session, and the demo shows what the development
 * plan is drafted from: the first person in the export with development needs.
 */
const showAppraisal = async ({ stack, cycleId }: DemoResult, log: Log) => {
  const res = await fetch(`${stack.urls.api}/cycles/${cycleId}/export`, {
    headers: { authorization: `Bearer ${stack.devToken(HR_USER, { hr: true })}` },
  });
  const rows = parseCsvObjects(await res.text()).map((r) => r.values);
  const person = rows.find((r) => r.gaps) ?? rows.find((r) => r.overall_rating);
  if (!person?.employee_id || !person.overall_rating) return;
  const path = `/cycles/${cycleId}/reviews/${person.employee_id}`;
  const overall = Number(person.overall_rating);
  const calibrated = Math.min(5, Math.round((overall + 0.3) * 10) / 10);
  await api(stack, 'POST', `${path}/calibration`, {
    overall: calibrated,
    justification: 'Calibration session: impact across teams that the ratings missed',
  });
  const after = (await api(stack, 'GET', `${path}?view=hr`)) as ReviewView;
  const needs = after.gapAnalysis?.developmentNeeds ?? [];
  log('\nAppraisal');
  log(`  ${person.name}: overall ${overall}, calibrated by HR to ${calibrated} (the original is kept)`);
  log(
    `  Development needs      ${needs.length ? needs.map((n) => `${n.name} (rated ${n.rating}, ${n.expected} expected)`).join(', ') : 'none'}`,
  );
  const names = new Map(after.gapAnalysis?.items.map((i) => [i.competencyId, i.name]));
  log(
    `  Strengths              ${after.gapAnalysis?.strengths.map((id) => names.get(id) ?? id).join(', ') || 'none'}`,
  );
};

const printSummary = async (result: DemoResult, log: Log) => {
  const { summary, stack, cycleId } = result;
  const status = (await api(stack, 'GET', `/cycles/${cycleId}`)) as {
    reviews: { completed: number; incomplete: number; participants: number };
    acknowledgments: { released: number; acknowledged: number; disagreements: unknown[] };
  };
  log('\nSummary');
  log(`  People                 ${summary.employees}`);
  log(
    `  Reviews                ${status.reviews.completed} completed, ${status.reviews.incomplete} incomplete (of ${status.reviews.participants})`,
  );
  log(
    `  Forms submitted        ${Object.entries(result.answered)
      .map(([k, n]) => phrase(`${k}.submitted`, n))
      .join(', ')}`,
  );
  log(
    `  Emails                 ${summary.emails.total}, ${summary.emails.digests} of them digests, carrying ${Object.values(summary.emails.byKind).reduce((a, b) => a + b, 0)} requests, reminders and notices (${summary.reminders} reminders, ${summary.escalations} escalations)`,
  );
  log(
    `  Executions             ${summary.executions.succeeded} succeeded, ${summary.executions.failed} failed, ${summary.executions.running} running`,
  );
  log(
    `  Acknowledgments        ${status.acknowledgments.acknowledged} of ${status.acknowledgments.released} released reviews, ${status.acknowledgments.disagreements.length} with a disagreement HR sees`,
  );
  const { plans } = summary;
  const { plansFollowed: followed } = result;
  const until = followed.active
    ? `still running: ${followed.active} of them go on past the demo's end`
    : `until the last ended, ${day(new Date(followed.lastEndedAt ?? 0))}`;
  log(
    `  Development plans      ${followed.plans} followed ${until} (${plans.drafted} drafted from the reviews, ${plans.agreed} agreed)`,
  );
  log(
    `                         actions: ${plans.items.done} done (${plans.items.doneLate} late), ${plans.items.blocked} blocked, ${plans.items.newDates} new date${plans.items.newDates === 1 ? '' : 's'}, ${plans.items.dropped} dropped, ${followed.missed} never answered; ${plans.items.escalated} escalations`,
  );
  log(
    `                         check-ins: ${plans.checkIns.answered} answered of ${plans.checkIns.asked} asked; ${plans.mentoringSessions} coaching and mentoring sessions held`,
  );
  log(
    `  Feedback any time      ${summary.feedback.asked} requests for feedback, ${summary.feedback.answered} answered; ${summary.feedback.praise} praise`,
  );
  log(`  State transitions      ${summary.stateTransitions}`);
  log(`  Lambda invocations     ${stack.lambda.stats.invocations}`);
  for (const e of stack.sfn.list().filter((x) => x.status !== 'SUCCEEDED' && x.status !== 'RUNNING')) {
    log(`  ! ${e.name}: ${e.status} ${e.error ?? ''} ${e.cause ?? ''}`);
  }
  log(
    `  Real time              ${result.realSeconds.toFixed(1)} s for ${(((stack.clock?.now().getTime() ?? 0) - DEMO_START.getTime()) / 86_400_000) | 0} simulated days`,
  );
  await showAppraisal(result, log);
};

const main = async () => {
  const { values } = parseArgs({
    options: { json: { type: 'boolean' }, 'keep-running': { type: 'boolean' }, verbose: { type: 'boolean' } },
  });
  // The handlers' log lines and metrics (EMF) go to stdout; the demo's own story is what it shows.
  if (!values.verbose) {
    process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
    process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  }
  const log: Log = values.json ? () => undefined : (line) => console.log(line);
  const stack = await startStack({ ports: portsFromEnv(), simulatedStart: DEMO_START, persist: false });
  printWhereThingsAre(stack, log);
  const result = await runDemo(stack, log);
  await printSummary(result, log);
  if (values.json) console.log(JSON.stringify(result.summary));
  if (values['keep-running']) {
    stack.clock?.uninstall();
    // Everything in the demo is settled by now; one live request gives the visitor a form to try.
    await api(stack, 'POST', '/plans', {
      ownerId: 'e09',
      title: 'Try it yourself',
      items: [
        {
          title: 'Open this form and mark the action complete',
          dueAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
        },
      ],
    });
    await stack.settle();
    console.log(
      `\nThe stack stays up, in real time now. Open ${stack.urls.inbox} for the inbox: every email of the demo is there.`,
    );
    console.log(
      'The newest one ("Development action: Open this form…", to Sofie Andersen) has a live link: click it and try the form.',
    );
    for (const line of ['', ...signInLines(stack.urls.api, SAMPLE_ORG)]) console.log(line);
    console.log('Ctrl+C stops the stack.');
    process.once('SIGINT', () => void stack.stop().then(() => process.exit(0)));
    return;
  }
  await stack.stop();
  process.exit(result.summary.executions.failed === 0 ? 0 : 1);
};

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}

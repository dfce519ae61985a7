import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../cli/growcycle';
import { keyIdOf, signedPath } from '../../domain/mail/links';
import { DEMO_START, type DemoResult, runDemo } from '../../local/demo';
import { type CapturedEmail, emailKind, fetchInboxItems, linkIn } from '../../local/people';
import { SAMPLE_ORG } from '../../local/sample-org';
import { runUntil as runUntilIdle, startTestStack, type TestStack } from '../support/local-stack';
import { type CapturedLogs, captureLogs } from '../support/logs';

/*
 * The three slices end to end, through the local stack over HTTP: the demo's cycle and plans (review
 * cycle, peer feedback, development-plan follow-up), then bad input on the forms, then a Lambda
 * service error that the workflow retries. The handlers log and count through the demo as in Lambda,
 * and what they wrote is read at the end: ids, never the people.
 */

let stack: TestStack;
let demo: DemoResult;
/** What the demo printed: one line a simulated day, and highlights under it. */
const printed: string[] = [];
let dataDir: string;

const get = async (p: string) =>
  (await fetch(`${stack.urls.api}${p}`, { headers: hr() })).json() as Promise<Record<string, unknown>>;
const hr = () => ({ authorization: `Bearer ${stack.devToken('hr-test', { hr: true })}` });

type Item = { status: string; dueAt: string; doneAt?: string };

const runUntil = (done: () => boolean | Promise<boolean>) => runUntilIdle(stack, done);

const emailsTo = (inbox: CapturedEmail[], address: string) =>
  inbox.filter((e) => e.destination.to.includes(address));

let logs: CapturedLogs;
/** What the handlers wrote during the demo: log lines and metrics (EMF). */
let written: { text: string; records: Array<Record<string, unknown>> };
/** What the simulated people and HR posted: each value with a space or an `@`. */
const typed = new Set<string>();

const jsonStrings = (value: unknown): string[] =>
  typeof value === 'string'
    ? [value]
    : typeof value === 'object' && value !== null
      ? Object.values(value).flatMap(jsonStrings)
      : [];

/** Records the forms the simulated people post, passing every request on. */
const watchForms = () => {
  const send = globalThis.fetch;
  return vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
    if (init?.method === 'POST' && typeof init.body === 'string') {
      // A form's fields, or a JSON body's strings (a request for feedback, praise, the CLI's calls).
      const values = init.body.startsWith('{')
        ? jsonStrings(JSON.parse(init.body))
        : [...new URLSearchParams(init.body).values()];
      for (const value of values) if (/[ @]/.test(value.trim())) typed.add(value.trim());
    }
    return send(input, init);
  });
};

beforeAll(async () => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  stack = await startTestStack(DEMO_START);
  dataDir = stack.dataDir;
  logs = captureLogs();
  const forms = watchForms();
  demo = await runDemo(stack, (line) => printed.push(line));
  // The demo runs on until the plans drafted from its results have ended: about three simulated months.
  forms.mockRestore();
  written = { text: logs.text(), records: logs.records() };
}, 300_000);

afterAll(async () => {
  logs?.stop();
  vi.unstubAllEnvs();
  await stack?.dispose();
});

describe('feedback any time', () => {
  it('counts the requests for feedback, their answers and praise in the summary', () => {
    // Three requests (two as the cycle starts, one after it closed) of seven people: Victor never
    // answers and the partner outside the company has no habit; two praise.
    expect(demo.summary.feedback).toEqual({ asked: 3, answered: 5, praise: 2 });
  });

  it('tells the story: who asked whom, and the praise', () => {
    const story = printed.join('\n');
    expect(story).toContain('Ola Haugen asks Sofie, Emma and Noah for anonymous feedback');
    expect(story).toContain('Sofie Andersen praises Noah Larsen for coaching others');
  });
});

describe('review cycle', () => {
  it('ends every execution without failure', () => {
    // The cycle, its 23 reviews, three plans and their five items; then the plans drafted from the
    // released reviews, agreed or not, and the items of those agreed; and three requests for feedback.
    expect(demo.summary.executions).toEqual({ succeeded: 86, failed: 0, running: 0 });
  });

  it('completes every review but the one whose manager never answers, and closes the cycle', async () => {
    const status = (await get(`/cycles/${demo.cycleId}`)) as {
      cycle: { status: string };
      reviews: Record<string, number>;
    };
    expect(status.cycle.status).toBe('closed');
    expect(status.reviews).toMatchObject({ participants: 23, completed: 22, incomplete: 1 });
    const silent = (await get(`/cycles/${demo.cycleId}/reviews/e24`)) as { review: { status: string } };
    expect(silent.review.status).toBe('incomplete');
  });

  it('stores the template overall rating and a gap analysis on every completed review', async () => {
    const done = (await get(`/cycles/${demo.cycleId}/reviews/e09?view=hr`)) as {
      review: { overallRating?: number };
      gapAnalysis?: { hasExpectation: boolean; items: unknown[]; gaps: string[]; strengths: string[] };
    };
    expect(done.review.overallRating).toEqual(expect.any(Number));
    // Sofie is an individual contributor at level 4, a role the demo framework sets expectations for.
    expect(done.gapAnalysis).toMatchObject({ hasExpectation: true, items: expect.any(Array) });
    expect(done.gapAnalysis?.items).toHaveLength(5);
    expect((done.gapAnalysis?.gaps.length ?? 0) + (done.gapAnalysis?.strengths.length ?? 0)).toBe(4);
  });

  it('reminds the silent manager, then escalates to the skip-level and HR', async () => {
    const inbox = await fetchInboxItems(stack.urls.inbox);
    const toSilent = emailsTo(inbox, 'victor.hale@example.com').map(emailKind);
    expect(toSilent).toContain('manager-appraisal.reminder');
    expect(emailsTo(inbox, 'grace.liu@example.com').map(emailKind)).toContain('manager-appraisal.escalation');
    expect(emailsTo(inbox, 'hr@example.com').map(emailKind)).toEqual(
      expect.arrayContaining(['manager-appraisal.escalation', 'cycle.report']),
    );
  });

  it('invites a completed review to its meeting and asks for acknowledgment; an incomplete one gets neither', async () => {
    const inbox = await fetchInboxItems(stack.urls.inbox);
    const sofie = emailsTo(inbox, 'sofie.andersen@example.com').map(emailKind);
    expect(sofie).toEqual(expect.arrayContaining(['review-meeting.invitation', 'acknowledgment.request']));
    // Samuel's manager (Victor) never appraised him: his meeting and acknowledgment expire unopened.
    const samuel = emailsTo(inbox, 'samuel.clark@example.com').map(emailKind);
    expect(samuel).not.toContain('review-meeting.invitation');
    expect(samuel).not.toContain('acknowledgment.request');
    // Nor is HR told of his results as unreleased (Victor's own review, appraised after HR's release, is).
    const unreleased = emailsTo(inbox, 'hr@example.com').filter(
      (e) => emailKind(e) === 'acknowledgment.unreleased',
    );
    expect(unreleased.map((e) => e.subject)).not.toContain('Results not released: Samuel Clark');
  });

  it('sends nothing more about a step once it is submitted', async () => {
    const inbox = await fetchInboxItems(stack.urls.inbox);
    // Sofie answers every step of the cycle when asked: exactly one request per step, never a
    // reminder. Her development plan's actions she answers around their due dates, as most do.
    const kinds = emailsTo(inbox, 'sofie.andersen@example.com')
      .map(emailKind)
      .filter((k) => !['action-item', 'check-in', 'session'].includes(k.split('.')[0] ?? ''));
    expect(kinds.filter((k) => k.endsWith('.reminder') || k.endsWith('.escalation'))).toEqual([]);
    expect(kinds.filter((k) => k === 'self-assessment.request')).toHaveLength(1);
  });
});

describe('goal setting', () => {
  type Goals = { goals: Array<{ status: string }> };

  it('asks every employee for goals first; their manager approves the drafts and they become active', async () => {
    const inbox = await fetchInboxItems(stack.urls.inbox);
    const sofie = emailsTo(inbox, 'sofie.andersen@example.com').map(emailKind);
    expect(sofie.filter((k) => k === 'goal-setting.request')).toHaveLength(1);
    expect(sofie.indexOf('goal-setting.request')).toBeLessThan(sofie.indexOf('self-assessment.request'));
    const goals = (await get('/employees/e09/goals')) as Goals;
    expect(goals.goals.length).toBeGreaterThan(0);
    expect(goals.goals.every((g) => g.status === 'active')).toBe(true);
  });

  it('returns Emma’s first drafts with a comment: a second round carries it, and then they are approved', async () => {
    const inbox = await fetchInboxItems(stack.urls.inbox);
    const asked = emailsTo(inbox, 'emma.johansen@example.com').filter(
      (e) => emailKind(e) === 'goal-setting.request',
    );
    expect(asked).toHaveLength(2);
    expect(asked[1]?.body.text).toContain('Make the second goal measurable');
    const goals = (await get('/employees/e11/goals')) as Goals;
    expect(goals.goals.every((g) => g.status === 'active')).toBe(true);
  });

  it('leaves Samuel’s goals in draft when Victor never decides, and his self-assessment then gets its own days', async () => {
    const goals = (await get('/employees/e24/goals')) as Goals;
    expect(goals.goals.length).toBeGreaterThan(0);
    expect(goals.goals.every((g) => g.status === 'draft')).toBe(true);
    const inbox = await fetchInboxItems(stack.urls.inbox);
    const self = emailsTo(inbox, 'samuel.clark@example.com').find(
      (e) => emailKind(e) === 'self-assessment.request',
    );
    // Victor's approval closed on Thursday 14 January; asked on Friday 15, Samuel has the phase's five
    // days (template day 2 to day 7): due Wednesday 20 January, not Monday 11 as planned.
    expect(self?.body.text).toContain('Due: Wednesday, 20 January 2027');
  });

  it('ends the phase when the drafts never come: Victor’s review goes on to his self-assessment', async () => {
    const victor = (await get(`/cycles/${demo.cycleId}/reviews/e08`)) as { review: { goalStatus?: string } };
    expect(victor.review.goalStatus).toBe('expired');
    const inbox = await fetchInboxItems(stack.urls.inbox);
    // His manager is never asked to approve drafts that never came.
    const approvals = emailsTo(inbox, 'grace.liu@example.com').filter(
      (e) => emailKind(e) === 'goal-approval.request' && e.subject.includes('Victor Hale'),
    );
    expect(approvals).toEqual([]);
    const kinds = emailsTo(inbox, 'victor.hale@example.com').map(emailKind);
    expect(kinds.indexOf('self-assessment.request')).toBeGreaterThan(
      kinds.lastIndexOf('goal-setting.reminder'),
    );
  });
});

describe('peer feedback', () => {
  it('is attributed for HR and anonymous, aggregated, for the employee', async () => {
    const hr = (await get(`/cycles/${demo.cycleId}/reviews/e09?view=hr`)) as {
      peerFeedback: { visibility: string; answers: Array<{ fromId: string }> };
    };
    expect(hr.peerFeedback.visibility).toBe('attributed');
    expect(hr.peerFeedback.answers.map((a) => a.fromId).sort()).toEqual(['e10', 'e11', 'e12']);
    // HR's read of who said what is on the cycle's record; the employee's combined view is not.
    const trail = (await get(`/audit/${encodeURIComponent(`cycle#${demo.cycleId}`)}`)) as {
      events: Array<{ action: string; details: Record<string, unknown> }>;
    };
    expect(trail.events).toContainEqual(
      expect.objectContaining({
        action: 'review.peer-answers-read',
        actor: 'hr-test',
        details: { employeeId: 'e09', answers: 3 },
      }),
    );
    const employee = (await get(`/cycles/${demo.cycleId}/reviews/e09?view=employee`)) as {
      peerFeedback: Record<string, unknown>;
    };
    expect(employee.peerFeedback).toMatchObject({ visibility: 'aggregated', responses: 3 });
    expect(JSON.stringify(employee.peerFeedback)).not.toMatch(/e1[012]/);
  });

  it('is withheld from the employee below the anonymity threshold', async () => {
    // Maria's peers are David and Victor; Victor never answers, so one answer is all there is.
    const employee = (await get(`/cycles/${demo.cycleId}/reviews/e06?view=employee`)) as {
      peerFeedback: Record<string, unknown>;
    };
    expect(employee.peerFeedback).toEqual({ visibility: 'withheld', threshold: 3 });
  });
});

describe('development-plan follow-up', () => {
  it('stops emailing an action item once it is completed by link', async () => {
    const { plan } = (await get(`/plans/${demo.planIds[0]}`)) as {
      plan: { items: Array<{ status: string }> };
    };
    expect(plan.items.map((i) => i.status)).toEqual(['done', 'done']);
    const inbox = await fetchInboxItems(stack.urls.inbox);
    // His plan's two items, not those of the plan drafted from his review.
    const ofThisPlan = (e: CapturedEmail) =>
      ['Shadow two incident reviews', 'Write the database failover runbook'].some((t) =>
        e.subject.includes(t),
      );
    expect(
      emailsTo(inbox, 'ola.haugen@example.com')
        .filter(ofThisPlan)
        .map(emailKind)
        .filter((k) => k.startsWith('action-item')),
      // Her runbook, blocked and unblocked with a new date, is asked for again.
    ).toEqual([
      'action-item.request',
      'action-item.request',
      'action-item.reminder',
      'action-item.reminder',
      'action-item.request',
      'action-item.reminder',
    ]);
  });

  it('follows the drafted plans for the months after the cycle, until the last one ends', () => {
    const { plans } = demo.summary;
    expect(plans.drafted).toBeGreaterThanOrEqual(20);
    expect(plans.agreed).toBe(plans.drafted);
    expect(demo.plansFollowed.active).toBe(0);
    // Their actions fall due over a quarter from the release in January.
    expect(demo.plansFollowed.lastEndedAt && demo.plansFollowed.lastEndedAt > '2027-04-01').toBe(true);
    // A few actions are done late, each once it was escalated to the owner's manager; Victor's
    // never-answered one climbs to the skip-level and HR as well.
    expect(plans.items.done).toBeGreaterThanOrEqual(25);
    expect(plans.items.doneLate).toBeGreaterThanOrEqual(2);
    expect(plans.items.doneLate).toBeLessThan(plans.items.done / 4);
    expect(plans.items.escalated).toBeGreaterThanOrEqual(plans.items.doneLate + 3);
    expect(plans.items).toMatchObject({ blocked: 1, newDates: 1, dropped: 0 });
    // A check-in every four weeks for every running plan, nearly all answered (Victor's is not).
    expect(plans.checkIns.asked).toBeGreaterThanOrEqual(40);
    expect(plans.checkIns.answered).toBeGreaterThanOrEqual(plans.checkIns.asked * 0.8);
    expect(plans.checkIns.answered).toBeLessThan(plans.checkIns.asked);
    // The mentoring items' sessions every two weeks, confirmed by their mentors.
    expect(plans.mentoringSessions).toBeGreaterThanOrEqual(8);
  });

  it('has most drafted actions answered on a reminder, in the week or so before they are due', async () => {
    const lists = await Promise.all(SAMPLE_ORG.map((p) => get(`/plans?ownerId=${p.employeeId}`)));
    const items = lists
      .flatMap((l) => (l as { plans: Array<{ origin: string; items: Item[] }> }).plans)
      .filter((p) => p.origin === 'review')
      .flatMap((p) => p.items);
    const daysEarly = items
      .filter((i) => i.status === 'done' && i.doneAt)
      .map((i) => (Date.parse(i.dueAt) - Date.parse(i.doneAt as string)) / 86_400_000);
    const weekBefore = daysEarly.filter((d) => d >= 0 && d <= 10);
    expect(weekBefore.length).toBeGreaterThan(daysEarly.length / 2);
    // Some the day they are asked, weeks early; some late.
    expect(daysEarly.filter((d) => d > 14).length).toBeGreaterThan(0);
    expect(daysEarly.filter((d) => d < 0).length).toBeGreaterThan(0);
  });

  it('reminds a check-in once and lets it close unanswered', async () => {
    const inbox = await fetchInboxItems(stack.urls.inbox);
    const victor = emailsTo(inbox, 'victor.hale@example.com').map(emailKind);
    expect(victor.filter((k) => k === 'check-in.request')).toHaveLength(1);
    expect(victor.filter((k) => k === 'check-in.reminder')).toHaveLength(1);
  });

  it('prints one line a simulated day, the plans’ events counted in it', () => {
    const days = printed.filter((l) => /^ {2}[A-Z][a-z]{2} \d{2} [A-Z][a-z]{2} {2}/.test(l));
    const dates = days.map((l) => l.slice(2, 12));
    expect(new Set(dates).size).toBe(dates.length);
    const afterCycle = days.slice(days.findIndex((l) => l.includes('cycle closed')) + 1);
    expect(afterCycle.length).toBeGreaterThan(10);
    expect(afterCycle.some((l) => /\d+ check-ins? answered/.test(l))).toBe(true);
    expect(afterCycle.some((l) => /\d+ development actions? done/.test(l))).toBe(true);
    expect(afterCycle.some((l) => /\d+ coaching or mentoring sessions? confirmed held/.test(l))).toBe(true);
    expect(afterCycle.some((l) => /\d+ overdue development actions? done late/.test(l))).toBe(true);
  });

  it('escalates an overdue item to the manager, the skip-level and HR', async () => {
    const { plan } = (await get(`/plans/${demo.planIds[1]}`)) as {
      plan: { items: Array<{ status: string }> };
    };
    expect(plan.items).toMatchObject([{ status: 'missed' }]);
    const inbox = await fetchInboxItems(stack.urls.inbox);
    // Victor's item, not the drafted plans' overdue actions, each escalated once to the manager.
    const escalatedTo = inbox
      .filter(
        (e) =>
          emailKind(e) === 'action-item.escalation' &&
          e.subject.includes('Publish the research repository guide'),
      )
      .flatMap((e) => e.destination.to);
    expect(escalatedTo).toEqual(['grace.liu@example.com', 'amara.okafor@example.com', 'hr@example.com']);
  });
});

describe('bad input on the forms', () => {
  let link: string;
  let planId: string;

  beforeAll(async () => {
    const res = await fetch(`${stack.urls.api}/plans`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...hr() },
      body: JSON.stringify({
        ownerId: 'e09',
        title: 'Bad input',
        items: [{ title: 'Try the forms', dueAt: new Date(Date.now() + 5 * 86_400_000).toISOString() }],
      }),
    });
    planId = String(((await res.json()) as { planId: string }).planId);
    // The request reaches Sofie at her next send hour.
    const request = async () =>
      (await fetchInboxItems(stack.urls.inbox))
        .reverse()
        .find(
          (e) =>
            e.destination.to.includes('sofie.andersen@example.com') &&
            emailKind(e) === 'action-item.request' &&
            e.subject.includes('Try the forms'),
        );
    await runUntil(async () => (await request()) !== undefined);
    const email = await request();
    link = linkIn(email as CapturedEmail) as string;
  });

  const post = (url: string, body: string) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  const itemStatus = async () =>
    ((await get(`/plans/${planId}`)) as { plan: { items: Array<{ status: string }> } }).plan.items[0]?.status;

  /** The key the local stack signs links with now, as its secret's file holds it. */
  const currentKey = () => {
    const { versions } = JSON.parse(readFileSync(path.join(dataDir, 'link-secret.json'), 'utf8')) as {
      versions: Array<{ id: string; secret: string; stages: string[] }>;
    };
    const current = versions.find((v) => v.stages.includes('AWSCURRENT'));
    return { id: keyIdOf(current?.id ?? ''), secret: current?.secret ?? '' };
  };

  it('answers a tampered link with 403 and an unknown one with 404', async () => {
    const tampered = link.replace(/s=([A-Za-z0-9_-])/, (_m, c: string) => `s=${c === 'A' ? 'B' : 'A'}`);
    expect((await fetch(tampered)).status).toBe(403);
    const unknown = `${stack.urls.api}${signedPath(currentKey(), 'respond', { requestId: 'no-such-request' }, new Date(Date.now() + 86_400_000))}`;
    expect((await fetch(unknown)).status).toBe(404);
  });

  it('answers an expired link with 410', async () => {
    const url = new URL(link);
    const requestId = decodeURIComponent(url.pathname.split('/').pop() ?? '');
    const nonce = url.searchParams.get('n') ?? undefined;
    const expired = `${stack.urls.api}${signedPath(currentKey(), 'respond', { requestId, nonce }, new Date(Date.now() - 60_000))}`;
    expect((await fetch(expired)).status).toBe(410);
  });

  it('rejects a malformed POST with 400 naming the field, and writes nothing', async () => {
    const res = await post(link, `choice=done&note=${'x'.repeat(2001)}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('The note is at most 2000 characters');
    expect(await itemStatus()).toBe('open');
  });

  it('takes one valid POST, resumes the workflow, and answers a second with 409', async () => {
    expect((await fetch(link)).status).toBe(200);
    expect(await itemStatus()).toBe('open');
    stack.lambda.injectServiceErrors(
      stack.lambda.functionFor('functions/steps/end-plan-item.ts').logicalId,
      2,
    );
    expect((await post(link, 'choice=done&note=Done')).status).toBe(200);
    expect((await post(link, 'choice=done&note=Again')).status).toBe(409);
    expect(await itemStatus()).toBe('done');
    const execution = () =>
      stack.sfn.list().find((e) => e.input.includes(planId) && !e.input.includes('itemId'));
    await runUntil(() => execution()?.status !== 'RUNNING');
    expect(execution()?.status).toBe('SUCCEEDED');
    // The Lambda service errors were retried by the state machine's own Retry, not by luck.
    expect(
      stack.sfn
        .list()
        .filter((e) => e.input.includes(planId))
        .flatMap((e) => e.history)
        .filter(
          (h) =>
            (h.taskFailedEventDetails ?? h.lambdaFunctionFailedEventDetails)?.error ===
            'Lambda.ServiceException',
        ),
    ).toHaveLength(2);
  });
});

describe('the Step Functions endpoint', () => {
  it('speaks the JSON protocol to the real SDK client', async () => {
    const { SFNClient, ListExecutionsCommand, DescribeExecutionCommand, StartExecutionCommand } =
      await import('@aws-sdk/client-sfn');
    const client = new SFNClient({
      endpoint: stack.urls.sfn,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const arn = stack.stateMachineArn('AppraisalCycle');
    const listed = await client.send(new ListExecutionsCommand({ stateMachineArn: arn }));
    expect(listed.executions?.[0]?.status).toBe('SUCCEEDED');
    const described = await client.send(
      new DescribeExecutionCommand({ executionArn: listed.executions?.[0]?.executionArn }),
    );
    expect(JSON.parse(described.input ?? '{}')).toHaveProperty('cycleId', demo.cycleId);
    await expect(
      client.send(
        new StartExecutionCommand({
          stateMachineArn: arn,
          name: listed.executions?.[0]?.name,
          input: '{"other":1}',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
  });
});

describe('the handlers’ logs and metrics through the demo', () => {
  const lines = () => written.records.filter((r) => typeof r.level === 'string');
  /** A metric's total over every EMF line: one value, or a list of them, a line. */
  const total = (name: string) =>
    written.records
      .filter((r) => r._aws !== undefined)
      .flatMap((r) => [r[name] ?? []].flat() as number[])
      .reduce((sum, n) => sum + n, 0);

  /** What was written, as it was and as its JSON strings and URL-encoded text read once decoded. */
  const decoded = (text: string) => {
    try {
      return decodeURIComponent(text.replace(/\+/g, ' '));
    } catch {
      return '';
    }
  };
  const strings = (value: unknown): string[] =>
    typeof value === 'string'
      ? [value, decoded(value)]
      : typeof value === 'object' && value !== null
        ? Object.values(value).flatMap(strings)
        : [];

  it('name no one: no name, address or free-text answer of the sample organisation appears', () => {
    const haystack = [written.text, ...written.records.flatMap(strings)].join('\n');
    expect(lines().length).toBeGreaterThan(500);
    // The answers the simulated people typed, and the addresses they nominated externals by.
    expect(typed.size).toBeGreaterThan(20);
    const found = [
      ...SAMPLE_ORG.flatMap((p) => [p.name, p.email]),
      ...SAMPLE_ORG.map((p) => p.name.split(' ').at(-1) ?? p.name),
      ...typed,
    ].filter((text) => haystack.includes(text));
    expect(found).toEqual([]);
  });

  it('carry the cycle, plan or request for feedback and the employee on each line about a request, with the Lambda request id', () => {
    const aboutRequests = lines().filter((l) => ['form submitted', 'human step'].includes(String(l.message)));
    expect(aboutRequests.length).toBeGreaterThan(100);
    for (const line of aboutRequests) {
      expect(line).toMatchObject({ employeeId: expect.any(String), function_request_id: expect.any(String) });
      expect(line.cycleId ?? line.planId ?? line.askId).toEqual(expect.any(String));
    }
    expect(lines().filter((l) => l.message === 'form submitted' && l.requestId === undefined)).toEqual([]);
    // The execution each form's answer resumes, by name, as the starters name them.
    const executions = new Set(stack.sfn.list().map((e) => e.name));
    const forms = lines().filter((l) => l.message === 'form submitted');
    expect(forms.filter((l) => !executions.has(String(l.executionName)))).toEqual([]);
  });

  it('count every email sent, and the reminders and escalations they carried, as the inbox has them', () => {
    expect(total('EmailsSent')).toBe(demo.summary.emails.total);
    expect(total('Reminders')).toBe(demo.summary.reminders);
    expect(total('Escalations')).toBe(demo.summary.escalations);
    expect(total('Answers')).toBeGreaterThanOrEqual(demo.summary.feedbackSubmitted);
    expect(total('Failures')).toBe(0);
  });
});

describe('HR at the command line', () => {
  const cli = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await run(
      [...args, '--api', stack.urls.api, '--token', stack.devToken('hr-test', { hr: true })],
      {
        out: (l) => out.push(l),
        err: (l) => err.push(l),
        isTty: false,
      },
    );
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('status shows reviews, each phase and an empty overdue list once the cycle is closed', async () => {
    const result = await cli('status', demo.cycleId);
    expect(result.code).toBe(0);
    expect(result.out).toContain('Winter 2027 appraisal · closed');
    expect(result.out).toContain('reviews: 23 · 22 completed · 0 in progress · 1 incomplete');
    expect(result.out).toMatch(/manager-appraisal\s+0\s+0\s+22\s+1/);
    expect(result.out).toContain('nothing overdue');
  });

  it('exports the results as CSV, one row per participant, with peer answers combined and no peer named', async () => {
    const result = await cli('export', demo.cycleId);
    expect(result.code).toBe(0);
    const lines = result.out.split('\r\n');
    expect(lines[0]).toBe(
      'employee_id,name,manager_id,review_status,self_rating,manager_rating,peer_responses,peer_average,development_needs,finished_at,overall_rating,calibrated_overall,gaps,strengths,released_at,acknowledged_at,disagreement,plan_status,plan_items,plan_done,plan_overdue',
    );
    expect(lines).toHaveLength(24);
    expect(lines.find((l) => l.startsWith('e24,'))).toMatch(/^e24,Samuel Clark,e08,incomplete,/);
    // The demo's cycle is made from a template: ratings are the template's weighted overall.
    expect(lines.find((l) => l.startsWith('e09,'))).toMatch(
      /^e09,Sofie Andersen,e04,completed,\d(\.\d+)?,\d(\.\d+)?,3,/,
    );
  });

  it('refuses to extend or cancel a closed cycle, with exit 1 and the reason', async () => {
    const extended = await cli('extend', demo.cycleId, '--days', '3');
    expect(extended.code).toBe(1);
    expect(extended.err).toBe('growcycle: the API answered 409: the cycle is closed');
    expect((await cli('cancel', demo.cycleId)).code).toBe(2);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogPath } from '../../cli/growcycle';
import {
  answer,
  type CapturedEmail,
  emailKind,
  fetchInboxItems,
  linkIn,
  submitForm,
} from '../../local/people';
import { sampleCatalog, withoutGoalSetting } from '../support/catalog';
import { olaKariAndPer } from '../support/fixtures';
import {
  type ApiCall,
  cycleExecution,
  hrApi,
  runUntil,
  startTestStack,
  type TestStack,
} from '../support/local-stack';

/*
 * When a cycle with the phases after the appraisal closes, on the synthesized workflows with the
 * simulated clock (the sample template: calibration, review meeting, release, acknowledgment).
 * Everyone answers when asked; HR releases Ola's and Kari's results when the meetings are invited,
 * never Per's. Ola acknowledges at once (disagreeing); Kari never does, so her acknowledgment is
 * reminded, escalated and expires; Per's expires unopened. The cycle closes, and HR gets its
 * report, only once the last of these reviews has ended, not when the last appraisal is in.
 */

const START = new Date('2027-03-01T08:00:00Z'); // Monday
const DAY = 86_400_000;

const people = olaKariAndPer();

let stack: TestStack;
let hr: ApiCall;
let cycleId = '';
let emails: CapturedEmail[] = [];
/** The open requests per phase when HR's report first showed up in the inbox. */
let openWhenReported: Record<string, Record<string, number>> | undefined;

const at = (email: CapturedEmail | undefined) => (email?.at ?? 0) * 1000;
const report = () => emails.filter((e) => emailKind(e) === 'cycle.report');

beforeAll(async () => {
  stack = await startTestStack(new Date(START.getTime() - DAY));
  hr = hrApi(stack);
  expect((await hr('PUT', '/employees', { employees: people })).status).toBe(200);
  const docs = sampleCatalog();
  // Without goal setting: this file is about how the cycle ends.
  for (const doc of docs)
    expect((await hr('PUT', catalogPath(doc.kind, doc.id), withoutGoalSetting(doc))).status).toBe(200);
  const template = docs.find((d) => d.kind === 'template');
  const scheduled = await hr('POST', '/cycles', {
    name: 'Spring review',
    templateId: template?.id,
    startAt: START.toISOString(),
    participants: ['ola', 'kari', 'per'],
  });
  expect(scheduled.status).toBe(201);
  cycleId = String(scheduled.body.cycleId);

  const handled = new Set<string>();
  const released = new Set<string>();
  await runUntil(
    stack,
    // Until HR's report is seen in the inbox (looked at every quiet moment) and the cycle has ended.
    () => openWhenReported !== undefined && cycleExecution(stack, cycleId)?.status !== 'RUNNING',
    async () => {
      emails = await fetchInboxItems(stack.urls.inbox);
      for (const email of emails) {
        if (handled.has(email.messageId)) continue;
        handled.add(email.messageId);
        const kind = emailKind(email);
        if (kind === 'cycle.report' && !openWhenReported) {
          const status = await hr('GET', `/cycles/${cycleId}`);
          openWhenReported = status.body.phases as Record<string, Record<string, number>>;
        }
        const link = linkIn(email);
        if (kind === 'review-meeting.request') {
          for (const who of ['ola', 'kari'].filter((w) =>
            email.subject.includes(w === 'ola' ? 'Ola' : 'Kari'),
          )) {
            if (released.has(who)) continue;
            released.add(who);
            expect((await hr('POST', `/cycles/${cycleId}/reviews/${who}/release`)).status).toBe(200);
          }
        }
        // The plans the releases draft are another file's business (plan-agreement.test.ts).
        if (!link || !kind.endsWith('.request') || kind.startsWith('plan-agreement')) continue;
        if (kind === 'acknowledgment.request') {
          if (email.destination.to.includes('ola@example.com'))
            expect(await submitForm(link, { agreement: 'disagree', disagreement: 'Missed my Q4 work' })).toBe(
              200,
            );
          continue;
        }
        expect(await answer(link, handled.size)).toBe(200);
      }
    },
  );
  emails = await fetchInboxItems(stack.urls.inbox);
}, 300_000);

afterAll(async () => {
  await stack?.dispose();
});

describe('closing a cycle with an acknowledgment step', () => {
  it('sends HR the report only once every acknowledgment was answered or closed', () => {
    expect(report()).toHaveLength(1);
    expect(openWhenReported?.acknowledgment).toMatchObject({ pending: 0, open: 0, submitted: 1, expired: 2 });
  });

  it('sends no email about the cycle after its report: Kari’s acknowledgment escalations come before it', () => {
    const reportAt = at(report()[0]);
    const escalations = emails.filter((e) => emailKind(e) === 'acknowledgment.escalation');
    expect(escalations.length).toBeGreaterThan(0);
    // The plans drafted from the released results go on after the cycle: their emails are not the cycle's.
    const ofTheCycle = (e: CapturedEmail) => !emailKind(e).startsWith('plan-agreement');
    expect(emails.filter((e) => at(e) > reportAt && ofTheCycle(e))).toEqual([]);
    // Long after the last appraisal (due on day 14): the acknowledgment is due on day 21.
    expect(reportAt).toBeGreaterThan(START.getTime() + 21 * DAY);
  });

  it('closes after the last review’s workflow ended, counting each review once', async () => {
    const reviews = stack.sfn
      .list()
      .filter(
        (e) => e.stateMachineArn === stack.stateMachineArn('EmployeeReview') && e.input.includes(cycleId),
      );
    expect(reviews).toHaveLength(3);
    expect(reviews.every((e) => e.status === 'SUCCEEDED')).toBe(true);
    const closedAt = cycleExecution(stack, cycleId)?.stopDate ?? 0;
    expect(Math.max(...reviews.map((e) => e.stopDate ?? Number.POSITIVE_INFINITY))).toBeLessThanOrEqual(
      closedAt,
    );
    const cycle = (await hr('GET', `/cycles/${cycleId}`)).body.cycle as {
      openReviews: number;
      status: string;
    };
    expect(cycle).toMatchObject({ status: 'closed', openReviews: 0 });
  });

  it('reports the appraisals, releases, acknowledgments and disagreements as they ended', async () => {
    const cycle = (await hr('GET', `/cycles/${cycleId}`)).body.cycle as { report: Record<string, number> };
    expect(cycle.report).toEqual({
      participants: 3,
      scheduled: 0,
      inProgress: 0,
      completed: 3,
      incomplete: 0,
      cancelled: 0,
      released: 2,
      acknowledged: 1,
      disagreements: 1,
    });
    expect(report()[0]?.body.text).toContain('Completed: 3');
  });
});

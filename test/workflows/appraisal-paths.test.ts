import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, type CapturedEmail, emailKind, fetchInbox, linkIn } from '../../local/people';
import { team } from '../support/fixtures';
import {
  type ApiCall,
  cycleExecution,
  hrApi,
  runUntil,
  startTestStack,
  type TestStack,
} from '../support/local-stack';

/*
 * Named paths of one appraisal cycle on the synthesized state machines with the simulated clock, the
 * ones the other scenario files do not walk: everyone on time, and fewer peer answers than the
 * anonymity threshold, and a review with no peers at all. (Late with reminders and never answered: send-window.test.ts; deadline
 * extended, cancelled, participant leaves: scenarios.test.ts; manager changes and bounce re-routed:
 * reassign.test.ts.) Cycles here have no template: three peers each, threshold three.
 */

const START = new Date('2027-05-03T07:00:00Z');

const people = team({ timeZone: 'Europe/Oslo' }, [
  { employeeId: 'boss', name: 'Bea Boss' },
  { employeeId: 'lead', name: 'Leo Lead', managerId: 'boss' },
  ...['p1', 'p2', 'p3', 'p4'].map((id) => ({
    employeeId: id,
    name: `Pat ${id.toUpperCase()}`,
    managerId: 'lead',
  })),
]);

let stack: TestStack;
let api: ApiCall;

const cycleRun = (cycleId: string) => cycleExecution(stack, cycleId);

/** When the manager was asked for the appraisal, which waits for the self-assessment and every peer. */
const appraisalAskedAt = (emails: CapturedEmail[]): number => {
  const asked = emails.find((e) => emailKind(e) === 'manager-appraisal.request');
  if (!asked) throw new Error('the manager was never asked');
  return asked.at * 1000;
};

/** Every email since a moment: each path runs its cycle to the end before the next one starts. */
const emailsSince = async (since: number): Promise<CapturedEmail[]> =>
  (await fetchInbox(stack.urls.inbox)).filter((e) => e.at * 1000 >= since);

/**
 * Runs a cycle to its end; `answers(email)` decides whether the addressee answers that email when it
 * arrives (each link is answered once).
 */
const runCycle = async (name: string, participants: string[], answers: (email: CapturedEmail) => boolean) => {
  const since = Math.floor(Date.now() / 1000) * 1000;
  const res = await api('POST', '/cycles', {
    name,
    startAt: new Date(Date.now()).toISOString(),
    participants,
  });
  expect(res.status).toBe(201);
  const cycleId = String(res.body.cycleId);
  const answered = new Set<string>();
  await runUntil(
    stack,
    () => cycleRun(cycleId)?.status === 'SUCCEEDED',
    async () => {
      for (const email of await emailsSince(since)) {
        const link = linkIn(email);
        const request = link?.split('?')[0];
        if (!link || !request || answered.has(request) || !answers(email)) continue;
        answered.add(request);
        expect(await answer(link, answered.size)).toBe(200);
      }
    },
  );
  return { cycleId, since, startedAt: res.body.cycle as { closeAt: string; peerDueAt: string } };
};

beforeAll(async () => {
  stack = await startTestStack(START);
  api = hrApi(stack);
  expect((await api('PUT', '/employees', { employees: people })).status).toBe(200);
});

afterAll(async () => {
  await stack?.dispose();
});

describe('appraisal cycle paths', () => {
  it('on time: everyone answers when asked, nobody is reminded or escalated, and the cycle closes before its close date', async () => {
    const name = 'On-time cycle';
    const { cycleId, since, startedAt } = await runCycle(name, ['p1'], () => true);

    const kinds = (await emailsSince(since)).map(emailKind).filter((k) => k !== 'cycle.report');
    expect(kinds.filter((k) => k.endsWith('.reminder') || k.endsWith('.escalation'))).toEqual([]);
    expect(kinds.filter((k) => k.endsWith('.request')).sort()).toEqual([
      'manager-appraisal.request',
      'peer-feedback.request',
      'peer-feedback.request',
      'peer-feedback.request',
      'self-assessment.request',
    ]);
    const status = (await api('GET', `/cycles/${cycleId}`)).body as {
      cycle: { status: string };
      reviews: Record<string, number>;
    };
    expect(status.cycle.status).toBe('closed');
    expect(status.reviews).toMatchObject({ participants: 1, completed: 1, incomplete: 0 });
    // Closed when the last review finished, not at the close date.
    expect(cycleRun(cycleId)?.stopDate).toBeLessThan(Date.parse(startedAt.closeAt));
    // The peers are waited for together, and the last answer (not their deadline) ends the wait.
    expect(appraisalAskedAt(await emailsSince(since))).toBeLessThan(Date.parse(startedAt.peerDueAt));
  });

  it('no peers to ask (nobody shares the manager): the peer step ends at once and the review completes on time', async () => {
    // Leo is the only one reporting to Bea.
    const { cycleId, since, startedAt } = await runCycle('No-peers cycle', ['lead'], () => true);

    const kinds = (await emailsSince(since)).map(emailKind);
    expect(kinds.filter((k) => k.startsWith('peer-feedback.'))).toEqual([]);
    expect(appraisalAskedAt(await emailsSince(since))).toBeLessThan(Date.parse(startedAt.peerDueAt));
    const status = (await api('GET', `/cycles/${cycleId}`)).body as { reviews: Record<string, number> };
    expect(status.reviews).toMatchObject({ participants: 1, completed: 1, incomplete: 0 });
  });

  it('fewer peer answers than the anonymity threshold: the employee sees none of them, HR sees who said what', async () => {
    const name = 'Below-threshold cycle';
    // Only two of p2's three peers ever answer (not even when reminded); everything else is answered.
    const answering = new Set<string>();
    const { cycleId, since, startedAt } = await runCycle(name, ['p2'], (email) => {
      if (!emailKind(email).startsWith('peer-feedback.')) return true;
      const peer = email.destination.to[0] ?? '';
      if (answering.size < 2) answering.add(peer);
      return answering.has(peer);
    });

    // The two answers do not end the wait for peers: the third request is waited for until it
    // closes, a day after the peer due date (the inbox stamps emails in whole seconds).
    const thirdPeerClosed = Date.parse(startedAt.peerDueAt) + 24 * 3600 * 1000;
    expect(appraisalAskedAt(await emailsSince(since))).toBeGreaterThanOrEqual(
      Math.floor(thirdPeerClosed / 1000) * 1000,
    );

    // Nothing of it reaches the employee before the results are released...
    const unreleased = (await api('GET', `/cycles/${cycleId}/reviews/p2?view=employee`)).body;
    expect(unreleased.released).toBe(false);
    expect(unreleased).not.toHaveProperty('peerFeedback');
    expect((await api('POST', `/cycles/${cycleId}/reviews/p2/release`)).status).toBe(200);
    // ...and after, too few answered for any of it to be shown.
    const employeeView = (await api('GET', `/cycles/${cycleId}/reviews/p2?view=employee`)).body as {
      peerFeedback: Record<string, unknown>;
    };
    // Nothing of a withheld group, not even how many answered.
    expect(employeeView.peerFeedback).toEqual({ visibility: 'withheld', threshold: 3 });
    const hrView = (await api('GET', `/cycles/${cycleId}/reviews/p2?view=hr`)).body as {
      peerFeedback: { visibility: string; answers: Array<{ fromId: string }> };
    };
    expect(hrView.peerFeedback.visibility).toBe('attributed');
    expect(hrView.peerFeedback.answers).toHaveLength(2);
  });
});

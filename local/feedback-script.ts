import type { LocalStack } from './stack';

/*
 * Feedback any time in the demo: a few sample people ask for feedback and give praise through the
 * HTTP API with their own development token, once as the cycle starts and once after it closed.
 * Whoever is asked answers the link as their habit says, like every other request.
 */

export type FeedbackMoment = 'during' | 'after';

type Ask = { kind: 'ask'; by: string; line: string; body: Record<string, unknown> };
type Praise = { kind: 'praise'; by: string; line: string; body: Record<string, unknown> };

const SCRIPT: Record<FeedbackMoment, Array<Ask | Praise>> = {
  during: [
    {
      kind: 'ask',
      by: 'e10',
      line: 'Ola Haugen asks Sofie, Emma and Noah for anonymous feedback on craft and collaboration: he reads it once all three have answered, without names',
      body: {
        recipients: [{ employeeId: 'e09' }, { employeeId: 'e11' }, { employeeId: 'e12' }],
        items: ['craft', 'collaboration'],
        anonymous: true,
        days: 7,
      },
    },
    {
      kind: 'ask',
      by: 'e04',
      line: 'Ingrid Berg asks Sofie Andersen and Victor Hale, for her own view, how Noah Larsen handles incidents',
      body: {
        subjectId: 'e12',
        recipients: [{ employeeId: 'e09' }, { employeeId: 'e08' }],
        question: 'How does Noah handle incidents?',
        days: 5,
      },
    },
    {
      kind: 'praise',
      by: 'e11',
      line: 'Emma Johansen praises Ola Haugen for ownership; he reads it in his digest, Ingrid on his record',
      body: { employeeId: 'e10', itemId: 'ownership', message: 'Saw the release through over the holidays' },
    },
  ],
  after: [
    {
      kind: 'ask',
      by: 'e11',
      line: 'Emma Johansen asks Nora Eriksen and a partner outside the company for feedback on candour, shared with her manager',
      body: {
        recipients: [{ employeeId: 'e13' }, { name: 'Kim Partner', email: 'kim.partner@example.org' }],
        items: ['candour'],
        question: 'What should I keep doing?',
        managerSees: true,
        days: 10,
      },
    },
    {
      kind: 'praise',
      by: 'e09',
      line: 'Sofie Andersen praises Noah Larsen for coaching others',
      body: { employeeId: 'e12', itemId: 'coaching', message: 'Paired with the new joiners every week' },
    },
  ],
};

export type FeedbackCounts = { asked: number; praise: number };

/**
 * Plays one moment of the script: each ask or praise posted once (its idempotency key is its place
 * in the script), with the line the demo prints for it.
 */
export const playFeedback = async (
  stack: LocalStack,
  moment: FeedbackMoment,
  counts: FeedbackCounts,
): Promise<string[]> => {
  const lines: string[] = [];
  for (const [i, step] of SCRIPT[moment].entries()) {
    const path = step.kind === 'ask' ? '/feedback/requests' : '/feedback/praise';
    const res = await fetch(`${stack.urls.api}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${stack.devToken(step.by)}`,
        'idempotency-key': `demo-feedback-${moment}-${i}`,
      },
      body: JSON.stringify({ templateId: 'annual-review', ...step.body }),
    });
    if (res.status !== 201) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    await res.text();
    if (step.kind === 'ask') counts.asked += 1;
    else counts.praise += 1;
    lines.push(step.line);
  }
  return lines;
};

import { describe, expect, it } from 'vitest';
import { externalOf } from '../../functions/api/pages/feedback';
import {
  feedbackList,
  type Owed,
  owedTable,
  type ReviewRow,
  reviewsTable,
} from '../../functions/api/pages/person';

/*
 * The pieces a person's pages are drawn from: what they owe with or without the links that answer it,
 * the reviews table's acknowledgment, feedback without names when anonymous, and the external
 * addresses the ask form reads.
 */

const review: ReviewRow = {
  cycleId: 'c1',
  cycleName: 'Autumn check',
  status: 'completed',
  released: true,
  releasedAt: '2027-09-17T10:00:00Z',
};
const ack: Owed = {
  requestId: 'r1',
  kind: 'acknowledgment',
  status: 'open',
  subjectId: 'e10',
  subjectName: 'Ola Haugen',
  cycleId: 'c1',
  dueAt: '2027-09-27T21:59:59Z',
  link: 'https://app.example/r/r1?e=1&s=x',
};

describe("a person's pages", () => {
  it('links a request to its form only when the route gave its link', () => {
    expect(owedTable('Owed', [ack]).value).toContain('href="https://app.example/r/r1?e=1&amp;s=x"');
    const { link: _link, ...withoutLink } = ack;
    expect(owedTable('Owed', [withoutLink]).value).not.toContain('<a ');
  });

  it('puts the acknowledgment in its own column, and says when it was given', () => {
    const open = reviewsTable([review], [ack]).value;
    expect(open.match(/>Acknowledge</g)).toHaveLength(1);
    expect(open).not.toContain('Acknowledge results');
    const given = reviewsTable(
      [{ ...review, acknowledgedAt: '2027-09-20T08:00:00Z', agrees: false }],
      [],
    ).value;
    expect(given).toContain('Acknowledged with a disagreement 20 Sept 2027');
  });

  it('shows anonymous answers without a name, and says so when the reader may read none', () => {
    const shown = feedbackList([
      { kind: 'answer', at: '2027-09-10T08:00:00Z', items: [{ name: 'Craft', text: 'Careful reviews' }] },
      {
        kind: 'praise',
        at: '2027-09-11T08:00:00Z',
        from: { name: 'Emma Johansen' },
        items: [{ name: 'Ownership', text: 'Shipped it' }],
      },
    ]).value;
    expect(shown).toContain('<td>Anonymous</td>');
    expect(shown.indexOf('Emma Johansen')).toBeLessThan(shown.indexOf('Anonymous'));
    expect(feedbackList(undefined).value).toContain('You may not read');
  });

  it('reads an external person as "Name <address>" and nothing else', () => {
    expect(externalOf(' Kim Partner <kim@example.org> ')).toEqual({
      name: 'Kim Partner',
      email: 'kim@example.org',
    });
    expect(externalOf('kim@example.org')).toBeUndefined();
    expect(externalOf('Kim <not an address>')).toBeUndefined();
  });
});

import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { queueItem } from '../../domain/mail/digest';
import { pseudonymOf, REMOVED, scrub } from '../../domain/people/pseudonymise';
import { db } from '../../domain/platform/table';

const at = '2027-03-01T09:00:00.000Z';
const seconds = (iso: string, days: number) => Date.parse(iso) / 1000 + days * 86_400;

beforeEach(() => {
  process.env.TABLE_NAME = 'growcycle-unit';
});

afterEach(() => {
  delete process.env.TABLE_NAME;
  delete process.env.OUTBOX_RETENTION_DAYS;
  delete process.env.AUDIT_RETENTION_DAYS;
  delete process.env.DIGEST_RETENTION_DAYS;
});

describe('retention limits', () => {
  const outboxItem = () =>
    db()
      .outbox.create({
        key: 'k1',
        kind: 'self-assessment.request',
        toId: 'e1',
        status: 'sending',
        createdAt: at,
      })
      .params() as { Item: Record<string, unknown> };
  const auditItem = () =>
    db()
      .audit.create({ entityKey: 'cycle#c1', at, eventId: 'x1', actor: 'hr', action: 'cycle.extended' })
      .params() as { Item: Record<string, unknown> };

  it('an outbox entry is kept 400 days and an audit event seven years by default, for the table’s TTL', () => {
    expect(outboxItem().Item.expiresAt).toBe(seconds(at, 400));
    expect(auditItem().Item.expiresAt).toBe(seconds(at, 2555));
  });

  it('each limit is a setting', () => {
    process.env.OUTBOX_RETENTION_DAYS = '30';
    process.env.AUDIT_RETENTION_DAYS = '3650';
    expect(outboxItem().Item.expiresAt).toBe(seconds(at, 30));
    expect(auditItem().Item.expiresAt).toBe(seconds(at, 3650));
    process.env.AUDIT_RETENTION_DAYS = 'forever';
    expect(() => auditItem()).toThrow(/AUDIT_RETENTION_DAYS must be a whole number of days/);
  });

  it('a digest item is kept 30 days after its send time by default, or as long as set', async () => {
    const ddb = mockClient(DynamoDBDocumentClient);
    // Its send time's delivery is scheduled already, so queueing writes only the item.
    ddb
      .on(GetCommand)
      .resolves({ Item: db().digestRun.create({ sendAt: at, scheduledAt: at }).params().Item });
    ddb.on(TransactWriteCommand).resolves({});
    const queuedExpiry = async () => {
      ddb.resetHistory();
      await queueItem({
        recipientId: 'e1',
        key: 'k1',
        requestId: 'r1',
        purpose: 'request',
        index: 0,
        assignment: 0,
        window: { timeZone: 'UTC', sendHour: 9, quietDays: [] },
        sendAt: new Date(at),
      });
      const put = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.find((i) => i.Put)
        ?.Put?.Item;
      return put?.expiresAt;
    };
    expect(await queuedExpiry()).toBe(seconds(at, 30));
    process.env.DIGEST_RETENTION_DAYS = '7';
    expect(await queuedExpiry()).toBe(seconds(at, 7));
    ddb.restore();
  });
});

describe('pseudonymisation', () => {
  it('replaces every free text and keeps ratings, choices, ids, dates and the catalog’s names', () => {
    const review = {
      employeeId: 'e1',
      overallRating: 3.4,
      selfAssessment: {
        ratings: { craft: 4 },
        evidence: { craft: 'Rewrote the parser' },
        goalNotes: { g1: 'Shipped in May' },
        texts: { extra: 'More words' },
        achievements: 'The migration',
        growth: 'Public speaking',
        rating: 4,
      },
      acknowledgment: { at, agrees: false, disagreement: 'Misses my Q4 work' },
      gapAnalysis: { items: [{ competencyId: 'craft', name: 'Craft', rating: 4 }] },
      external: { name: 'Erin Outside', email: 'erin@partner.example' },
      answer: { externals: [{ id: 'x1', name: 'Erin', email: 'erin@partner.example' }], decision: 'approve' },
    };
    const clean = scrub(review);
    expect(clean).toEqual({
      employeeId: 'e1',
      overallRating: 3.4,
      selfAssessment: {
        ratings: { craft: 4 },
        evidence: { craft: REMOVED },
        goalNotes: { g1: REMOVED },
        texts: { extra: REMOVED },
        achievements: REMOVED,
        growth: REMOVED,
        rating: 4,
      },
      acknowledgment: { at, agrees: false, disagreement: REMOVED },
      gapAnalysis: review.gapAnalysis,
      external: { name: REMOVED, email: REMOVED },
      answer: { externals: [{ id: 'x1', name: REMOVED, email: REMOVED }], decision: 'approve' },
    });
  });

  it('gives each person one stable pseudonym that does not show their id', () => {
    expect(pseudonymOf('e10')).toEqual(pseudonymOf('e10'));
    expect(pseudonymOf('e10').name).not.toEqual(pseudonymOf('e11').name);
    expect(pseudonymOf('e10').name).toMatch(/^Former employee [0-9a-f]{10}$/);
    expect(JSON.stringify(pseudonymOf('e10'))).not.toContain('e10');
  });
});

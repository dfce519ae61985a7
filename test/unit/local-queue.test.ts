import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalQueue } from '../../local/queue';

/* The local dead-letter queue keeps its messages across a restart of a persisting stack, as SQS does. */

const journalIn = () => path.join(mkdtempSync(path.join(tmpdir(), 'growcycle-queue-')), 'queue.jsonl');

describe('the local queue, persisting', () => {
  it('gives a restarted stack every message not deleted, bodies and attributes as sent, all visible', () => {
    // Arrange
    const file = journalIn();
    const before = new LocalQueue('FailedInvocations', file);
    before.send('{"a":1}', { ErrorCode: '200' });
    before.send('{"b":2}');
    before.send('{"c":3}');
    const received = before.receive(10);
    before.delete(received[1]?.ReceiptHandle ?? '');
    before.close();

    // Act
    const after = new LocalQueue('FailedInvocations', file);

    // Assess
    const messages = after.receive(10);
    expect(messages.map((m) => m.Body)).toEqual(['{"a":1}', '{"c":3}']);
    expect(messages[0]?.MessageAttributes).toEqual({ ErrorCode: { DataType: 'String', StringValue: '200' } });
    expect(messages.map((m) => m.MessageId)).toEqual([received[0]?.MessageId, received[2]?.MessageId]);
  });

  it('rewrites its journal with only what it still holds, so the file does not grow without end', () => {
    // Arrange
    const file = journalIn();
    const before = new LocalQueue('FailedInvocations', file);
    for (const i of [1, 2, 3]) before.send(String(i));
    for (const m of before.receive(10).slice(0, 2)) before.delete(m.ReceiptHandle);
    before.close();

    // Act
    new LocalQueue('FailedInvocations', file).close();

    // Assess
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('keeps what was whole when a kill cut the last line short', () => {
    // Arrange
    const file = journalIn();
    const before = new LocalQueue('FailedInvocations', file);
    before.send('kept');
    before.close();
    appendFileSync(file, '{"sent":{"MessageId":"x","Bo');

    // Act
    const after = new LocalQueue('FailedInvocations', file);

    // Assess
    expect(after.receive(10).map((m) => m.Body)).toEqual(['kept']);
  });
});

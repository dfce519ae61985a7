import { describe, expect, it } from 'vitest';
import { SesEvent } from '../../functions/events/ses-events';
import { matches } from '../../local/event-bus';
import { sendEvent, simulatorEvent } from '../../local/ses-simulator';
import type { LocalMail } from '../../local/template';

/* The local stand-in for SES's mailbox simulator and the default event bus, without the network. */

const mail: LocalMail = {
  identities: new Map([['growcycle@example.com', 'Mail6A3D1F64']]),
  eventDestinations: [
    {
      configurationSet: 'Mail6A3D1F64',
      eventTypes: ['SEND', 'BOUNCE', 'COMPLAINT'],
      eventBusArn: 'arn:aws:events:us-east-1:000000000000:event-bus/default',
    },
  ],
};
const send = { FromEmailAddress: 'growcycle@example.com', Destination: { ToAddresses: ['x'] } };
const AT = new Date('2027-05-03T08:00:00.123Z');

/** The pattern the template's rule has, as the local stack reads it. */
const RULE = {
  source: ['aws.ses'],
  'detail-type': ['Email Sent', 'Email Bounced', 'Email Complaint Received'],
  detail: { mail: { tags: { 'ses:configuration-set': ['Mail6A3D1F64'] } } },
};

describe('simulatorEvent', () => {
  it('turns mail to bounce@simulator.amazonses.com into a permanent bounce the handler accepts', () => {
    // Act
    const event = simulatorEvent(mail, send, 'ses-1', 'bounce+ada@simulator.amazonses.com', AT);

    // Assess
    const parsed = SesEvent.parse(event);
    expect(parsed['detail-type']).toBe('Email Bounced');
    expect(parsed.detail).toMatchObject({
      eventType: 'Bounce',
      mail: { messageId: 'ses-1' },
      bounce: {
        bounceType: 'Permanent',
        bouncedRecipients: [{ emailAddress: 'bounce+ada@simulator.amazonses.com' }],
      },
    });
    expect(event?.time).toBe('2027-05-03T08:00:00Z');
    expect(matches(RULE, event)).toBe(true);
  });

  it('turns mail to complaint@simulator.amazonses.com into a complaint the handler accepts', () => {
    const event = simulatorEvent(mail, send, 'ses-2', 'complaint@simulator.amazonses.com', AT);
    expect(SesEvent.parse(event)['detail-type']).toBe('Email Complaint Received');
    expect(matches(RULE, event)).toBe(true);
  });

  it('publishes nothing for other addresses, or for event types the configuration set does not publish', () => {
    expect(simulatorEvent(mail, send, 'ses-3', 'ada@example.com', AT)).toBeUndefined();
    expect(simulatorEvent(mail, send, 'ses-3', 'success@simulator.amazonses.com', AT)).toBeUndefined();
    const bouncesOnly: LocalMail = {
      ...mail,
      eventDestinations: mail.eventDestinations.map((d) => ({ ...d, eventTypes: ['BOUNCE'] })),
    };
    expect(
      simulatorEvent(bouncesOnly, send, 'ses-4', 'complaint@simulator.amazonses.com', AT),
    ).toBeUndefined();
  });

  it('publishes nothing for mail from an identity without the configuration set', () => {
    const other = { ...send, FromEmailAddress: 'Someone <someone@elsewhere.example>' };
    expect(simulatorEvent(mail, other, 'ses-5', 'bounce@simulator.amazonses.com', AT)).toBeUndefined();
  });
});

describe('sendEvent', () => {
  const tagged = { ...send, EmailTags: [{ Name: 'outbox', Value: 'cmVxLTEjbm90aWNl' }] };

  it('publishes a Send event for every message SES accepted, with its tags, which the handler accepts', () => {
    // Act
    const event = sendEvent(mail, tagged, 'ses-7', AT);

    // Assess
    const parsed = SesEvent.parse(event);
    expect(parsed['detail-type']).toBe('Email Sent');
    expect(parsed.detail).toMatchObject({
      eventType: 'Send',
      mail: { messageId: 'ses-7', tags: { outbox: ['cmVxLTEjbm90aWNl'] } },
    });
    expect(matches(RULE, event)).toBe(true);
  });

  it('publishes none when the configuration set does not ask for sends', () => {
    const bouncesOnly: LocalMail = {
      ...mail,
      eventDestinations: mail.eventDestinations.map((d) => ({ ...d, eventTypes: ['BOUNCE', 'COMPLAINT'] })),
    };
    expect(sendEvent(bouncesOnly, tagged, 'ses-8', AT)).toBeUndefined();
  });
});

describe('event pattern matching', () => {
  it('matches any of the listed values, nested objects, and a value inside an array', () => {
    expect(matches({ a: ['x', 'y'], b: { c: ['z'] } }, { a: 'y', b: { c: ['q', 'z'] } })).toBe(true);
  });

  it('does not match a missing field, another value, or another configuration set', () => {
    expect(matches({ a: ['x'] }, {})).toBe(false);
    expect(matches({ a: ['x'] }, { a: 'y' })).toBe(false);
    const event = simulatorEvent(mail, send, 'ses-6', 'bounce@simulator.amazonses.com', AT);
    expect(
      matches({ ...RULE, detail: { mail: { tags: { 'ses:configuration-set': ['Other'] } } } }, event),
    ).toBe(false);
  });
});

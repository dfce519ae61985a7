import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Activity } from './activity';
import { realSleep } from './clock';
import type { BusEvent, LocalEventBus } from './event-bus';
import { passOn, readBody } from './forward';
import { LOCAL_ACCOUNT, LOCAL_REGION, type LocalMail } from './template';

/*
 * The SES mailbox simulator, locally. SES v2 calls go through here to aws-ses-v2-local (which keeps
 * the inbox); when a message is addressed to bounce@simulator.amazonses.com or
 * complaint@simulator.amazonses.com (a +label is allowed, as on AWS), the event SES would publish
 * through the sender's configuration set is built in AWS's shape and put on the local default bus,
 * whose rules (from the template) route it to their targets; so is the Send event of every message
 * SES accepted. Only the event types the template's event destination asks for are published.
 */

const SIMULATOR = /^(bounce|complaint)(\+[^@]*)?@simulator\.amazonses\.com$/i;

type SendEmailBody = {
  FromEmailAddress?: string;
  ConfigurationSetName?: string;
  Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
  EmailTags?: Array<{ Name: string; Value: string }>;
};

const addressOf = (from: string): string => (/<([^>]+)>/.exec(from)?.[1] ?? from).trim().toLowerCase();

/** The configuration set a send goes through: the one it names, or its identity's default. */
const configurationSetOf = (mail: LocalMail, body: SendEmailBody): string | undefined => {
  if (body.ConfigurationSetName) return body.ConfigurationSetName;
  const from = addressOf(body.FromEmailAddress ?? '');
  return mail.identities.get(from) ?? mail.identities.get(from.split('@')[1] ?? '');
};

type MailEventKind = 'send' | 'bounce' | 'complaint';

const DETAIL_TYPES: Record<MailEventKind, string> = {
  send: 'Email Sent',
  bounce: 'Email Bounced',
  complaint: 'Email Complaint Received',
};
const EVENT_TYPES: Record<MailEventKind, string> = { send: 'Send', bounce: 'Bounce', complaint: 'Complaint' };

/**
 * The event of this kind AWS delivers on the default bus for a sent message, in AWS's shape, when the
 * configuration set the message went through publishes that kind; otherwise undefined.
 */
const mailEvent = (
  kind: MailEventKind,
  mail: LocalMail,
  body: SendEmailBody,
  messageId: string,
  at: Date,
  recipient: string,
): BusEvent | undefined => {
  const configurationSet = configurationSetOf(mail, body);
  const published = mail.eventDestinations.some(
    (d) => d.configurationSet === configurationSet && d.eventTypes.includes(kind.toUpperCase()),
  );
  if (!configurationSet || !published) return undefined;
  const from = addressOf(body.FromEmailAddress ?? '');
  const timestamp = at.toISOString();
  const destination = [
    ...(body.Destination?.ToAddresses ?? []),
    ...(body.Destination?.CcAddresses ?? []),
    ...(body.Destination?.BccAddresses ?? []),
  ];
  const tags: Record<string, string[]> = {
    'ses:configuration-set': [configurationSet],
    'ses:source-ip': ['127.0.0.1'],
    'ses:from-domain': [from.split('@')[1] ?? ''],
    'ses:caller-identity': ['local'],
    ...Object.fromEntries((body.EmailTags ?? []).map((t) => [t.Name, [t.Value]])),
  };
  const feedbackId = `${messageId}-${randomUUID()}-000000`;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': DETAIL_TYPES[kind],
    source: 'aws.ses',
    account: LOCAL_ACCOUNT,
    time: `${timestamp.slice(0, 19)}Z`,
    region: LOCAL_REGION,
    resources: [`arn:aws:ses:${LOCAL_REGION}:${LOCAL_ACCOUNT}:configuration-set/${configurationSet}`],
    detail: {
      eventType: EVENT_TYPES[kind],
      mail: {
        timestamp,
        source: body.FromEmailAddress ?? '',
        sourceArn: `arn:aws:ses:${LOCAL_REGION}:${LOCAL_ACCOUNT}:identity/${from}`,
        sendingAccountId: LOCAL_ACCOUNT,
        messageId,
        destination,
        headersTruncated: false,
        tags,
      },
      ...(kind === 'send'
        ? { send: {} }
        : kind === 'bounce'
          ? {
              bounce: {
                feedbackId,
                bounceType: 'Permanent',
                bounceSubType: 'General',
                bouncedRecipients: [
                  {
                    emailAddress: recipient,
                    action: 'failed',
                    status: '5.1.1',
                    diagnosticCode: 'smtp; 550 5.1.1 user unknown',
                  },
                ],
                timestamp,
                reportingMTA: 'dns; amazonses.com',
              },
            }
          : {
              complaint: {
                feedbackId,
                complaintSubType: null,
                complainedRecipients: [{ emailAddress: recipient }],
                timestamp,
                userAgent: 'Amazon SES Mailbox Simulator',
                complaintFeedbackType: 'abuse',
                arrivalDate: timestamp,
              },
            }),
    },
  };
};

/** The event AWS delivers on the default bus for a simulator address, or undefined for any other. */
export const simulatorEvent = (
  mail: LocalMail,
  body: SendEmailBody,
  messageId: string,
  recipient: string,
  at: Date,
): BusEvent | undefined => {
  const kind = SIMULATOR.exec(recipient)?.[1]?.toLowerCase() as 'bounce' | 'complaint' | undefined;
  return kind ? mailEvent(kind, mail, body, messageId, at, recipient) : undefined;
};

/** The Send event SES publishes once it has accepted a message, when its configuration set asks for it. */
export const sendEvent = (mail: LocalMail, body: SendEmailBody, messageId: string, at: Date) =>
  mailEvent('send', mail, body, messageId, at, '');

export type SesGatewayOptions = {
  inboxUrl: string;
  mail: LocalMail;
  bus: LocalEventBus;
  activity: Activity;
  /** Whether this send is refused as SES refuses one over the account's sending rate (local/faults.ts). */
  throttle?: () => boolean;
  /** Whether this send, once accepted, loses its reply: the connection is reset (local/faults.ts). */
  loseReply?: () => boolean;
};

/**
 * The SES v2 endpoint the SDK talks to locally: passes every call on to aws-ses-v2-local unchanged,
 * then, for a sent message, publishes what the mailbox simulator would.
 */
export const createSesGateway =
  ({ inboxUrl, mail, bus, activity, throttle, loseReply }: SesGatewayOptions) =>
  (req: IncomingMessage, res: ServerResponse): void => {
    void activity.track(async () => {
      const body = await readBody(req);
      const sending = req.method === 'POST' && req.url?.startsWith('/v2/email/outbound-emails');
      if (sending && throttle?.()) {
        res.writeHead(429, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'TooManyRequestsException',
        });
        return res.end(JSON.stringify({ message: 'Maximum sending rate exceeded.' }));
      }
      const lost = sending && loseReply?.() === true;
      const { ok, answer } = await passOn(inboxUrl, req, body, res, 'application/json', { reply: !lost });
      // Sent, but the sender hears nothing back: it cannot tell this from a send that never arrived.
      if (lost) req.socket.destroy();
      if (!sending || !ok) return;
      const sent = JSON.parse(body.toString('utf8')) as SendEmailBody;
      const messageId = (JSON.parse(answer.toString('utf8')) as { MessageId?: string }).MessageId ?? '';
      const recipients = [
        ...(sent.Destination?.ToAddresses ?? []),
        ...(sent.Destination?.CcAddresses ?? []),
        ...(sent.Destination?.BccAddresses ?? []),
      ];
      const at = new Date();
      const events = [
        sendEvent(mail, sent, messageId, at),
        ...recipients.map((r) => simulatorEvent(mail, sent, messageId, r, at)),
      ].filter((e): e is BusEvent => e !== undefined);
      if (events.length === 0) return;
      // As on AWS, the event arrives a moment after the send returned, not inside the sender's call.
      void activity.track(async () => {
        await realSleep(20);
        await Promise.all(events.map((e) => bus.put(e)));
      });
    });
  };

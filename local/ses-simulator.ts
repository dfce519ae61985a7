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
 * whose rules (from the template) route it to their targets. Only the event types the template's
 * event destination asks for are published.
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

/** The event AWS delivers on the default bus for a simulator address, or undefined for any other. */
export const simulatorEvent = (
  mail: LocalMail,
  body: SendEmailBody,
  messageId: string,
  recipient: string,
  at: Date,
): BusEvent | undefined => {
  const kind = SIMULATOR.exec(recipient)?.[1]?.toLowerCase() as 'bounce' | 'complaint' | undefined;
  if (!kind) return undefined;
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
    'detail-type': kind === 'bounce' ? 'Email Bounced' : 'Email Complaint Received',
    source: 'aws.ses',
    account: LOCAL_ACCOUNT,
    time: `${timestamp.slice(0, 19)}Z`,
    region: LOCAL_REGION,
    resources: [`arn:aws:ses:${LOCAL_REGION}:${LOCAL_ACCOUNT}:configuration-set/${configurationSet}`],
    detail: {
      eventType: kind === 'bounce' ? 'Bounce' : 'Complaint',
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
      ...(kind === 'bounce'
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

export type SesGatewayOptions = {
  inboxUrl: string;
  mail: LocalMail;
  bus: LocalEventBus;
  activity: Activity;
  /** Whether this send is refused as SES refuses one over the account's sending rate (local/faults.ts). */
  throttle?: () => boolean;
};

/**
 * The SES v2 endpoint the SDK talks to locally: passes every call on to aws-ses-v2-local unchanged,
 * then, for a sent message, publishes what the mailbox simulator would.
 */
export const createSesGateway =
  ({ inboxUrl, mail, bus, activity, throttle }: SesGatewayOptions) =>
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
      const { ok, answer } = await passOn(inboxUrl, req, body, res, 'application/json');
      if (!sending || !ok) return;
      const sent = JSON.parse(body.toString('utf8')) as SendEmailBody;
      const messageId = (JSON.parse(answer.toString('utf8')) as { MessageId?: string }).MessageId ?? '';
      const recipients = [
        ...(sent.Destination?.ToAddresses ?? []),
        ...(sent.Destination?.CcAddresses ?? []),
        ...(sent.Destination?.BccAddresses ?? []),
      ];
      const events = recipients
        .map((r) => simulatorEvent(mail, sent, messageId, r, new Date()))
        .filter((e): e is BusEvent => e !== undefined);
      if (events.length === 0) return;
      // As on AWS, the event arrives a moment after the send returned, not inside the sender's call.
      void activity.track(async () => {
        await realSleep(20);
        await Promise.all(events.map((e) => bus.put(e)));
      });
    });
  };

import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import nodemailer from 'nodemailer';
import type { Logger } from '../../../../kernel/log.ts';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** Sends one mail; the users subgraph's only way out to people. */
export interface Mailer {
  send(mail: Mail): Promise<void>;
}

/** Development and tests: each mail is one JSON line in a file a developer (or a test) reads. */
export function outboxMailer(path: string, logger: Logger): Mailer {
  return {
    async send(mail) {
      await mkdir(dirname(path), { recursive: true });
      await appendFile(path, `${JSON.stringify(mail)}\n`);
      logger.info({ to: mail.to, subject: mail.subject, outbox: path }, 'mail written to the outbox');
    },
  };
}

export function smtpMailer(url: string, from: string, logger: Logger): Mailer {
  const transport = nodemailer.createTransport(url);
  return {
    async send(mail) {
      await transport.sendMail({ from, ...mail });
      logger.info({ subject: mail.subject }, 'mail sent');
    },
  };
}

import type { System } from './system.ts';

type Mail = Awaited<ReturnType<System['mails']>>[number];

/**
 * The mails to `email` once there are at least `count` of them: the users subgraph mails after it
 * has answered, so a test that reads the outbox right after a request polls it for a while.
 */
export async function mailsTo(system: System, email: string, count = 1, timeoutMs = 5000): Promise<Mail[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = (await system.mails()).filter((m) => m.to === email.toLowerCase());
    if (mails.length >= count) return mails;
    if (Date.now() > deadline) throw new Error(`Expected ${count} mails to ${email}, found ${mails.length}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The last mail to `email`, waiting for the `count`-th to arrive. */
export const lastMailTo = async (system: System, email: string, count = 1) => (await mailsTo(system, email, count)).at(-1) as Mail;

/**
 * The first capture of `pattern` in the newest mail to `email` that matches it, waiting for that
 * mail: codes and reset links go out after the request has been answered.
 */
export async function fromMail(system: System, email: string, pattern: RegExp, timeoutMs = 5000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mail = (await system.mails()).filter((m) => m.to === email.toLowerCase() && pattern.test(m.text)).at(-1);
    const found = mail && pattern.exec(mail.text)?.[1];
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`No mail to ${email} matching ${pattern}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

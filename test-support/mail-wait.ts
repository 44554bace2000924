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

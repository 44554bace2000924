import { startSlowSmtp } from '../test-support/slow-smtp.ts';
import { startSystem, type System } from '../test-support/system.ts';

const REGISTER = 'mutation($input: RequestRegistrationInput!) { requestRegistration(input: $input) }';
const RESET = 'mutation($e: String!) { requestPasswordReset(email: $e) }';
const RUNS = 7;
/** Far below what inline work costs here (bcrypt at cost 10 or one slow mail), far above the noise. */
const TOLERANCE_MS = 30;
/** The relay's greeting delay: a mail sent before answering would add at least this. */
const SMTP_DELAY_MS = 150;

let system: System;
let smtp: Awaited<ReturnType<typeof startSlowSmtp>>;
beforeAll(async () => {
  smtp = await startSlowSmtp(SMTP_DELAY_MS);
  // A realistic bcrypt cost, so a hash done before answering would show.
  system = await startSystem({ BCRYPT_COST: '10', SMTP_URL: smtp.url });
  for (let i = 0; i < RUNS + 1; i++) await system.createUser(`taken${i}@example.com`, 'a taken password');
});
afterAll(async () => {
  await system.stop();
  await smtp.stop();
});

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/** Times one request, then waits until its background work has mailed, so runs do not overlap. */
async function timed(query: string, variables: Record<string, unknown>, mailsAfter: number): Promise<number> {
  const started = performance.now();
  const result = await system.client().request(query, variables);
  const elapsed = performance.now() - started;
  expect(result.errors).toBeUndefined();
  await smtp.waitFor(mailsAfter);
  // bcrypt runs beside the mail; a pause lets it end before the next run is timed.
  await new Promise((r) => setTimeout(r, 50));
  return elapsed;
}

/** Alternates taken and free emails; returns the median time of each. */
async function compare(run: (i: number, taken: boolean) => Promise<number>) {
  const taken: number[] = [];
  const free: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    taken.push(await run(i, true));
    free.push(await run(i, false));
  }
  return { taken: median(taken), free: median(free) };
}

describe('answers that do not tell a taken email from a free one', () => {
  test('requestRegistration answers in the same time for a taken and a free email', async () => {
    // Warm-up with the spare account: the first request plans the operation and opens connections.
    await timed(REGISTER, { input: { email: `taken${RUNS}@example.com`, password: 'warm-up password' } }, smtp.received.length + 1);
    const medians = await compare((i, taken) =>
      timed(
        REGISTER,
        { input: { email: taken ? `taken${i}@example.com` : `free${i}@example.com`, password: 'a new password' } },
        smtp.received.length + 1,
      ),
    );
    console.info(`requestRegistration medians (ms): taken ${medians.taken.toFixed(1)}, free ${medians.free.toFixed(1)}`);
    expect(Math.abs(medians.taken - medians.free)).toBeLessThan(TOLERANCE_MS);
  });

  test('requestPasswordReset answers in the same time for a known and an unknown email', async () => {
    await timed(RESET, { e: `taken${RUNS}@example.com` }, smtp.received.length + 1);
    const medians = await compare((i, taken) =>
      timed(RESET, { e: taken ? `taken${i}@example.com` : `nobody${i}@example.com` }, smtp.received.length + (taken ? 1 : 0)),
    );
    console.info(`requestPasswordReset medians (ms): known ${medians.taken.toFixed(1)}, unknown ${medians.free.toFixed(1)}`);
    expect(Math.abs(medians.taken - medians.free)).toBeLessThan(TOLERANCE_MS);
  });
});

import bcrypt from 'bcrypt';

// Compared against when the email is unknown, so both answers take one bcrypt verification.
const DUMMY_HASH = bcrypt.hashSync('atrium-timing-equaliser', 10);

export const hashPassword = (password: string, cost: number) => bcrypt.hash(password, cost);

/** Verifies a password; with no stored hash it still spends the same time and answers false. */
export async function verifyPassword(password: string, hash: string | undefined): Promise<boolean> {
  const ok = await bcrypt.compare(password, hash ?? DUMMY_HASH);
  return ok && hash !== undefined;
}

import bcrypt from 'bcrypt';

// Compared against when the email is unknown, at the configured cost, so both answers take the same time.
const dummyHashes = new Map<number, string>();
const dummyHash = (cost: number) => {
  let hash = dummyHashes.get(cost);
  if (!hash) {
    hash = bcrypt.hashSync('atrium-timing-equaliser', cost);
    dummyHashes.set(cost, hash);
  }
  return hash;
};

export const hashPassword = (password: string, cost: number) => bcrypt.hash(password, cost);

/** Verifies a password; with no stored hash it still spends the same time (at `cost`) and answers false. */
export async function verifyPassword(password: string, hash: string | undefined, cost = 12): Promise<boolean> {
  const ok = await bcrypt.compare(password, hash ?? dummyHash(cost));
  return ok && hash !== undefined;
}

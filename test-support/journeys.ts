import { fromMail } from './mail-wait.ts';
import type { System } from './system.ts';

export const AUTH_FIELDS = 'accessToken refreshToken expiresIn user { id email name roles mfaEnabled createdAt }';

export interface Auth {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: { id: string; email: string; name: string | null; roles: string[]; mfaEnabled: boolean; createdAt: string };
}

/** The mailed 6-digit code in the last mail to `email`. */
export const mailedCode = (system: System, email: string): Promise<string> => fromMail(system, email, /\b(\d{6})\b/);

/** The full two-step registration through the gateway, as the frontend does it. */
export async function register(system: System, email: string, password = 'correct horse battery', name = 'Test User'): Promise<Auth> {
  const client = system.client();
  await client.ok(`mutation($input: RequestRegistrationInput!) { requestRegistration(input: $input) }`, {
    input: { email, password, name },
  });
  const code = await mailedCode(system, email);
  const data = await client.ok<{ confirmRegistration: Auth }>(
    `mutation($input: ConfirmRegistrationInput!) { confirmRegistration(input: $input) { ${AUTH_FIELDS} } }`,
    { input: { email, code } },
  );
  return data.confirmRegistration;
}

export async function login(system: System, email: string, password: string, totp?: string) {
  return system
    .client()
    .request<{ login: Auth }>(`mutation($input: LoginInput!) { login(input: $input) { ${AUTH_FIELDS} } }`, {
      input: { email, password, totp },
    });
}

/** An admin creates an agent in the catalog (the CLI's path for the admin); returns the agent's id. */
export async function createAgentAsAdmin(system: System, slug = 'scribe', name = 'Scribe'): Promise<string> {
  await system.createUser(`root-${slug}@example.com`, 'root password', { admin: true });
  const admin = (await login(system, `root-${slug}@example.com`, 'root password')).data!.login;
  const created = await system
    .client({ token: admin.accessToken })
    .ok<{ createAgent: { id: string } }>('mutation($i: CreateAgentInput!) { createAgent(input: $i) { id } }', {
      i: { slug, name, description: 'd', category: 'writing' },
    });
  return created.createAgent.id;
}

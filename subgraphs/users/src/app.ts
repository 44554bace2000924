import { createTokenVerifier } from '../../../kernel/auth.ts';
import { internalSecretOf } from '../../../kernel/config.ts';
import { databaseReady, openSubgraphDatabase } from '../../../kernel/db.ts';
import { identityFromRequest, clientFromRequest } from '../../../kernel/identity.ts';
import { createKeyValueStore } from '../../../kernel/kv/index.ts';
import { createLogger, type Logger } from '../../../kernel/log.ts';
import { createEventBus } from '../../../kernel/pubsub.ts';
import { createMetrics } from '../../../kernel/metrics.ts';
import { DateTimeScalar } from '../../../kernel/scalars.ts';
import { loadTypeDefs, mergeResolvers, startSubgraphServer, type RunningService } from '../../../kernel/subgraph-server.ts';
import { adminResolvers } from './admin/admin.resolvers.ts';
import { mountApiKeyExchange } from './api-key/api-key-exchange.ts';
import { apiKeyResolvers } from './api-key/api-key.resolvers.ts';
import { loadSigningKeys } from './auth/keys.ts';
import type { UsersConfig } from './config.ts';
import type { UsersContext, UsersDeps } from './context.ts';
import { outboxMailer, smtpMailer } from './mail/mailer.ts';
import { mfaResolvers } from './mfa/mfa.resolvers.ts';
import { derivedKey, secretBox } from './mfa/secret-box.ts';
import { usersOrm } from './orm.ts';
import { passwordResolvers } from './password/password.resolvers.ts';
import { registrationResolvers } from './registration/registration.resolvers.ts';
import { keepRevocationsComplete } from './session/revocation-sync.ts';
import { refreshCookieFrom, sessionResolvers } from './session/session.resolvers.ts';
import { userLoader, userResolvers } from './user/user.resolvers.ts';

export const resolvers = mergeResolvers(
  { DateTime: DateTimeScalar as unknown as object },
  userResolvers,
  sessionResolvers,
  registrationResolvers,
  passwordResolvers,
  mfaResolvers,
  adminResolvers,
  apiKeyResolvers,
);

/** Starts the users subgraph; `main.ts` and the tests call this, nothing else differs. */
export async function start(config: UsersConfig, logger: Logger = createLogger({ service: 'users', level: config.LOG_LEVEL })): Promise<RunningService & { deps: UsersDeps }> {
  const metrics = createMetrics('users');
  const orm = await openSubgraphDatabase(usersOrm, config, logger, metrics);
  const keys = await loadSigningKeys(config.JWT_PRIVATE_KEY, config.JWT_PREVIOUS_PUBLIC_KEYS);
  const kv = createKeyValueStore({ redisUrl: config.REDIS_URL, prefix: config.REDIS_PREFIX });
  const mailLog = logger.child({ component: 'mail' });
  const deps: UsersDeps = {
    config,
    orm,
    kv,
    bus: createEventBus({ redisUrl: config.REDIS_URL, prefix: config.REDIS_PREFIX }),
    keys,
    secrets: secretBox(config.MFA_ENCRYPTION_KEY ? Buffer.from(config.MFA_ENCRYPTION_KEY, 'base64') : derivedKey(config.JWT_PRIVATE_KEY)),
    logger,
    mailer: config.SMTP_URL ? smtpMailer(config.SMTP_URL, config.MAIL_FROM, mailLog) : outboxMailer(config.MAIL_OUTBOX, mailLog),
    verify: createTokenVerifier({
      jwksUrl: config.JWKS_URL,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      keys: keys.localKeySet,
    }),
  };

  const revocations = await keepRevocationsComplete(deps);
  const service = await startSubgraphServer<UsersContext>({
    name: 'users',
    typeDefs: await loadTypeDefs(new URL('../schema.graphql', import.meta.url)),
    resolvers,
    host: config.HOST,
    port: config.PORT,
    internalSecret: internalSecretOf(config),
    logger,
    production: config.production,
    metrics,
    readiness: {
      postgres: databaseReady(orm, usersOrm),
      kv: () => kv.ping(),
    },
    routes: (app) => {
      app.get('/.well-known/jwks.json', (_req, res) => {
        res.set('Cache-Control', 'public, max-age=300').json(keys.jwks);
      });
      mountApiKeyExchange(app, deps);
    },
    async context(req, res) {
      const em = orm.em.fork();
      return {
        deps,
        em,
        identity: await identityFromRequest(req, deps.verify),
        client: clientFromRequest(req),
        res,
        refreshCookie: refreshCookieFrom(req.headers.cookie),
        userById: userLoader(em),
      };
    },
  });
  return {
    ...service,
    deps,
    async stop() {
      await service.stop();
      revocations.stop();
      await deps.bus.close();
      await kv.close();
      await orm.close();
    },
  };
}

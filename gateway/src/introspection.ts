import type { ApolloServerPlugin } from '@apollo/server';
import { BREAK, GraphQLError, visit } from 'graphql';
import type { GatewayContext } from './context.ts';

/**
 * Introspection is always on in development; in production only admins may introspect, so Sandbox
 * keeps working for them while the schema stays closed to everyone else.
 */
export function introspectionPolicy(production: boolean): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document }) {
          if (!production || contextValue.identity?.roles.includes('admin')) return;
          let introspects = false;
          visit(document, {
            Field(node) {
              if (node.name.value === '__schema' || node.name.value === '__type') {
                introspects = true;
                return BREAK;
              }
              return undefined;
            },
          });
          if (introspects) {
            throw new GraphQLError('GraphQL introspection is not allowed here; sign in as an admin to explore the schema', {
              extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}

import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Supergraph } from '@apollo/federation-internals';
import {
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLInterfaceType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  getNamedType,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isScalarType,
  Kind,
  type OperationDefinitionNode,
  parse,
  specifiedRules,
  typeFromAST,
  validate,
  visit,
} from 'graphql';
import { loadGatewayConfig } from '../gateway/src/config.ts';
import { limitRules } from '../gateway/src/limits.ts';
import type { GraphQLClient, GraphQLResult } from '../test-support/graphql-client.ts';
import { type Auth, login, register } from '../test-support/journeys.ts';
import { startSystem, type System } from '../test-support/system.ts';

/**
 * An authorization matrix: every root field of Query and Mutation in the API schema the gateway
 * serves, called through the gateway by every kind of caller, with arguments and selections
 * generated from the schema. Nothing below names a field of a subgraph, except the fields that
 * are public by design; a new subgraph is covered without editing this file.
 */

const supergraphSdl = await readFile(new URL('../schema/supergraph.graphql', import.meta.url), 'utf8');
/** The API schema the gateway validates against (schema/supergraph.graphql is what it loads). */
const api = Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
/** The gateway's own depth, alias and cost rules at their shipped defaults (startSystem keeps them). */
const gatewayLimits = limitRules(loadGatewayConfig({}, []).limits, supergraphSdl);
const manifest = JSON.parse(await readFile(new URL('../schema/persisted-queries.json', import.meta.url), 'utf8')) as {
  operations: { id: string; name: string; type: string; body: string }[];
};

/** Anonymous callers may use these; every other field must refuse them or answer nothing. */
const PUBLIC_FIELDS = new Set([
  'agents',
  'agent',
  'agentBySlug',
  'login',
  'refreshSession',
  'logout',
  'requestRegistration',
  'confirmRegistration',
  'requestPasswordReset',
  'confirmPasswordReset',
]);

/**
 * Mutations that would destroy the fixtures (or the caller's own session) when they succeed. They
 * run at the end, after every other cell, caller by caller: anonymous, the other user, the owner,
 * then the admin (whose disableUser/revokeRole end the owner's sessions, so the owner goes first).
 * Within a caller, the ones aimed at a fixture go children first (an entry before its instance, so
 * the owner's deletions of both succeed), and logout* comes last, since it ends the session the
 * caller's token names.
 */
const DESTRUCTIVE = /^(delete|revoke|disable|logout|archive|remove)/;
const TEARDOWN_ORDER = ['knowledgebaseentry', 'session', 'apikey', 'instance', 'user', 'agent'];

/**
 * Selections go this deep at most (deep enough to reach a knowledge base entry's content from an
 * instance); a field whose selection the gateway's depth or cost limits refuse gets a shallower one.
 */
const MAX_SELECTION_DEPTH = 6;

type CallerName = 'anonymous' | 'owner' | 'other' | 'admin' | 'partner';
const CALLERS: CallerName[] = ['anonymous', 'owner', 'other', 'admin', 'partner'];

interface RootField {
  operation: 'query' | 'mutation';
  field: GraphQLField<unknown, unknown>;
}

const rootFields: RootField[] = (['query', 'mutation'] as const).flatMap((operation) => {
  const type = operation === 'query' ? api.getQueryType() : api.getMutationType();
  return type ? Object.values(type.getFields()).map((field) => ({ operation, field })) : [];
});

/** What one caller got for one root field (or, for `manifest:<name>`, one persisted operation). */
interface Cell {
  caller: CallerName;
  field: string;
  mutation: boolean;
  /** Some argument carries one of the owner's ids (instance, entry, session, key, account). */
  targetsOwner: boolean;
  status: number;
  codes: string[];
  /** `data[field]`, null when absent. */
  value: unknown;
  /** The whole answer (data and errors), for the text checks. */
  text: string;
}

const describeCell = (c: Cell) => `${c.caller} ${c.field} -> ${c.status} ${c.text.slice(0, 300)}`;
const isEmpty = (value: unknown) => value === null || value === undefined || (Array.isArray(value) && value.length === 0);

// ---------------------------------------------------------------------------------------------
// Fixtures: the owner's data, and the ids arguments are filled with.

interface Fixtures {
  /** Ids by kind: a lower-case type name without separators (`instance`, `knowledgebaseentry`, ...). */
  ids: Record<string, string>;
  /** Kinds whose ids are the owner's (the agent is the catalog's, public). */
  ownerKinds: string[];
  agentSlug: string;
  /** An archived agent's slug: nobody but admins may see it. */
  archivedAgentSlug: string;
  /** Text only the owner (and for some of it admins) may ever see. */
  ownerData: Record<string, string>;
  /** The API key's secret: nobody is ever shown it again. */
  keySecret: string;
}

let fixtures: Fixtures;
let counter = 0;
const fresh = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;

/** The kind of object an ID argument names: `instanceId` by its name, `id` by the field (`deleteInstance`). */
function kindOf(argName: string, fieldName: string): string | undefined {
  const kinds = Object.keys(fixtures.ids).sort((a, b) => b.length - a.length);
  if (argName === 'id') return kinds.find((k) => fieldName.toLowerCase().includes(k));
  const named = argName.replace(/Ids?$/, '').toLowerCase();
  return kinds.find((k) => named === k) ?? kinds.find((k) => named.endsWith(k));
}

function idFor(argName: string, fieldName: string): string {
  const kind = kindOf(argName, fieldName);
  return (kind && fixtures.ids[kind]) || randomUUID();
}

/** A short, plausible string for an argument or input field, by its name. */
function stringFor(name: string, inInput: boolean): string {
  const n = name.toLowerCase();
  if (n.includes('email')) return `matrix-${fresh()}@example.com`;
  if (n.includes('password')) return 'matrix password 123';
  if (n === 'code' || n === 'totp') return '123456';
  if (n.includes('token')) return `matrix-token-${fresh()}`;
  // Looking one up: the catalog agent's; creating one: a new, valid slug.
  if (n === 'slug') return inInput ? `matrix-${fresh()}` : fixtures.agentSlug;
  if (n.includes('url')) return 'https://example.com/matrix';
  if (n === 'role') return 'user';
  return 'matrix';
}

/** A value of an input type: required input fields filled, optional ones left out. */
function valueFor(type: GraphQLInputType, name: string, site: { field: string; inInput: boolean }): unknown {
  if (isNonNullType(type)) return valueFor(type.ofType, name, site);
  if (isListType(type)) return [valueFor(type.ofType, name, site)];
  if (isEnumType(type)) return type.getValues()[0]?.name;
  if (isInputObjectType(type)) {
    return Object.fromEntries(
      Object.values(type.getFields())
        .filter((f) => isNonNullType(f.type) && f.defaultValue === undefined)
        .map((f) => [f.name, valueFor(f.type, f.name, { field: site.field, inInput: true })]),
    );
  }
  switch (type.name) {
    case 'ID':
      return idFor(name, site.field);
    case 'String':
      return stringFor(name, site.inInput);
    case 'Int':
      return name === 'first' ? 5 : 1;
    case 'Float':
      return 1.5;
    case 'Boolean':
      return true;
    case 'DateTime':
      return new Date().toISOString();
    case 'JSON':
      return {};
    default:
      return 'matrix';
  }
}

// ---------------------------------------------------------------------------------------------
// Selections: every leaf field, nested objects down to a depth, never a type already on the path.

function selectionOf(type: GraphQLOutputType, depth: number, maxDepth: number, path: Set<string>): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return '';
  if (isAbstractType(named)) {
    const parts = api.getPossibleTypes(named).map((t) => {
      const sub = fieldsOf(t, depth, maxDepth, new Set([...path, t.name]));
      return sub ? `... on ${t.name} ${sub}` : '';
    });
    return `{ __typename ${parts.join(' ')} }`;
  }
  return fieldsOf(named, depth, maxDepth, path);
}

function fieldsOf(type: GraphQLObjectType | GraphQLInterfaceType, depth: number, maxDepth: number, path: Set<string>): string {
  const parts: string[] = [];
  for (const f of Object.values(type.getFields())) {
    if (f.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined)) continue;
    const inner = getNamedType(f.type);
    if (isLeafType(inner)) {
      parts.push(f.name);
      continue;
    }
    if (depth >= maxDepth || path.has(inner.name)) continue;
    const sub = selectionOf(f.type, depth + 1, maxDepth, new Set([...path, inner.name]));
    if (sub) parts.push(`${f.name} ${sub}`);
  }
  return parts.length ? `{ ${parts.join(' ')} }` : '';
}

/**
 * The arguments a cell sends: every required one, and optional Booleans set to true (the revealing
 * side of a flag such as `includeArchived`); other optional ones keep the schema's defaults.
 */
const sentArgs = (field: GraphQLField<unknown, unknown>) =>
  field.args.filter((a) => isNonNullType(a.type) || (isScalarType(a.type) && a.type.name === 'Boolean'));

function documentOf({ operation, field }: RootField, maxDepth: number): string {
  const args = sentArgs(field);
  const defs = args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
  const uses = args.map((a) => `${a.name}: $${a.name}`).join(', ');
  const named = getNamedType(field.type);
  const selection = isLeafType(named) ? '' : selectionOf(field.type, 1, maxDepth, new Set([named.name])) || '{ __typename }';
  return `${operation} Matrix${defs ? `(${defs})` : ''} { ${field.name}${uses ? `(${uses})` : ''} ${selection} }`;
}

/** The deepest selection the gateway's limits accept, so every cell reaches a resolver. */
const documents = new Map<string, string>();
function documentFor(root: RootField): string {
  const known = documents.get(root.field.name);
  if (known) return known;
  for (let depth = MAX_SELECTION_DEPTH; depth >= 1; depth--) {
    const doc = documentOf(root, depth);
    if (validate(api, parse(doc), [...specifiedRules, ...gatewayLimits]).length === 0) {
      documents.set(root.field.name, doc);
      return doc;
    }
  }
  throw new Error(`No selection of ${root.field.name} passes the gateway's limits`);
}

// ---------------------------------------------------------------------------------------------
// Running the cells.

let system: System;
const clients = new Map<CallerName, GraphQLClient>();
const cells: Cell[] = [];
let elapsedMs = 0;

const codesOf = (errors: GraphQLResult['errors']) => (errors ?? []).map((e) => String(e.extensions?.code ?? 'NO_CODE'));
const touchesOwner = (variables: unknown) => {
  const text = JSON.stringify(variables);
  return fixtures.ownerKinds.some((kind) => text.includes(fixtures.ids[kind] as string));
};

async function runCell(caller: CallerName, root: RootField): Promise<void> {
  const query = documentFor(root);
  const variables = Object.fromEntries(
    sentArgs(root.field).map((a) => [a.name, valueFor(a.type, a.name, { field: root.field.name, inInput: false })]),
  );
  const base = { caller, field: root.field.name, mutation: root.operation === 'mutation', targetsOwner: touchesOwner(variables) };
  try {
    const result = await clients.get(caller)!.request(query, variables);
    cells.push({
      ...base,
      status: result.status,
      codes: codesOf(result.errors),
      value: (result.data as Record<string, unknown> | null | undefined)?.[root.field.name] ?? null,
      text: JSON.stringify({ data: result.data, errors: result.errors }),
    });
  } catch (err) {
    // Not JSON (an HTML error page, a dropped connection): recorded, and failed by the 5xx check.
    cells.push({ ...base, status: 0, codes: ['NO_JSON_ANSWER'], value: null, text: String(err) });
  }
}

/** A manifest operation by id, as a partner sends it; variables generated like arguments. */
async function runManifestOperation(op: (typeof manifest.operations)[number], secret: string): Promise<void> {
  const document = parse(op.body);
  const definition = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const usage = new Map<string, { field: string; arg: string }>();
  visit(document, {
    Field(node) {
      for (const a of node.arguments ?? []) {
        if (a.value.kind === Kind.VARIABLE) usage.set(a.value.name.value, { field: node.name.value, arg: a.name.value });
      }
    },
  });
  const variables: Record<string, unknown> = {};
  for (const v of definition.variableDefinitions ?? []) {
    const type = typeFromAST(api, v.type as never) as GraphQLInputType | undefined;
    if (!type || !isNonNullType(type)) continue;
    const use = usage.get(v.variable.name.value);
    variables[v.variable.name.value] = valueFor(type, use?.arg ?? v.variable.name.value, { field: use?.field ?? op.name, inInput: false });
  }
  const res = await fetch(system.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': secret },
    body: JSON.stringify({ operationName: op.name, variables, extensions: { persistedQuery: { version: 1, sha256Hash: op.id } } }),
  });
  const text = await res.text();
  let body: { data?: Record<string, unknown> | null; errors?: GraphQLResult['errors'] } = {};
  try {
    body = JSON.parse(text);
  } catch {
    body = { errors: [{ message: text, extensions: { code: 'NO_JSON_ANSWER' } }] };
  }
  const rootNames = definition.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []));
  cells.push({
    caller: 'partner',
    field: `manifest:${op.name}`,
    mutation: op.type === 'mutation',
    targetsOwner: false,
    status: res.status,
    codes: codesOf(body.errors),
    value: body.data ? Object.fromEntries(rootNames.map((n) => [n, body.data?.[n] ?? null])) : null,
    text: JSON.stringify(body),
  });
}

async function createFixtures(): Promise<Fixtures> {
  const password = 'owner password 1';
  const owner = await register(system, 'owner-matrix@example.com', password, 'Owner Matrix');
  const other = await register(system, 'other-matrix@example.com', 'other password 1', 'Other Matrix');
  await system.createUser('admin-matrix@example.com', 'admin password 1', { admin: true });
  const admin = (await login(system, 'admin-matrix@example.com', 'admin password 1')).data!.login as Auth;

  const adminClient = system.client({ token: admin.accessToken });
  const { createAgent } = await adminClient.ok<{ createAgent: { id: string; slug: string } }>(
    'mutation($input: CreateAgentInput!) { createAgent(input: $input) { id slug } }',
    { input: { slug: 'matrix-agent', name: 'Matrix agent', description: 'For the authorization matrix', category: 'testing' } },
  );

  // An archived agent, so `includeArchived: true` and the like have something to leak.
  const archivedAgentSlug = 'matrix-archived-agent';
  const { createAgent: archived } = await adminClient.ok<{ createAgent: { id: string } }>(
    'mutation($input: CreateAgentInput!) { createAgent(input: $input) { id } }',
    { input: { slug: archivedAgentSlug, name: 'Archived matrix agent', description: 'Retired', category: 'testing' } },
  );
  await adminClient.ok('mutation($id: ID!) { archiveAgent(id: $id) { id } }', { id: archived.id });

  const ownerClient = system.client({ token: owner.accessToken });
  const phone = '+1 555 0100 4242';
  const telegram = '@owner_matrix_tg';
  await ownerClient.ok('mutation($input: UpdateMeInput!) { updateMe(input: $input) { id } }', { input: { phone, telegram } });
  const instanceTitle = 'Owner private instance 4f2a';
  const { createInstance } = await ownerClient.ok<{ createInstance: { id: string } }>(
    'mutation($input: CreateInstanceInput!) { createInstance(input: $input) { id } }',
    { input: { agentId: createAgent.id, title: instanceTitle } },
  );
  const entryContent = 'Owner private note: the launch phrase is violet-harbor-91';
  const { addKnowledgeBaseEntry } = await ownerClient.ok<{ addKnowledgeBaseEntry: { id: string } }>(
    'mutation($id: ID!, $input: KnowledgeBaseEntryInput!) { addKnowledgeBaseEntry(instanceId: $id, input: $input) { id } }',
    { id: createInstance.id, input: { title: 'Private note', content: entryContent } },
  );
  const { createApiKey } = await ownerClient.ok<{ createApiKey: { secret: string; apiKey: { id: string; prefix: string } } }>(
    'mutation { createApiKey(name: "matrix partner key") { secret apiKey { id prefix } } }',
  );
  // A second session (another device); revokeSession's `id` names it, so the owner's token outlives that cell.
  await login(system, 'owner-matrix@example.com', password);
  const { sessions } = await ownerClient.ok<{ sessions: { id: string; current: boolean }[] }>('{ sessions { id current } }');
  const otherDevice = sessions.find((s) => !s.current)!;

  clients.set('anonymous', system.client());
  clients.set('owner', ownerClient);
  clients.set('other', system.client({ token: other.accessToken }));
  clients.set('admin', adminClient);
  clients.set('partner', system.client({ headers: { 'x-api-key': createApiKey.secret } }));

  return {
    ids: {
      instance: createInstance.id,
      knowledgebaseentry: addKnowledgeBaseEntry.id,
      session: otherDevice.id,
      apikey: createApiKey.apiKey.id,
      user: owner.user.id,
      agent: createAgent.id,
    },
    ownerKinds: ['instance', 'knowledgebaseentry', 'session', 'apikey', 'user'],
    agentSlug: createAgent.slug,
    archivedAgentSlug,
    ownerData: {
      email: owner.user.email,
      phone,
      telegram: telegram.slice(1),
      instanceTitle,
      entryContent,
      keyPrefix: createApiKey.apiKey.prefix,
      ...Object.fromEntries(sessions.map((s, i) => [`session${i}`, s.id])),
    },
    keySecret: createApiKey.secret,
  };
}

beforeAll(async () => {
  system = await startSystem();
  fixtures = await createFixtures();
  const started = Date.now();
  const destructive = rootFields.filter((r) => r.operation === 'mutation' && DESTRUCTIVE.test(r.field.name));
  const safe = rootFields.filter((r) => !destructive.includes(r));

  // 1. Everything that leaves the fixtures in place, by every signed-in or anonymous caller.
  for (const root of safe) {
    for (const caller of ['anonymous', 'other', 'admin', 'owner'] as const) await runCell(caller, root);
  }
  // 2. The partner: every field free-form (refused before anything runs, destructive ones included),
  //    then the manifest's operations by id, while the key and the owner's instance still exist.
  for (const root of rootFields) await runCell('partner', root);
  for (const op of manifest.operations) await runManifestOperation(op, fixtures.keySecret);
  // 3. At the end: the destructive mutations, in the order DESTRUCTIVE's comment explains.
  const rank = ({ field }: RootField) => {
    if (/^logout/.test(field.name)) return TEARDOWN_ORDER.length + 1;
    const kinds = field.args.filter((a) => getNamedType(a.type).name === 'ID').map((a) => kindOf(a.name, field.name));
    const known = kinds.map((k) => TEARDOWN_ORDER.indexOf(k ?? '')).filter((i) => i >= 0);
    return known.length ? Math.min(...known) : TEARDOWN_ORDER.length;
  };
  const ordered = [...destructive].sort((a, b) => rank(a) - rank(b));
  for (const caller of ['anonymous', 'other', 'owner', 'admin'] as const) {
    for (const root of ordered) await runCell(caller, root);
  }
  elapsedMs = Date.now() - started;
}, 120_000);
afterAll(() => system?.stop());

const cellsOf = (caller: CallerName) => cells.filter((c) => c.caller === caller && !c.field.startsWith('manifest:'));
const leaksIn = (text: string, data: Record<string, string>) =>
  Object.entries(data)
    .filter(([, value]) => text.includes(value))
    .map(([name]) => name);

describe('authorization matrix: every root field, called by every kind of caller', () => {
  test('the matrix covers every Query and Mutation root field the running gateway serves, for each of the five callers', async () => {
    const { __schema } = await system.client().ok<{ __schema: { queryType: { fields: { name: string }[] }; mutationType: { fields: { name: string }[] } | null } }>(
      '{ __schema { queryType { fields { name } } mutationType { fields { name } } } }',
    );
    const served = [...__schema.queryType.fields, ...(__schema.mutationType?.fields ?? [])].map((f) => f.name).sort();
    const fromSupergraph = rootFields.map((r) => r.field.name).sort();
    expect(fromSupergraph).toEqual(served);
    expect(served.length).toBeGreaterThan(0);
    for (const caller of CALLERS) {
      const covered = new Set(cellsOf(caller).map((c) => c.field));
      expect({ caller, fields: covered.size }).toEqual({ caller, fields: served.length });
      expect([...covered].sort()).toEqual(served);
    }
    expect(cells.filter((c) => c.field.startsWith('manifest:'))).toHaveLength(manifest.operations.length);
    console.info(
      `authorization matrix: ${served.length} root fields x ${CALLERS.length} callers = ${served.length * CALLERS.length} cells, ` +
        `+ ${manifest.operations.length} manifest operations; ${cells.length} requests in ${elapsedMs} ms`,
    );
  });

  test('no cell answers with a status of 500 or more, or with INTERNAL_SERVER_ERROR', () => {
    const broken = cells.filter((c) => c.status >= 500 || c.status < 200 || c.codes.includes('INTERNAL_SERVER_ERROR') || c.codes.includes('NO_JSON_ANSWER'));
    expect(broken.map(describeCell)).toEqual([]);
  });

  test("anonymous callers get UNAUTHENTICATED or no data from every non-public field, and never any of the owner's data", () => {
    const answered = cellsOf('anonymous').filter(
      (c) => !PUBLIC_FIELDS.has(c.field) && !(isEmpty(c.value) && c.codes.every((code) => code === 'UNAUTHENTICATED')),
    );
    expect(answered.map(describeCell)).toEqual([]);
    const leaked = cellsOf('anonymous').filter((c) => leaksIn(c.text, fixtures.ownerData).length > 0);
    expect(leaked.map((c) => `${leaksIn(c.text, fixtures.ownerData).join(',')}: ${describeCell(c)}`)).toEqual([]);
  });

  test("another user passing the owner's ids never sees the owner's data, and every write on those ids is refused", () => {
    const mine = cellsOf('other');
    const leaked = mine.filter((c) => leaksIn(c.text, fixtures.ownerData).length > 0);
    expect(leaked.map((c) => `${leaksIn(c.text, fixtures.ownerData).join(',')}: ${describeCell(c)}`)).toEqual([]);
    const writes = mine.filter((c) => c.mutation && c.targetsOwner);
    expect(writes.length).toBeGreaterThan(0);
    const refusedAs = new Set(['NOT_FOUND', 'FORBIDDEN', 'BAD_USER_INPUT']);
    const succeeded = writes.filter((c) => c.codes.length === 0 || !c.codes.every((code) => refusedAs.has(code)) || !isEmpty(c.value));
    expect(succeeded.map(describeCell)).toEqual([]);
  });

  test('an admin gets an answer from every admin-only field, which ordinary users are refused with FORBIDDEN and anonymous callers with UNAUTHENTICATED', () => {
    // Admin-only fields are the ones the schema documents as such ("Admins: ...").
    const adminOnly = rootFields.filter((r) => /^Admins:/.test(r.field.description ?? '')).map((r) => r.field.name);
    expect(adminOnly.length).toBeGreaterThan(0);
    const at = (caller: CallerName, field: string) => cellsOf(caller).find((c) => c.field === field)!;
    const adminFailed = adminOnly.map((f) => at('admin', f)).filter((c) => c.codes.length > 0 || isEmpty(c.value));
    expect(adminFailed.map(describeCell)).toEqual([]);
    for (const [caller, code] of [
      ['other', 'FORBIDDEN'],
      ['owner', 'FORBIDDEN'],
      ['anonymous', 'UNAUTHENTICATED'],
    ] as const) {
      const letThrough = adminOnly.map((f) => at(caller, f)).filter((c) => !c.codes.includes(code) || !isEmpty(c.value));
      expect(letThrough.map(describeCell)).toEqual([]);
    }
    // An admin may see the owner's email (user, users); that is the point of those fields.
    expect(cellsOf('admin').some((c) => c.text.includes(fixtures.ownerData.email as string))).toBe(true);
  });

  test('a partner key is refused with PERSISTED_QUERY_NOT_IN_LIST for a free-form call of every root field', () => {
    const accepted = cellsOf('partner').filter((c) => c.status !== 400 || c.codes.length !== 1 || c.codes[0] !== 'PERSISTED_QUERY_NOT_IN_LIST');
    expect(accepted.map(describeCell)).toEqual([]);
    expect(cellsOf('partner').filter((c) => leaksIn(c.text, fixtures.ownerData).length > 0).map(describeCell)).toEqual([]);
  });

  test("a partner key runs every manifest operation by id, as the key's owner", () => {
    const ops = cells.filter((c) => c.field.startsWith('manifest:'));
    const failed = ops.filter((c) => c.status !== 200 || c.codes.length > 0 || !c.value || Object.values(c.value).some((v) => v === null));
    expect(failed.map(describeCell)).toEqual([]);
    // The owner's instance is among what the key's operations read: they run as the key's owner.
    expect(ops.some((c) => c.text.includes(fixtures.ownerData.instanceTitle as string))).toBe(true);
  });

  test("the owner's own answers carry every value the leak checks look for, so a leak would be seen", () => {
    const text = cellsOf('owner')
      .map((c) => c.text)
      .join('\n');
    const missing = Object.entries(fixtures.ownerData)
      .filter(([, value]) => !text.includes(value))
      .map(([name]) => name);
    expect(missing).toEqual([]);
  });

  test('callers without the admin role never see an archived agent, even when a flag asks for archived ones', () => {
    const seen = cells.filter((c) => c.caller !== 'admin' && c.text.includes(fixtures.archivedAgentSlug));
    expect(seen.map(describeCell)).toEqual([]);
    // The same cells show it to an admin, so the check can see it.
    expect(cellsOf('admin').some((c) => c.text.includes(fixtures.archivedAgentSlug))).toBe(true);
  });

  test('no answer to any caller repeats the secret of an existing API key', () => {
    expect(cells.filter((c) => c.text.includes(fixtures.keySecret)).map(describeCell)).toEqual([]);
  });
});

/**
 * Reading compose.yaml as data: the node services (those running a role of this package), with
 * their environment interpolated as Compose does. The same file drives `docker compose` and
 * `npm run topology`, so the two cannot drift apart.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { NodeRole } from '../../schemas/index.ts';

const Scalar = z.union([z.string(), z.number(), z.boolean()]);

const ComposeService = z.looseObject({
  image: z.string().optional(),
  build: z.unknown().optional(),
  command: z.union([z.string(), z.array(z.string())]).optional(),
  environment: z.union([z.record(z.string(), Scalar.nullable()), z.array(z.string())]).optional(),
  healthcheck: z.looseObject({ test: z.union([z.string(), z.array(z.string())]) }).optional(),
  restart: z.string().optional(),
  volumes: z.array(z.unknown()).optional(),
  ports: z.array(z.unknown()).optional(),
});
export type ComposeService = z.infer<typeof ComposeService>;

export const ComposeFile = z.looseObject({
  name: z.string().optional(),
  services: z.record(z.string(), ComposeService),
  volumes: z.record(z.string(), z.unknown().nullable()).optional(),
});
export type ComposeFile = z.infer<typeof ComposeFile>;

/** The raw document (anchors and `<<` merges resolved, as Compose reads them), for schema validation. */
export function readComposeDocument(path: string): unknown {
  return parse(readFileSync(path, 'utf8'), { merge: true });
}

export function readCompose(path: string): ComposeFile {
  return ComposeFile.parse(readComposeDocument(path));
}

export class ComposeVariableError extends Error {
  override readonly name = 'ComposeVariableError';
  constructor(readonly variable: string, message: string) {
    super(message);
  }
}

/**
 * Compose's interpolation: `$$` is a literal `$`; `${VAR}`, `${VAR:-default}` (unset or empty),
 * `${VAR-default}` (unset), `${VAR:?message}` and `${VAR?message}` (required).
 */
export function interpolate(text: string, vars: Readonly<Record<string, string | undefined>>): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const name = (braced ?? bare)!;
    const value = vars[name];
    const missing = value === undefined || (colon === ':' && value === '');
    if (!missing) return value;
    if (op === '-') return arg ?? '';
    if (op === '?') throw new ComposeVariableError(name, `${name}: ${arg === undefined || arg === '' ? 'required' : arg}`);
    return '';
  });
}

/** A service that runs a role of this package: its role (the command), and its environment. */
export interface NodeService {
  name: string;
  role: NodeRole;
  env: Record<string, string>;
  /** The port it listens on (its PORT). */
  port: number;
}

const commandOf = (service: ComposeService): string[] =>
  service.command === undefined ? [] : typeof service.command === 'string' ? service.command.split(/\s+/).filter((a) => a !== '') : service.command;

/** The environment as a map: list entries are `NAME=value`; a null value means "taken from the caller's environment". */
export function environmentOf(service: ComposeService, vars: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const entries: [string, string | null][] = Array.isArray(service.environment)
    ? service.environment.map((e): [string, string | null] => (e.includes('=') ? [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] : [e, null]))
    : Object.entries(service.environment ?? {}).map(([k, v]): [string, string | null] => [k, v === null ? null : String(v)]);
  const env: Record<string, string> = {};
  for (const [name, value] of entries) {
    const resolved = value === null ? vars[name] : interpolate(value, vars);
    if (resolved !== undefined) env[name] = resolved;
  }
  return env;
}

/** Services built from this package (their command is a role), in file order. */
export function nodeServices(compose: ComposeFile, vars: Readonly<Record<string, string | undefined>>): NodeService[] {
  const nodes: NodeService[] = [];
  for (const [name, service] of Object.entries(compose.services)) {
    const role = NodeRole.safeParse(commandOf(service)[0]);
    if (service.build === undefined || !role.success) continue;
    const env = environmentOf(service, vars);
    const port = Number(env['PORT']);
    if (!Number.isInteger(port) || port <= 0) throw new Error(`compose service ${name} must set PORT`);
    nodes.push({ name, role: role.data, env, port });
  }
  return nodes;
}

/** The command of a service, split as Compose would. */
export const serviceCommand = commandOf;

import { EnvConfig, DEFAULT_PORTS, type NodeRole } from '../schemas/index.ts';

export type Config = EnvConfig & { PORT: number };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment once; a bad value names its variable. */
export function loadConfig(env: Record<string, string | undefined>, role?: NodeRole): Config {
  // An empty variable (`DATABASE_URL=` in a compose file) means unset, not an empty value.
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const input = role === undefined ? set : { ...set, ROLE: role };
  const parsed = EnvConfig.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(environment)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const config = parsed.data;
  return { ...config, PORT: config.PORT ?? DEFAULT_PORTS[config.ROLE] };
}

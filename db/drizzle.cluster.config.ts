import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema/cluster.ts',
  out: './db/migrations/cluster',
});

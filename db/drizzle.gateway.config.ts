import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema/gateway.ts',
  out: './db/migrations/gateway',
});

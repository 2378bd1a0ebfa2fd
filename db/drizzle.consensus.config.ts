import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema/consensus.ts',
  out: './db/migrations/consensus',
});

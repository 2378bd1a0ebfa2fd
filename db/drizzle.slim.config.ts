import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema/slim.ts',
  out: './db/migrations/slim',
});

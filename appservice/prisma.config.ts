import { defineConfig } from "prisma/config";

// Used only by the Prisma CLI (`prisma generate`, and `prisma migrate dev` on a machine
// that can fetch the schema engine). The running appservice opens its database itself.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "file:./dev.db" },
});

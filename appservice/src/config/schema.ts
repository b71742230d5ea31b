import { z } from "zod";
import { cidrProblem, LOOPBACK_ONLY } from "../metrics/allowList.ts";

const port = z.number().int().min(1).max(65535);
const httpUrl = z
  .string()
  .url()
  .refine((value) => /^https?:\/\//.test(value), "must be an http:// or https:// URL")
  .transform((value) => value.replace(/\/+$/, ""));

/** The appservice configuration file (aachat.yaml). Unknown keys are errors. */
export const appserviceConfigSchema = z.strictObject({
  homeserver: z.strictObject({
    /** Where the appservice reaches the homeserver's client-server API. */
    url: httpUrl,
    /**
     * Where people's browsers and Matrix clients reach it, when that differs from `url`
     * (behind a reverse proxy, or in docker compose): the console signs in there.
     */
    publicUrl: httpUrl.optional(),
    /** The homeserver's server_name: the part after ':' in user ids. */
    serverName: z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9.\-:[\]]+$/, "must be a hostname, optionally with :port"),
  }),
  appservice: z.strictObject({
    bindAddress: z.string().min(1).default("127.0.0.1"),
    /** One port for the homeserver's transactions, the HTTP API, the console and the runtime WebSocket. */
    port: port.default(8090),
    /** How the homeserver reaches this appservice; written into the registration as `url`. */
    url: httpUrl,
    /** The registration file shared with the homeserver; relative paths are relative to this file. */
    registrationFile: z.string().min(1).default("registration.yaml"),
  }),
  /** SQLite (the embedded default) or PostgreSQL: exactly one of sqliteFile and url. */
  database: z
    .strictObject({
      /** SQLite database file; relative paths are relative to this file. */
      sqliteFile: z.string().min(1).optional(),
      /** PostgreSQL, as postgresql://user:password@host:port/database. */
      url: z
        .string()
        .regex(/^postgres(ql)?:\/\/[^\s]+$/, "must be a postgresql://user:password@host:port/database URL")
        .optional(),
    })
    .refine((database) => !(database.sqliteFile && database.url), "give sqliteFile or url, not both")
    .default({ sqliteFile: "aachat.db" }),
  agents: z
    .strictObject({
      /**
       * How many agent-to-agent mentions in a row a thread allows before the chain is
       * stopped (a human's message in the thread starts a new chain).
       */
      maxMentionHops: z.number().int().min(0).max(100).default(3),
    })
    .default({ maxMentionHops: 3 }),
  /** GET /metrics (Prometheus) on the appservice's port. */
  metrics: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** The client addresses (IPs or CIDR ranges) that may read it; by default this machine only. */
      allow: z
        .array(
          z.string().superRefine((entry, ctx) => {
            const problem = cidrProblem(entry);
            if (problem) ctx.addIssue({ code: "custom", message: problem });
          }),
        )
        .default([...LOOPBACK_ONLY]),
    })
    .default({ enabled: true, allow: [...LOOPBACK_ONLY] }),
  logging: z
    .strictObject({
      level: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
      /** auto: readable on a terminal, JSON otherwise. */
      format: z.enum(["auto", "json", "pretty"]).default("auto"),
    })
    .default({ level: "info", format: "auto" }),
});

export type AppserviceConfigInput = z.input<typeof appserviceConfigSchema>;

/** Where the appservice keeps its state. */
export type DatabaseTarget = { kind: "sqlite"; sqliteFile: string } | { kind: "postgresql"; url: string };

/** The validated configuration with every path made absolute. */
export type AppserviceConfig = Omit<z.output<typeof appserviceConfigSchema>, "database"> & {
  database: DatabaseTarget;
  /** The file the configuration was read from, or a label for in-memory configs. */
  source: string;
};

import { z } from "zod";

const namespace = z.array(z.object({ exclusive: z.boolean(), regex: z.string().min(1) }));

/**
 * The application service registration shared with the homeserver (Matrix spec,
 * "Registration"). Fields the spec or homeservers add beyond these are kept.
 */
export const registrationSchema = z.looseObject({
  id: z.string().min(1),
  url: z.string().url().nullable(),
  as_token: z.string().min(16, "must be at least 16 characters"),
  hs_token: z.string().min(16, "must be at least 16 characters"),
  sender_localpart: z.string().regex(/^[a-z0-9._=\-/]+$/, "must be a valid Matrix localpart"),
  rate_limited: z.boolean().optional(),
  namespaces: z.strictObject({
    users: namespace.optional(),
    aliases: namespace.optional(),
    rooms: namespace.optional(),
  }),
});

export type Registration = z.infer<typeof registrationSchema>;

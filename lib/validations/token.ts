import { z } from 'zod';

export const createTokenSchema = z.object({
  name: z.string().trim().min(1, 'Name the token (what will use it?)').max(64, 'At most 64 characters'),
});
export type CreateTokenInput = z.infer<typeof createTokenSchema>;

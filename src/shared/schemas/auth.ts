/** Request schemas of /api/auth. */
import { z } from 'zod';

export const loginBody = z.strictObject({
  email: z.string().trim().min(1, 'Enter your email').max(254),
  password: z.string().min(1, 'Enter your password').max(1024),
});

export type LoginRequest = z.infer<typeof loginBody>;

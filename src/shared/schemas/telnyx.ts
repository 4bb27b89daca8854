/** Request schemas of the Telnyx admin routes (sync runs, drift, pushing an assignment). */
import { z } from 'zod';

/** A POST that takes no fields (an empty object, or no body at all). */
export const emptyBody = z.strictObject({}).optional();

export const listSyncRunsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

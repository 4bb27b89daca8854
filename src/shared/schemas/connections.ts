/** Request schemas of /api/connections. */
import { z } from 'zod';

export const listConnectionsQuery = z.strictObject({
  source: z
    .enum(['database', 'telnyx'], { error: 'source must be "database" or "telnyx"' })
    .default('database'),
});

export type ListConnectionsQuery = z.infer<typeof listConnectionsQuery>;

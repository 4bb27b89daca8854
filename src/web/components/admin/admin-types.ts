/** Types the admin console's components and pages share (an SFC's exports are not seen by the linter). */

/** Whose assignments the assignments dialog shows: a connection's or a number's. */
export type AssignmentsOf =
  { kind: 'trunk'; id: string; name: string } | { kind: 'number'; id: string; name: string };

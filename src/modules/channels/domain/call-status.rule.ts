/**
 * Order of a call's statuses (Twilio's CallStatus): queued/initiated < ringing < in-progress < a
 * final one (completed, busy, failed, no-answer, canceled), final ones terminal. Given as "from which
 * stored statuses may a call move to `next`" so the repository applies it inside the UPDATE, and
 * late or repeated callbacks never move a call backwards. An unknown status changes nothing.
 */
const RANK: Record<string, number> = {
  queued: 0,
  initiated: 0,
  ringing: 1,
  'in-progress': 2,
  completed: 3,
  busy: 3,
  failed: 3,
  'no-answer': 3,
  canceled: 3,
};

/** True for a status Twilio reports for calls. */
export function isCallStatus(status: string): boolean {
  return Object.hasOwn(RANK, status);
}

/** The stored call statuses (`''` for none yet) that may become `next`. */
export function callStatusesThatMayBecome(next: string): string[] {
  if (!isCallStatus(next)) return [];
  return ['', ...Object.keys(RANK).filter((s) => RANK[s] < RANK[next])];
}

import type { MessageStatus } from './entities/message.entity';

/**
 * The one status rule: PENDING < SENT < DELIVERED < READ for outgoing messages, FAILED terminal,
 * and an incoming (RECEIVED) message may only become READ. Returned as "from which statuses may a
 * message move to `next`", so the repository applies it inside the UPDATE's WHERE clause and
 * concurrent or out-of-order updates can never move a message backwards.
 */
export function statusesThatMayBecome(next: MessageStatus): MessageStatus[] {
  switch (next) {
    case 'SENT':
      return ['PENDING'];
    case 'DELIVERED':
      return ['PENDING', 'SENT'];
    case 'READ':
      return ['PENDING', 'SENT', 'DELIVERED', 'RECEIVED'];
    case 'FAILED':
      return ['PENDING', 'SENT', 'DELIVERED'];
    default:
      return [];
  }
}

/** True when a message in `current` may move to `next`. */
export function canMoveTo(current: MessageStatus, next: MessageStatus): boolean {
  return statusesThatMayBecome(next).includes(current);
}

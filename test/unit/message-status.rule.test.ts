import { canMoveTo, statusesThatMayBecome } from '../../src/modules/channels/domain/message-status.rule';
import { MESSAGE_STATUSES, type MessageStatus } from '../../src/modules/channels/domain/entities/message.entity';

describe('message status rule', () => {
  const order: MessageStatus[] = ['PENDING', 'SENT', 'DELIVERED', 'READ'];

  it('when a status is later in PENDING < SENT < DELIVERED < READ, then an outgoing message may move to it', () => {
    for (let i = 0; i < order.length; i++) for (let j = i + 1; j < order.length; j++) expect([order[i], order[j], canMoveTo(order[i], order[j])]).toEqual([order[i], order[j], true]);
  });

  it('when a status is earlier or the same, then the message never moves back', () => {
    for (let i = 0; i < order.length; i++) for (let j = 0; j <= i; j++) expect([order[i], order[j], canMoveTo(order[i], order[j])]).toEqual([order[i], order[j], false]);
  });

  it('when a message is FAILED, then nothing moves it again', () => {
    for (const s of MESSAGE_STATUSES) expect(canMoveTo('FAILED', s)).toBe(false);
  });

  it('when a message is not yet read, then it may fail; once read it may not', () => {
    expect(statusesThatMayBecome('FAILED')).toEqual(['PENDING', 'SENT', 'DELIVERED']);
  });

  it('when an incoming message is RECEIVED, then it may only become READ', () => {
    expect(MESSAGE_STATUSES.filter((s) => canMoveTo('RECEIVED', s))).toEqual(['READ']);
  });
});

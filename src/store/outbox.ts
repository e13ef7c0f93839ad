import type { Db } from './db.js';

/** One message waiting for delivery to a notification target. */
export interface OutboxEntry {
  seq: number;
  target: string;
  /** Messages with the same order key (bucket/key) are delivered in seq order. */
  orderKey: string;
  /** The change's event id (the sequencer and de-duplication id; shared by every target of one change). */
  eventId: number;
  message: string;
  createdAt: number;
}

interface Row {
  seq: number;
  target: string;
  order_key: string;
  event_id: number;
  message: string;
  created_at: number;
}

/**
 * The notification outbox: messages are inserted inside the transaction of
 * the change they report and deleted once delivered. Per target, `pending`
 * (kept by triggers, migration 011) bounds the queue; a message refused
 * because it is full is counted in `overflow`, in the same transaction.
 */
export class OutboxRepo {
  private readonly insertStmt;
  private readonly pendingStmt;
  private readonly overflowStmt;
  private readonly nextEventStmt;
  private readonly headStmt;
  private readonly deleteStmt;
  private readonly statsStmt;
  private readonly targetsStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare('INSERT INTO notification_outbox (target, order_key, event_id, message, created_at) VALUES (?, ?, ?, ?, ?)');
    this.pendingStmt = db.prepare<[string], { pending: number }>('SELECT pending FROM notification_targets WHERE target = ?');
    this.overflowStmt = db.prepare(
      'INSERT INTO notification_targets (target, overflow) VALUES (?, 1) ON CONFLICT (target) DO UPDATE SET overflow = overflow + 1',
    );
    this.nextEventStmt = db.prepare<[], { value: number }>('UPDATE notification_sequence SET value = value + 1 WHERE id = 1 RETURNING value');
    this.headStmt = db.prepare<[string, number], Row>('SELECT * FROM notification_outbox WHERE target = ? ORDER BY seq LIMIT ?');
    this.deleteStmt = db.prepare('DELETE FROM notification_outbox WHERE seq = ?');
    this.statsStmt = db.prepare<[], { target: string; pending: number; overflow: number }>(
      'SELECT target, pending, overflow FROM notification_targets ORDER BY target',
    );
    this.targetsStmt = db.prepare<[], { target: string }>('SELECT DISTINCT target FROM notification_outbox');
  }

  /** A new event id (inside the change's transaction). */
  nextEventId(): number {
    return this.nextEventStmt.get()!.value;
  }

  /** Queues a message unless the target already has `max` waiting: then counts the overflow and returns false. */
  enqueue(e: Omit<OutboxEntry, 'seq'>, max: number): boolean {
    const pending = this.pendingStmt.get(e.target)?.pending ?? 0;
    if (pending >= max) {
      this.overflowStmt.run(e.target);
      return false;
    }
    this.insertStmt.run(e.target, e.orderKey, e.eventId, e.message, e.createdAt);
    return true;
  }

  /** The oldest `limit` messages of a target. */
  head(target: string, limit: number): OutboxEntry[] {
    return this.headStmt.all(target, limit).map((r) => ({
      seq: r.seq,
      target: r.target,
      orderKey: r.order_key,
      eventId: r.event_id,
      message: r.message,
      createdAt: r.created_at,
    }));
  }

  /** Forgets a delivered message. */
  delete(seq: number): void {
    this.deleteStmt.run(seq);
  }

  /** Targets with messages waiting. */
  targets(): string[] {
    return this.targetsStmt.all().map((r) => r.target);
  }

  stats(): Array<{ target: string; pending: number; overflow: number }> {
    return this.statsStmt.all();
  }
}

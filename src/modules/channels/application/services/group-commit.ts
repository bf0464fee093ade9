/** How a group commit runs: the batch call, and how to do one item alone when a batch fails. */
export interface GroupCommitOptions<TItem, TResult> {
  runBatch: (items: TItem[]) => Promise<TResult[]>;
  runOne: (item: TItem) => Promise<TResult>;
  /** Largest batch handed to runBatch. */
  maxBatch: number;
  /** Batches running at once; more items wait and join the next batch. */
  maxConcurrent: number;
}

interface Waiting<TItem, TResult> {
  item: TItem;
  resolve: (result: TResult) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: items submitted while a batch runs are written together by the next one, so
 * under load the statements per second stay flat while the items per statement grow. A failed
 * batch is retried one item at a time, so one bad item fails alone.
 */
export class GroupCommit<TItem, TResult> {
  private waiting: Waiting<TItem, TResult>[] = [];
  private running = 0;
  private scheduled = false;

  constructor(private readonly options: GroupCommitOptions<TItem, TResult>) {}

  /** Resolves with the item's own result once the batch holding it is written. */
  submit(item: TItem): Promise<TResult> {
    return new Promise<TResult>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  // Deferred to the end of the current I/O phase: the items of requests parsed meanwhile join the batch.
  private schedule(): void {
    if (this.scheduled || this.running >= this.options.maxConcurrent || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    while (this.running < this.options.maxConcurrent && this.waiting.length) {
      const batch = this.waiting.splice(0, this.options.maxBatch);
      this.running++;
      this.write(batch).finally(() => {
        this.running--;
        this.schedule();
      });
    }
  }

  private async write(batch: Waiting<TItem, TResult>[]): Promise<void> {
    try {
      const results = await this.options.runBatch(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(results[i]));
    } catch {
      await Promise.all(batch.map((w) => this.options.runOne(w.item).then(w.resolve, w.reject)));
    }
  }
}

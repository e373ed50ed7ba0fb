/**
 * Group commit for the ledger's hot writes. Requests issued in the same event-loop turn (many
 * commands in flight at once) are sent as one multi-row statement, so the database parses,
 * plans and commits once per batch instead of once per command. Each caller still gets its own
 * answer; if a batch fails, its requests are retried one by one so a single bad row cannot fail
 * its neighbours.
 */

export interface BatcherOptions<I, O> {
  /** Runs a batch; returns one output per input, in order. */
  readonly run: (inputs: readonly I[]) => Promise<O[]>;
  /** Runs one input alone (used after a failed batch). */
  readonly runOne: (input: I) => Promise<O>;
  /** Largest batch sent at once. @defaultValue 256 */
  readonly maxBatch?: number;
  /**
   * Requests with the same key never share a batch (a multi-row UPDATE changes a row once, so
   * two moves of one action must be separate statements, as they would be unbatched).
   */
  readonly key?: (input: I) => string;
}

interface Pending<I, O> {
  readonly input: I;
  readonly resolve: (o: O) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Collects requests and flushes them on the next turn of the event loop.
 *
 * @example
 * ```ts
 * const b = new Batcher({ run: (xs) => insertMany(xs), runOne: (x) => insertOne(x) });
 * await Promise.all([b.submit(a), b.submit(c)]); // one statement
 * ```
 */
export class Batcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private scheduled = false;
  private readonly opts: BatcherOptions<I, O>;
  private readonly max: number;

  constructor(opts: BatcherOptions<I, O>) {
    this.opts = opts;
    this.max = opts.maxBatch ?? 256;
  }

  submit(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (this.queue.length >= this.max) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const key = this.opts.key;
      if (!key) {
        void this.send(this.queue.splice(0, this.max));
        continue;
      }
      const seen = new Set<string>();
      const batch: Pending<I, O>[] = [];
      const rest: Pending<I, O>[] = [];
      for (const p of this.queue) {
        const k = key(p.input);
        if (batch.length < this.max && !seen.has(k)) {
          seen.add(k);
          batch.push(p);
        } else {
          rest.push(p);
        }
      }
      this.queue = rest;
      void this.send(batch);
    }
  }

  private async send(batch: Pending<I, O>[]): Promise<void> {
    if (batch.length === 1) {
      const p = batch[0]!;
      try {
        p.resolve(await this.opts.runOne(p.input));
      } catch (e) {
        p.reject(e);
      }
      return;
    }
    try {
      const out = await this.opts.run(batch.map((p) => p.input));
      for (const [i, p] of batch.entries()) p.resolve(out[i]!);
    } catch {
      // Isolate the failure: each request gets its own outcome.
      await Promise.all(
        batch.map(async (p) => {
          try {
            p.resolve(await this.opts.runOne(p.input));
          } catch (e) {
            p.reject(e);
          }
        }),
      );
    }
  }
}

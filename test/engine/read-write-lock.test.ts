/**
 * ReadWriteLock: first-come-first-served grants checked against a small reference model, plus the
 * guarded `withShared` / `withExclusive` runs. Grants are observed after a macrotask tick (every
 * pending promise callback has run by then), never by awaiting a grant, so a lock that fails to
 * grant makes a test fail instead of hang. Random runs replay with FC_SEED=<seed>.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReadWriteLock } from '../../src/engine/read-write-lock.js';
import { tick, watch } from './_helpers.js';

type Kind = 'shared' | 'exclusive';


describe('ReadWriteLock grants', () => {
  it('grants shared() and exclusive() on a free lock at once', async () => {
    const lock = new ReadWriteLock();
    const first = watch(lock.shared());
    const second = watch(lock.shared());
    await tick();
    expect(first.settled).toBeDefined();
    expect(second.settled).toBeDefined();
    lock.releaseShared();
    lock.releaseShared();
    const writer = watch(lock.exclusive());
    await tick();
    expect(writer.settled).toBeDefined();
    expect(lock.tryShared()).toBe(false);
    expect(lock.tryExclusive()).toBe(false);
    lock.releaseExclusive();
    expect(lock.tryExclusive()).toBe(true);
  });

  it('tryShared / tryExclusive take a hold only when it is free for them', () => {
    const lock = new ReadWriteLock();
    expect(lock.tryShared()).toBe(true);
    expect(lock.tryShared()).toBe(true);
    expect(lock.tryExclusive()).toBe(false);
    lock.releaseShared();
    expect(lock.tryExclusive()).toBe(false);
    lock.releaseShared();
    expect(lock.tryExclusive()).toBe(true);
    expect(lock.tryShared()).toBe(false);
    expect(lock.tryExclusive()).toBe(false);
    lock.releaseExclusive();
    expect(lock.tryShared()).toBe(true);
    lock.releaseShared();
  });

  it('wakes consecutive waiting readers together, but none behind a waiting writer', async () => {
    const lock = new ReadWriteLock();
    expect(lock.tryExclusive()).toBe(true);
    const r1 = watch(lock.shared());
    const r2 = watch(lock.shared());
    const w = watch(lock.exclusive());
    const r3 = watch(lock.shared());
    await tick();
    expect([r1, r2, w, r3].map((p) => p.settled !== undefined)).toEqual([false, false, false, false]);
    lock.releaseExclusive();
    await tick();
    expect([r1, r2, w, r3].map((p) => p.settled !== undefined)).toEqual([true, true, false, false]);
    // A reader arriving now queues behind the waiting writer too.
    expect(lock.tryShared()).toBe(false);
    lock.releaseShared();
    await tick();
    expect(w.settled).toBeUndefined();
    lock.releaseShared();
    await tick();
    expect([w, r3].map((p) => p.settled !== undefined)).toEqual([true, false]);
    expect(lock.tryShared()).toBe(false);
    lock.releaseExclusive();
    await tick();
    expect(r3.settled).toBeDefined();
    expect(lock.tryExclusive()).toBe(false);
    lock.releaseShared();
    expect(lock.tryExclusive()).toBe(true);
  });

  it('hands the lock from writer to waiting writer in arrival order', async () => {
    const lock = new ReadWriteLock();
    await lock.exclusive();
    const w2 = watch(lock.exclusive());
    const w3 = watch(lock.exclusive());
    lock.releaseExclusive();
    await tick();
    expect([w2.settled !== undefined, w3.settled !== undefined]).toEqual([true, false]);
    expect(lock.tryShared()).toBe(false);
    lock.releaseExclusive();
    await tick();
    expect(w3.settled).toBeDefined();
    expect(lock.tryShared()).toBe(false);
    lock.releaseExclusive();
    expect(lock.tryShared()).toBe(true);
  });
});

describe('ReadWriteLock guarded runs', () => {
  for (const kind of ['shared', 'exclusive'] as const) {
    const run = <T>(lock: ReadWriteLock, action: () => Promise<T>): Promise<T> =>
      kind === 'shared' ? lock.withShared(action) : lock.withExclusive(action);

    it(`with${kind === 'shared' ? 'Shared' : 'Exclusive'} returns the action's value and holds the lock only while it runs`, async () => {
      const lock = new ReadWriteLock();
      let finish!: (value: string) => void;
      let started = false;
      const result = watch(
        run(lock, () => {
          started = true;
          return new Promise<string>((resolve) => (finish = resolve));
        }),
      );
      await tick();
      expect(started).toBe(true);
      expect(lock.tryExclusive()).toBe(false);
      expect(lock.tryShared()).toBe(kind === 'shared');
      if (kind === 'shared') lock.releaseShared();
      finish('the value');
      await tick();
      expect(result.settled).toEqual({ value: 'the value' });
      // Exactly one hold was taken and given back: the lock is free again.
      expect(lock.tryExclusive()).toBe(true);
      lock.releaseExclusive();
      expect(lock.tryShared()).toBe(true);
      lock.releaseShared();
    });

    it(`with${kind === 'shared' ? 'Shared' : 'Exclusive'} on a free lock starts the action synchronously (no extra microtask)`, async () => {
      const lock = new ReadWriteLock();
      let started = false;
      const result = run(lock, async () => {
        started = true;
        return 1;
      });
      expect(started).toBe(true);
      await expect(result).resolves.toBe(1);
      expect(lock.tryExclusive()).toBe(true);
      lock.releaseExclusive();
    });

    it(`with${kind === 'shared' ? 'Shared' : 'Exclusive'} releases the hold when the action throws, and rethrows`, async () => {
      const lock = new ReadWriteLock();
      const boom = new Error('boom');
      const result = watch(run(lock, () => Promise.reject(boom)));
      await tick();
      expect(result.settled).toEqual({ error: boom });
      expect(lock.tryExclusive()).toBe(true);
      lock.releaseExclusive();
    });

    it(`with${kind === 'shared' ? 'Shared' : 'Exclusive'} waits for a conflicting holder before running the action`, async () => {
      const lock = new ReadWriteLock();
      expect(kind === 'shared' ? lock.tryExclusive() : lock.tryShared()).toBe(true);
      let started = false;
      const result = watch(run(lock, async () => ((started = true), 7)));
      await tick();
      expect(started).toBe(false);
      expect(result.settled).toBeUndefined();
      if (kind === 'shared') lock.releaseExclusive();
      else lock.releaseShared();
      await tick();
      expect(started).toBe(true);
      expect(result.settled).toEqual({ value: 7 });
      expect(lock.tryExclusive()).toBe(true);
      lock.releaseExclusive();
    });
  }
});

/** One step of a random run. `pick` chooses among the current holders for a release. */
type Step =
  | { readonly op: 'request' | 'try' | 'guarded'; readonly kind: Kind }
  | { readonly op: 'release'; readonly pick: number; readonly fails: boolean };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constantFrom('request' as const, 'try' as const, 'guarded' as const), kind: fc.constantFrom<Kind>('shared', 'exclusive') }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('release' as const), pick: fc.nat(), fails: fc.boolean() }) },
);

/** A request as the reference model and the test see it. */
interface Request {
  readonly id: number;
  readonly kind: Kind;
  /** Given back by calling the lock's release (false: by ending the guarded action). */
  readonly plain: boolean;
}

/** The reference: holders, and a FIFO queue granted from its head as far as compatible. */
class Model {
  readonly holders: Request[] = [];
  readonly queue: Request[] = [];
  readonly granted = new Set<number>();

  private fits(kind: Kind): boolean {
    return kind === 'shared' ? !this.holders.some((h) => h.kind === 'exclusive') : this.holders.length === 0;
  }

  /** Returns whether the request is granted at once; if not, and `wait`, it queues. */
  request(request: Request, wait: boolean): boolean {
    if (this.queue.length === 0 && this.fits(request.kind)) {
      this.grant(request);
      return true;
    }
    if (wait) this.queue.push(request);
    return false;
  }

  release(holder: Request): void {
    this.holders.splice(this.holders.indexOf(holder), 1);
    while (this.queue.length > 0 && this.fits(this.queue[0]!.kind)) this.grant(this.queue.shift()!);
  }

  private grant(request: Request): void {
    this.holders.push(request);
    this.granted.add(request.id);
  }
}

const seed = process.env.FC_SEED === undefined ? Date.now() ^ (Math.random() * 0x7fffffff) : Number(process.env.FC_SEED);

describe('ReadWriteLock against a reference model', () => {
  it(`grants exactly what a FIFO readers-writer model grants (seed ${seed}; replay with FC_SEED=${seed})`, async () => {
    console.log(`read-write-lock model test: FC_SEED=${seed}`);
    await fc.assert(
      fc.asyncProperty(fc.array(stepArbitrary, { minLength: 1, maxLength: 40 }), async (steps) => {
        const lock = new ReadWriteLock();
        const model = new Model();
        const granted = new Set<number>();
        /** How each guarded action is ended, and what its run settled with. */
        const guarded = new Map<number, { end: (fails: boolean) => void; result: ReturnType<typeof watch<string>> }>();
        let nextId = 0;
        for (const step of steps) {
          let expectedOutcome: { value?: string; error?: unknown } | undefined;
          let released: Request | undefined;
          if (step.op === 'release') {
            if (model.holders.length === 0) continue;
            released = model.holders[step.pick % model.holders.length]!;
            model.release(released);
            if (released.plain) {
              if (released.kind === 'shared') lock.releaseShared();
              else lock.releaseExclusive();
            } else {
              guarded.get(released.id)!.end(step.fails);
              expectedOutcome = step.fails ? { error: `failure ${released.id}` } : { value: `value ${released.id}` };
            }
          } else {
            const request: Request = { id: nextId++, kind: step.kind, plain: step.op !== 'guarded' };
            if (step.op === 'try') {
              const expected = model.request(request, false);
              expect(step.kind === 'shared' ? lock.tryShared() : lock.tryExclusive()).toBe(expected);
              if (expected) granted.add(request.id);
            } else if (step.op === 'request') {
              model.request(request, true);
              void (step.kind === 'shared' ? lock.shared() : lock.exclusive()).then(() => granted.add(request.id));
            } else {
              model.request(request, true);
              let end!: (fails: boolean) => void;
              const action = (): Promise<string> => {
                granted.add(request.id);
                return new Promise<string>((resolve, reject) => {
                  end = (fails) => (fails ? reject(`failure ${request.id}`) : resolve(`value ${request.id}`));
                });
              };
              const result = watch(step.kind === 'shared' ? lock.withShared(action) : lock.withExclusive(action));
              guarded.set(request.id, { end: (fails) => end(fails), result });
            }
          }
          await tick();
          expect([...granted].sort((a, b) => a - b)).toEqual([...model.granted].sort((a, b) => a - b));
          if (released !== undefined && !released.plain) expect(guarded.get(released.id)!.result.settled).toEqual(expectedOutcome);
        }
      }),
      { seed, numRuns: 150 },
    );
  });
});

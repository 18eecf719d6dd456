// Types of `tidings/testing`: a memory:// bus that remembers what it emitted, with the
// `assertEmitted` / `assertNotEmitted` assertions. Checked by test/types.test.mjs like index.d.ts.

import { Bus, ConnectOptions, Event } from './index.js'

/** A memory:// bus for tests. */
export declare class TestBus extends Bus {
  /** Every event this bus emitted, oldest first. */
  readonly emitted: Event[]
  /** The first emitted event of `type` (matching `where`, when given); throws an AssertionError otherwise. */
  assertEmitted(type: string, where?: (event: Event) => boolean): Event
  /** Throws an AssertionError when an event of `type` (matching `where`, when given) was emitted. */
  assertNotEmitted(type: string, where?: (event: Event) => boolean): void
  /** Forgets what was emitted (the store keeps it). */
  clear(): void
}

/** Connects a TestBus to a fresh private `memory://` store. */
export declare function createTestBus(options?: ConnectOptions): Promise<TestBus>

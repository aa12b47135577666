/**
 * One kind of stored object (schedules, deployments) in the sandbox's state: find by id, add, remove, each
 * mutation committed (written to the state file when there is one). What a kind stores and answers stays in its
 * own service.
 */
import type { StateStore } from "./state";

export class Collection<T extends { id: number }> {
  constructor(
    private readonly store: StateStore,
    private readonly rows: () => T[],
  ) {}

  all(): T[] {
    return this.rows();
  }

  find(id: number): T | undefined {
    return this.rows().find((r) => r.id === id);
  }

  add(row: T): T {
    this.rows().push(row);
    this.store.commit();
    return row;
  }

  /** Applies a change to the stored object and commits it; undefined when there is no such object. */
  change(id: number, patch: Partial<T>): T | undefined {
    const row = this.find(id);
    if (!row) return undefined;
    Object.assign(row, patch);
    this.store.commit();
    return row;
  }

  remove(id: number): boolean {
    const rows = this.rows();
    const index = rows.findIndex((r) => r.id === id);
    if (index < 0) return false;
    rows.splice(index, 1);
    this.store.commit();
    return true;
  }
}

// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The jobs the jobs model knows, in arrival order and newest first, and the
 * callers waiting for them to end.
 *
 * No I/O and no DOM here.
 */

import type { JobsModel } from './model';
import { sortNewestFirst } from './state';

/**
 * The entries of the jobs model.
 */
export class JobStore {
  /**
   * A job by id, if known.
   */
  get(id: string): JobsModel.IEntry | undefined {
    return this._entries.get(id);
  }

  /**
   * All entries, in arrival order.
   */
  values(): IterableIterator<JobsModel.IEntry> {
    return this._entries.values();
  }

  /**
   * Store an entry.
   *
   * @returns The entry it replaces, or `null` when the job is new.
   */
  set(entry: JobsModel.IEntry): JobsModel.IEntry | null {
    const previous = this._entries.get(entry.id) ?? null;
    if (!previous) {
      this._order.push(entry.id);
    }
    this._entries.set(entry.id, entry);
    this._sortedCache = null;
    return previous;
  }

  /**
   * All entries, newest first.
   */
  sorted(): JobsModel.IEntry[] {
    if (this._sortedCache) {
      return this._sortedCache;
    }
    this._sortedCache = sortNewestFirst(
      this._order.map(id => this._entries.get(id)!)
    );
    return this._sortedCache;
  }

  /**
   * Resolve with a job once `settle()` is called for it.
   */
  wait(id: string): Promise<JobsModel.IEntry> {
    return new Promise((resolve, reject) => {
      const waiters = this._waiters.get(id) ?? [];
      waiters.push({ resolve, reject });
      this._waiters.set(id, waiters);
    });
  }

  /**
   * Resolve the callers waiting for a job to end.
   */
  settle(entry: JobsModel.IEntry): void {
    const waiters = this._waiters.get(entry.id);
    if (waiters) {
      this._waiters.delete(entry.id);
      for (const waiter of waiters) {
        waiter.resolve(entry);
      }
    }
  }

  /**
   * Reject every waiting caller.
   */
  rejectAll(reason: Error): void {
    for (const waiters of this._waiters.values()) {
      for (const waiter of waiters) {
        waiter.reject(reason);
      }
    }
    this._waiters.clear();
  }

  private _entries = new Map<string, JobsModel.IEntry>();
  private _order: string[] = [];
  private _sortedCache: JobsModel.IEntry[] | null = null;
  private _waiters = new Map<string, Private.IWaiter[]>();
}

/**
 * Module-private helpers.
 */
namespace Private {
  /**
   * A caller of `whenEnded`.
   */
  export interface IWaiter {
    resolve: (entry: JobsModel.IEntry) => void;
    reject: (reason: unknown) => void;
  }
}

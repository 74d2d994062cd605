// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The package selected in the catalog and its details.
 *
 * No DOM here; the request is the catalog model's, passed in.
 */

import { TranslationBundle } from '@jupyterlab/translation';

import { describeRequestError, IPackageDetails } from '../api';

/**
 * The selected package and its details.
 */
export class PackageSelection {
  /**
   * Construct a new selection.
   */
  constructor(options: PackageSelection.IOptions) {
    this._isDisposed = options.isDisposed;
    this._changed = options.changed;
    this._trans = options.trans;
  }

  /**
   * The name of the selected package, or `null`.
   */
  get selected(): string | null {
    return this._selected;
  }

  /**
   * The selected package's details, or `null` while they load or when none is selected.
   */
  get details(): IPackageDetails | null {
    return this._details;
  }

  /**
   * Why the selected package's details could not be fetched, or `null`.
   */
  get error(): string | null {
    return this._error;
  }

  /**
   * Whether the selected package's details are being fetched.
   */
  get isLoading(): boolean {
    return this._loading;
  }

  /**
   * Changes with every selection: a reload started under another generation is stale.
   */
  get generation(): number {
    return this._generation;
  }

  /**
   * Select a package and fetch its details, or clear the selection with `null`.
   */
  async select(
    name: string | null,
    fetch: (name: string) => Promise<IPackageDetails>
  ): Promise<void> {
    if (this._isDisposed() || name === this._selected) {
      return;
    }
    const generation = ++this._generation;
    this._selected = name;
    this._details = null;
    this._error = null;
    this._loading = name !== null;
    this._changed();
    if (name === null) {
      return;
    }
    let details: IPackageDetails | null = null;
    let error: string | null = null;
    try {
      details = await fetch(name);
    } catch (reason) {
      error = describeRequestError(reason, this._trans);
    }
    if (generation !== this._generation || this._isDisposed()) {
      return;
    }
    this._details = details;
    this._error = error;
    this._loading = false;
    this._changed();
  }

  /**
   * Take in details fetched again by a reload started at `generation`,
   * unless another package was selected since or the fetch failed (`null`).
   */
  reloaded(generation: number, details: IPackageDetails | null): void {
    if (generation === this._generation && details !== null) {
      this._details = details;
      this._error = null;
    }
  }

  /**
   * Make the request in flight stale for good.
   */
  dispose(): void {
    this._generation++;
  }

  private _changed: () => void;
  private _details: IPackageDetails | null = null;
  private _error: string | null = null;
  private _generation = 0;
  private _isDisposed: () => boolean;
  private _loading = false;
  private _selected: string | null = null;
  private _trans: TranslationBundle;
}

/**
 * The namespace for `PackageSelection` statics.
 */
export namespace PackageSelection {
  /**
   * The options to create a selection.
   */
  export interface IOptions {
    /**
     * Whether the owning model was disposed.
     */
    isDisposed: () => boolean;
    /**
     * Called whenever the state changed.
     */
    changed: () => void;
    /**
     * The translation bundle, for error messages.
     */
    trans: TranslationBundle;
  }
}

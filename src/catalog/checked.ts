// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The packages checked in the catalog for a job on several packages.
 *
 * No I/O and no DOM here.
 */

import { IPackage } from '../api';

/**
 * The checked packages, by name, with each one as last listed.
 */
export class CheckedPackages {
  /**
   * The names of the checked packages, in the order they were checked.
   */
  get names(): ReadonlyArray<string> {
    return this._names;
  }

  /**
   * The checked packages as listed in `listed` or, failing that, as last
   * listed; those never listed are left out.
   */
  packages(listed: ReadonlyArray<IPackage>): IPackage[] {
    const byName = new Map(listed.map(pkg => [pkg.name, pkg]));
    const result: IPackage[] = [];
    for (const name of this._names) {
      const pkg = byName.get(name) ?? this._info.get(name);
      if (pkg) {
        result.push(pkg);
      }
    }
    return result;
  }

  /**
   * Check or uncheck a package, remembering it as listed.
   *
   * @returns Whether the checked names changed.
   */
  set(name: string, checked: boolean, pkg?: IPackage): boolean {
    if (pkg) {
      this._info.set(name, pkg);
    }
    const index = this._names.indexOf(name);
    if (checked === (index !== -1)) {
      return false;
    }
    this._names = checked
      ? [...this._names, name]
      : this._names.filter(item => item !== name);
    if (!checked) {
      this._info.delete(name);
    }
    return true;
  }

  /**
   * Uncheck every package.
   *
   * @returns Whether any was checked.
   */
  clear(): boolean {
    if (this._names.length === 0) {
      return false;
    }
    this._names = [];
    this._info.clear();
    return true;
  }

  private _info = new Map<string, IPackage>();
  private _names: ReadonlyArray<string> = [];
}

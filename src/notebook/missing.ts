// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * Which of the packages a notebook recorded this system lacks (pure).
 */

import type { IPackage } from '../api';
import type { IRecordedPackage } from './metadata';

/**
 * A recorded package here: `installed`; `missing` (not installed, but a
 * configured repository has it); `unavailable` (neither).
 */
export type PackageState = 'installed' | 'missing' | 'unavailable';

/**
 * The recorded packages this system lacks.
 */
export interface IMissingPackages {
  /**
   * Not installed, and installable from the configured repositories.
   */
  missing: IRecordedPackage[];
  /**
   * Not installed, and in none of the configured repositories.
   */
  unavailable: IRecordedPackage[];
}

/**
 * The state of a package, from `GET packages/<name>` (`null`: 404, unknown).
 */
export function packageState(found: IPackage | null): PackageState {
  if (found?.installed_version) {
    return 'installed';
  }
  return found?.repository ? 'missing' : 'unavailable';
}

/**
 * Split the recorded packages this system lacks by whether they can be
 * installed; a package whose state is not known is left out (no guess).
 */
export function missingPackages(
  recorded: ReadonlyArray<IRecordedPackage>,
  states: ReadonlyMap<string, PackageState>
): IMissingPackages {
  const missing = recorded.filter(
    item => states.get(item.package) === 'missing'
  );
  const unavailable = recorded.filter(
    item => states.get(item.package) === 'unavailable'
  );
  return { missing, unavailable };
}

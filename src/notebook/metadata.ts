// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The system packages a notebook's `%pip install` cells installed with apk, as
 * recorded in the notebook's metadata under `jupyterlab_apk`.
 */

import type { IDecision } from '../api';

/**
 * The notebook metadata key; its value is `{"packages": [IRecordedPackage, …]}`.
 */
export const METADATA_KEY = 'jupyterlab_apk';

/**
 * One package a notebook's `%pip install` installed with apk.
 */
export interface IRecordedPackage {
  /**
   * The requirement as written in the cell, e.g. `tabulate`.
   */
  requirement: string;
  /**
   * The apk package, e.g. `py3-tabulate`.
   */
  package: string;
  /**
   * The apk version installed, e.g. `0.9.0-r1`.
   */
  version: string;
}

/**
 * The part of a notebook model (`INotebookModel`) the records live in.
 */
export interface IMetadataOwner {
  getMetadata(key: string): unknown;
  setMetadata(key: string, value: unknown): void;
}

/**
 * The packages recorded in `value` (the metadata under `METADATA_KEY`); entries
 * that are not well-formed (a hand-edited file) are left out.
 */
export function parseRecorded(value: unknown): IRecordedPackage[] {
  const packages = (value as { packages?: unknown } | null)?.packages;
  if (!Array.isArray(packages)) {
    return [];
  }
  return packages.filter(
    (item): item is IRecordedPackage =>
      typeof item === 'object' &&
      item !== null &&
      ['requirement', 'package', 'version'].every(
        key => typeof item[key] === 'string' && item[key] !== ''
      )
  );
}

/**
 * The records of `existing` updated with `added`: one entry per package, the
 * one added last winning (it is what apk installed last), sorted by package.
 */
export function mergeRecorded(
  existing: ReadonlyArray<IRecordedPackage>,
  added: ReadonlyArray<IRecordedPackage>
): IRecordedPackage[] {
  const byPackage = new Map<string, IRecordedPackage>();
  for (const item of [...existing, ...added]) {
    byPackage.set(item.package, item);
  }
  return Array.from(byPackage.values()).sort((a, b) =>
    a.package < b.package ? -1 : a.package > b.package ? 1 : 0
  );
}

/**
 * The records of the requirements apk installed, from the server's decisions.
 */
export function recordsOf(
  decisions: ReadonlyArray<IDecision>
): IRecordedPackage[] {
  return decisions
    .filter(
      decision =>
        decision.route === 'apk' && decision.package && decision.version
    )
    .map(decision => ({
      requirement: decision.requirement,
      package: decision.package!,
      version: decision.version!
    }));
}

/**
 * The packages recorded in a notebook.
 */
export function readRecorded(owner: IMetadataOwner): IRecordedPackage[] {
  return parseRecorded(owner.getMetadata(METADATA_KEY));
}

/**
 * Record in a notebook the packages that apk installed for it. The notebook
 * becomes dirty, as for any metadata change, unless nothing changed.
 */
export function recordPackages(
  owner: IMetadataOwner,
  decisions: ReadonlyArray<IDecision>
): void {
  const added = recordsOf(decisions);
  if (added.length === 0) {
    return;
  }
  const current = owner.getMetadata(METADATA_KEY);
  // Keys a later version may add are kept.
  const rest = typeof current === 'object' && current !== null ? current : {};
  owner.setMetadata(METADATA_KEY, {
    ...rest,
    packages: mergeRecorded(parseRecorded(current), added)
  });
}

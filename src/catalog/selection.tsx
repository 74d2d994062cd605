// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The toolbar of the packages checked in the catalog: one job per action on
 * those it applies to.
 */

import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { IPackage, JobAction } from '../api';
import {
  CLEAR_SELECTION_CLASS,
  INSTALL_SELECTED_CLASS,
  REMOVE_SELECTED_CLASS,
  SELECTION_CLASS,
  SELECTION_COUNT_CLASS,
  UPGRADE_SELECTED_CLASS
} from './classes';
import { PackageList } from './list';
import { CatalogModel } from './model';

/**
 * Which checked packages each job applies to: installing those not
 * installed, upgrading the upgradable ones, removing the installed ones
 * (when the administrator allows it).
 */
export function bulkTargets(
  packages: ReadonlyArray<IPackage>,
  allowRemove: boolean
): Record<JobAction, string[]> {
  const names = (keep: (pkg: IPackage) => boolean) =>
    packages.filter(keep).map(pkg => pkg.name);
  return {
    install: names(pkg => pkg.installed_version === null),
    upgrade: names(pkg => pkg.installed_version !== null && pkg.upgradable),
    remove: allowRemove ? names(pkg => pkg.installed_version !== null) : []
  };
}

/**
 * The count of the checked packages, with a button per job that applies to
 * some of them ("Install (2)") and one to uncheck them all.
 */
export function SelectionBar(props: SelectionBar.IProperties): JSX.Element {
  const { model, onAction, allowRemove, trans } = props;
  const targets = bulkTargets(model.checkedPackages, allowRemove);
  const button = (
    action: JobAction,
    className: string,
    label: string,
    style: string
  ) => {
    const names = targets[action];
    if (names.length === 0) {
      return null;
    }
    return (
      <button
        className={`${className} jp-Button jp-mod-styled ${style}`}
        title={names.join(' ')}
        onClick={() => {
          // Kept checked if the user declines the confirmation.
          void Promise.resolve(onAction(action, names)).then(started => {
            if (started !== false) {
              names.forEach(name => model.setChecked(name, false));
            }
          });
        }}
      >
        {label}
      </button>
    );
  };
  return (
    <div
      className={SELECTION_CLASS}
      role="toolbar"
      aria-label={trans.__('Checked packages')}
    >
      <span className={SELECTION_COUNT_CLASS}>
        {trans._n('%1 selected', '%1 selected', model.checked.length)}
      </span>
      {button(
        'install',
        INSTALL_SELECTED_CLASS,
        trans.__('Install (%1)', targets.install.length),
        'jp-mod-accept'
      )}
      {button(
        'upgrade',
        UPGRADE_SELECTED_CLASS,
        trans.__('Upgrade (%1)', targets.upgrade.length),
        'jp-mod-accept'
      )}
      {button(
        'remove',
        REMOVE_SELECTED_CLASS,
        trans.__('Remove (%1)', targets.remove.length),
        'jp-mod-warn'
      )}
      <button
        className={`${CLEAR_SELECTION_CLASS} jp-Button jp-mod-styled jp-mod-reject`}
        title={trans.__('Uncheck all packages')}
        onClick={() => model.clearChecked()}
      >
        {trans.__('Clear')}
      </button>
    </div>
  );
}

/**
 * The namespace for `SelectionBar` statics.
 */
export namespace SelectionBar {
  /**
   * The properties of the selection toolbar.
   */
  export interface IProperties {
    /**
     * The model whose checked packages are shown.
     */
    model: CatalogModel;
    /**
     * Called with the job asked for on the checked packages.
     */
    onAction: PackageList.ActionHandler;
    /**
     * Whether the administrator allows removals.
     */
    allowRemove: boolean;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
  }
}

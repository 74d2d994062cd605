// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The details of the package selected in the catalog.
 */

import { TranslationBundle } from '@jupyterlab/translation';
import { closeIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { IPackage, IPackageDetails } from '../api';
import {
  DETAILS_CLASS,
  DETAILS_ERROR_CLASS,
  DETAILS_FIELDS_CLASS,
  DETAILS_HEADER_CLASS,
  DETAILS_LIST_CLASS,
  DETAILS_LOADING_CLASS,
  DETAILS_TITLE_CLASS
} from './classes';
import { formatBytes } from './format';

/**
 * The details of the selected package.
 */
export function PackageDetails(props: PackageDetails.IProperties): JSX.Element {
  const { name, pkg, details, isLoading, error, onClose, trans } = props;
  const fields: [string, React.ReactNode][] = [];
  if (pkg) {
    fields.push([trans.__('Version'), pkg.version]);
    fields.push([
      trans.__('Installed'),
      pkg.installed_version ?? trans.__('not installed')
    ]);
    if (pkg.upgradable) {
      fields.push([
        trans.__('Upgrade'),
        trans.__('%1 is available', pkg.version)
      ]);
    }
    fields.push([
      trans.__('Python'),
      pkg.python ?? trans.__('not a Python package')
    ]);
    fields.push([trans.__('Download size'), formatBytes(pkg.size)]);
    fields.push([trans.__('Installed size'), formatBytes(pkg.installed_size)]);
    fields.push([trans.__('License'), pkg.license]);
    fields.push([trans.__('Origin'), pkg.origin]);
    fields.push([trans.__('Repository'), pkg.repository]);
    if (pkg.url) {
      fields.push([
        trans.__('Project'),
        <a key="url" href={pkg.url} target="_blank" rel="noopener noreferrer">
          {pkg.url}
        </a>
      ]);
    }
  }
  return (
    <div
      className={DETAILS_CLASS}
      data-package={name}
      role="region"
      aria-label={trans.__('Details of %1', name)}
    >
      <div className={DETAILS_HEADER_CLASS}>
        <span className={DETAILS_TITLE_CLASS}>{name}</span>
        <button
          className="jp-Button jp-mod-minimal"
          title={trans.__('Close details')}
          aria-label={trans.__('Close details')}
          onClick={onClose}
        >
          <closeIcon.react tag="span" elementPosition="center" />
        </button>
      </div>
      {pkg && <p>{pkg.description}</p>}
      {fields.length > 0 && (
        <dl className={DETAILS_FIELDS_CLASS}>
          {fields.map(([label, value]) => (
            <React.Fragment key={label}>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </React.Fragment>
          ))}
        </dl>
      )}
      {isLoading && (
        <div className={DETAILS_LOADING_CLASS} role="status">
          {trans.__('Loading details…')}
        </div>
      )}
      {error !== null && (
        <div className={DETAILS_ERROR_CLASS} role="alert">
          {error}
        </div>
      )}
      {details && (
        <>
          <DetailsList
            label={trans.__('Python modules')}
            items={details.modules}
            empty={trans.__('none')}
          />
          <DetailsList
            label={trans.__('Depends on')}
            items={details.depends}
            empty={trans.__('nothing')}
          />
          <DetailsList
            label={trans.__('Provides')}
            items={details.provides}
            empty={trans.__('nothing')}
          />
        </>
      )}
    </div>
  );
}

/**
 * The namespace for `PackageDetails` statics.
 */
export namespace PackageDetails {
  /**
   * The properties of the details view.
   */
  export interface IProperties {
    /**
     * The selected package's name.
     */
    name: string;
    /**
     * The package as listed, when known; shown while the details load.
     */
    pkg: IPackage | null;
    /**
     * The full details, once loaded.
     */
    details: IPackageDetails | null;
    /**
     * Whether the details are loading.
     */
    isLoading: boolean;
    /**
     * Why the details could not be loaded, or `null`.
     */
    error: string | null;
    /**
     * Called to close the details.
     */
    onClose: () => void;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
  }
}

/**
 * A labelled list of strings in the details view.
 */
function DetailsList(props: DetailsList.IProperties): JSX.Element {
  const { label, items, empty } = props;
  return (
    <div className={DETAILS_LIST_CLASS}>
      <div>{label}</div>
      {items.length === 0 ? (
        <span>{empty}</span>
      ) : (
        <ul>
          {items.map(item => (
            <li key={item}>
              <code>{item}</code>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/**
 * The namespace for `DetailsList` statics.
 */
namespace DetailsList {
  /**
   * The properties of a details list.
   */
  export interface IProperties {
    /**
     * The list's label.
     */
    label: string;
    /**
     * The strings to list.
     */
    items: ReadonlyArray<string>;
    /**
     * What to show when there are none.
     */
    empty: string;
  }
}

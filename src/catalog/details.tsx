// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The details of the package selected in the catalog.
 */

import { TranslationBundle } from '@jupyterlab/translation';
import { caretLeftIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { IPackage, IPackageDetails, JobAction } from '../api';
import { JobsModel } from '../jobs/model';
import {
  BROKEN_BADGE_CLASS,
  DETAILS_ACTIONS_CLASS,
  DETAILS_BACK_CLASS,
  DETAILS_BODY_CLASS,
  DETAILS_CLASS,
  DETAILS_ERROR_CLASS,
  DETAILS_FIELDS_CLASS,
  DETAILS_HEADER_CLASS,
  DETAILS_LIST_CLASS,
  DETAILS_LOADING_CLASS,
  DETAILS_TITLE_CLASS
} from './classes';
import { EntryActions, EntryJob } from './entry';
import { formatBytes } from './format';

/**
 * The details of the selected package: a full-height view with a back button
 * and the package's actions in its header.
 */
export function PackageDetails(props: PackageDetails.IProperties): JSX.Element {
  const { name, pkg, details, isLoading, error, onClose, trans } = props;
  const job = props.job ?? null;
  const actions = props.actions ?? null;
  const fields = pkg ? packageFields(pkg, trans) : [];
  return (
    <div
      className={DETAILS_CLASS}
      data-package={name}
      role="region"
      aria-label={trans.__('Details of %1', name)}
      onKeyDown={event => {
        if (event.key === 'Escape') {
          event.preventDefault();
          event.stopPropagation();
          onClose();
        }
      }}
    >
      <DetailsHeader
        name={name}
        pkg={pkg}
        job={job}
        actions={actions}
        onClose={onClose}
        trans={trans}
      />
      <div className={DETAILS_BODY_CLASS}>
        {pkg?.broken && (
          <p className={BROKEN_BADGE_CLASS} role="note">
            {trans.__('Broken: %1', pkg.broken)}
          </p>
        )}
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
     * Called to go back to the list.
     */
    onClose: () => void;
    /**
     * The queued or running job on the package, if any.
     */
    job?: JobsModel.IEntry | null;
    /**
     * The package's job actions; none without.
     */
    actions?: {
      allowRemove: boolean;
      onAction: (action: JobAction) => void;
    } | null;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
  }
}

/**
 * The header of the details view: the back button, the package's name and its
 * actions, or its job while one is queued or running.
 */
function DetailsHeader(props: DetailsHeader.IProperties): JSX.Element {
  const { name, pkg, job, actions, onClose, trans } = props;
  const backRef = React.useRef<HTMLButtonElement>(null);
  // Opened from the list by the keyboard: the focus comes along.
  React.useEffect(() => {
    backRef.current?.focus();
  }, [name]);
  return (
    <div className={DETAILS_HEADER_CLASS}>
      <button
        ref={backRef}
        className={`${DETAILS_BACK_CLASS} jp-Button jp-mod-minimal`}
        title={trans.__('Back to the list')}
        aria-label={trans.__('Back to the list')}
        onClick={onClose}
      >
        <caretLeftIcon.react tag="span" elementPosition="center" />
      </button>
      <span className={DETAILS_TITLE_CLASS} title={name}>
        {name}
      </span>
      <span className={DETAILS_ACTIONS_CLASS}>
        {job ? (
          <EntryJob entry={job} trans={trans} />
        ) : (
          actions &&
          pkg && (
            <EntryActions
              pkg={pkg}
              allowRemove={actions.allowRemove}
              onAction={actions.onAction}
              inRow={false}
              trans={trans}
            />
          )
        )}
      </span>
    </div>
  );
}

/**
 * The namespace for `DetailsHeader` statics.
 */
namespace DetailsHeader {
  /**
   * The properties of the details header.
   */
  export interface IProperties {
    /**
     * The selected package's name.
     */
    name: string;
    /**
     * The package as listed, when known.
     */
    pkg: IPackage | null;
    /**
     * The queued or running job on the package, or `null`.
     */
    job: JobsModel.IEntry | null;
    /**
     * The package's job actions, or `null` for none.
     */
    actions: PackageDetails.IProperties['actions'];
    /**
     * Called to go back to the list.
     */
    onClose: () => void;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
  }
}

/**
 * The labelled fields of a package, in the order the details show them.
 */
function packageFields(
  pkg: IPackage,
  trans: TranslationBundle
): [string, React.ReactNode][] {
  const fields: [string, React.ReactNode][] = [];
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
  return fields;
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

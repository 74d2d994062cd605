// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * One configured repository and its state.
 */

import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { IRepository } from '../api';
import {
  REPOSITORY_CLASS,
  REPOSITORY_INFO_CLASS,
  REPOSITORY_MESSAGE_CLASS,
  REPOSITORY_STATUS_CLASS,
  REPOSITORY_URL_CLASS
} from './classes';

/**
 * One repository and its state; anything not `ok` is explained.
 */
export function RepositoryEntry(
  props: RepositoryEntry.IProperties
): JSX.Element {
  const { repository, trans } = props;
  const labels: Record<IRepository.Status, string> = {
    ok: trans.__('ok'),
    stale: trans.__('stale'),
    untrusted: trans.__('untrusted'),
    error: trans.__('error')
  };
  const explanations: Record<IRepository.Status, string> = {
    ok: '',
    stale: trans.__(
      'The repository could not be re-read; the last good copy of its index is used.'
    ),
    untrusted: trans.__(
      'The index signature could not be verified with the trusted keys.'
    ),
    error: trans.__(
      'The repository could not be read; its packages are not listed.'
    )
  };
  const status = repository.status;
  const explanation = explanations[status] ?? '';
  const showMessage = status !== 'ok' || !!repository.message;
  return (
    <li
      className={`${REPOSITORY_CLASS} jp-mod-${status}`}
      data-status={status}
      data-url={repository.url}
    >
      <div>
        <span className={REPOSITORY_STATUS_CLASS}>
          {labels[status] ?? status}
        </span>
        <span className={REPOSITORY_URL_CLASS} title={repository.url}>
          {repository.url}
        </span>
      </div>
      <div className={REPOSITORY_INFO_CLASS}>
        {trans._n(
          '%2 package',
          '%2 packages',
          repository.packages,
          repository.packages.toLocaleString()
        )}
        {repository.refreshed &&
          ` · ${trans.__('read %1', Private.formatDate(repository.refreshed))}`}
      </div>
      {showMessage && (
        <div className={REPOSITORY_MESSAGE_CLASS}>
          {[explanation, repository.message].filter(Boolean).join(' ')}
        </div>
      )}
    </li>
  );
}

/**
 * The namespace for `RepositoryEntry` statics.
 */
export namespace RepositoryEntry {
  /**
   * The properties of a repository row.
   */
  export interface IProperties {
    /**
     * The repository to show.
     */
    repository: IRepository;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
  }
}

/**
 * Module-private helpers.
 */
namespace Private {
  /**
   * Format an ISO 8601 date for display, or return it unchanged if unparsable.
   */
  export function formatDate(iso: string): string {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
  }
}

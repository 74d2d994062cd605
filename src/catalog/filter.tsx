// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The catalog's filter drop-down.
 */

import { TranslationBundle } from '@jupyterlab/translation';
import { caretDownEmptyIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { FILTER_CLASS } from './classes';
import { CATALOG_FILTERS, CatalogFilter } from './model';

/**
 * The filter drop-down.
 */
export function FilterSelect(props: FilterSelect.IProperties): JSX.Element {
  const { filter, onChange, trans } = props;
  const labels: Record<CatalogFilter, string> = {
    python: trans.__('Python packages'),
    all: trans.__('All packages'),
    installed: trans.__('Installed'),
    upgradable: trans.__('Upgradable')
  };
  return (
    <div className="jp-HTMLSelect jp-DefaultStyle">
      <select
        className={FILTER_CLASS}
        value={filter}
        aria-label={trans.__('Show')}
        onChange={event => onChange(event.target.value as CatalogFilter)}
      >
        {CATALOG_FILTERS.map(value => (
          <option key={value} value={value}>
            {labels[value]}
          </option>
        ))}
      </select>
      <caretDownEmptyIcon.react
        tag="span"
        stylesheet="select"
        right="4px"
        top="4px"
      />
    </div>
  );
}

/**
 * The namespace for `FilterSelect` statics.
 */
export namespace FilterSelect {
  /**
   * The properties of the filter drop-down.
   */
  export interface IProperties {
    /**
     * The current filter.
     */
    filter: CatalogFilter;
    /**
     * Called with the filter the user picked.
     */
    onChange: (filter: CatalogFilter) => void;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
  }
}

// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The catalog's filter and sort drop-downs.
 */

import { TranslationBundle } from '@jupyterlab/translation';
import { caretDownEmptyIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { FILTER_CLASS, SORT_CLASS } from './classes';
import {
  CATALOG_FILTERS,
  CATALOG_SORTS,
  CatalogFilter,
  CatalogSort
} from './model';

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
    <Private.Select
      className={FILTER_CLASS}
      value={filter}
      label={trans.__('Which packages to list')}
      options={CATALOG_FILTERS.map(value => [value, labels[value]])}
      onChange={value => onChange(value as CatalogFilter)}
    />
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

/**
 * The sort order drop-down.
 */
export function SortSelect(props: SortSelect.IProperties): JSX.Element {
  const { sort, onChange, trans } = props;
  const labels: Record<CatalogSort, string> = {
    relevance: trans.__('Best match'),
    name: trans.__('Name'),
    '-size': trans.__('Largest download'),
    size: trans.__('Smallest download'),
    '-installed_size': trans.__('Largest installed')
  };
  return (
    <Private.Select
      className={SORT_CLASS}
      value={sort}
      label={trans.__('Sort packages by')}
      options={CATALOG_SORTS.map(value => [value, labels[value]])}
      onChange={value => onChange(value as CatalogSort)}
    />
  );
}

/**
 * The namespace for `SortSelect` statics.
 */
export namespace SortSelect {
  /**
   * The properties of the sort drop-down.
   */
  export interface IProperties {
    /**
     * The current order.
     */
    sort: CatalogSort;
    /**
     * Called with the order the user picked.
     */
    onChange: (sort: CatalogSort) => void;
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
   * A drop-down styled as JupyterLab's.
   */
  export function Select(props: {
    className: string;
    value: string;
    label: string;
    options: [string, string][];
    onChange: (value: string) => void;
  }): JSX.Element {
    return (
      <div className="jp-HTMLSelect jp-DefaultStyle">
        <select
          className={props.className}
          value={props.value}
          aria-label={props.label}
          title={props.label}
          onChange={event => props.onChange(event.target.value)}
        >
          {props.options.map(([value, text]) => (
            <option key={value} value={value}>
              {text}
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
}

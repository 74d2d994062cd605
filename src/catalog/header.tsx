// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * The header of the catalog sidebar: demo banner, search box, filter, sort
 * order and count.
 */

import { TranslationBundle } from '@jupyterlab/translation';
import {
  InputGroup,
  VDomRenderer,
  searchIcon
} from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import {
  CONTROLS_CLASS,
  COUNT_CLASS,
  DEMO_CLASS,
  HEADER_CLASS,
  SEARCH_CLASS
} from './classes';
import { FilterSelect, SortSelect } from './filter';
import { CatalogModel } from './model';

/**
 * The header of the catalog: demo banner, search box, filter and count.
 */
export class CatalogHeader extends VDomRenderer<CatalogModel> {
  /**
   * Construct the header.
   */
  constructor(options: CatalogHeader.IOptions) {
    super(options.model);
    this._trans = options.trans;
    this._onNavigate = options.onNavigate;
    this.addClass(HEADER_CLASS);
  }

  /**
   * The search input, once rendered.
   */
  get inputNode(): HTMLInputElement | null {
    return this._inputRef.current;
  }

  /**
   * Show a query set from outside the search box.
   *
   * #### Notes
   * The input is uncontrolled: React would otherwise reset it to the last
   * rendered query after each keystroke, losing keys typed before the next
   * (asynchronous) render.
   */
  protected onUpdateRequest(msg: Message): void {
    super.onUpdateRequest(msg);
    const input = this._inputRef.current;
    if (
      input &&
      input !== document.activeElement &&
      input.value !== this.model.query
    ) {
      input.value = this.model.query;
    }
  }

  protected render(): JSX.Element {
    const { model } = this;
    const trans = this._trans;
    const info = model.serverInfo;
    return (
      <>
        {info?.demo_mode && (
          <div className={DEMO_CLASS} role="note">
            {trans.__(
              'demo mode: installs go to a sandbox root, not the system'
            )}
          </div>
        )}
        <div className={SEARCH_CLASS}>
          <InputGroup
            type="search"
            inputRef={this._inputRef}
            defaultValue={model.query}
            placeholder={trans.__('Search packages')}
            aria-label={trans.__('Search packages')}
            rightIcon={searchIcon}
            onChange={this._onChange}
            onKeyDown={this._onKeyDown}
          />
        </div>
        <div className={CONTROLS_CLASS}>
          <FilterSelect
            filter={model.filter}
            onChange={filter => {
              model.filter = filter;
            }}
            trans={trans}
          />
          <SortSelect
            sort={model.sort}
            onChange={sort => {
              model.sort = sort;
            }}
            trans={trans}
          />
          <span
            className={COUNT_CLASS}
            data-total={model.isTotalKnown ? model.total : undefined}
            aria-live="polite"
          >
            {model.isTotalKnown
              ? trans._n('%1 package', '%1 packages', model.total)
              : ''}
          </span>
        </div>
      </>
    );
  }

  private _onChange = (event: React.ChangeEvent<HTMLInputElement>): void => {
    this.model.query = event.target.value;
  };

  private _onKeyDown = (event: React.KeyboardEvent<HTMLInputElement>): void => {
    switch (event.key) {
      case 'ArrowDown':
        event.preventDefault();
        this._onNavigate();
        break;
      case 'Enter':
        event.preventDefault();
        void this.model.search();
        break;
      case 'Escape':
        if (event.currentTarget.value) {
          event.preventDefault();
          event.stopPropagation();
          event.currentTarget.value = '';
          this.model.query = '';
        }
        break;
      default:
        break;
    }
  };

  private _inputRef = React.createRef<HTMLInputElement>();
  private _onNavigate: () => void;
  private _trans: TranslationBundle;
}

/**
 * The namespace for `CatalogHeader` statics.
 */
export namespace CatalogHeader {
  /**
   * The options to create a catalog header.
   */
  export interface IOptions {
    /**
     * The model to render.
     */
    model: CatalogModel;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
    /**
     * Called when the user asks to move from the search box into the list.
     */
    onNavigate: () => void;
  }
}

// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

/**
 * An error message with a retry button.
 */

import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { ERROR_CLASS } from './classes';

/**
 * An error with a retry button.
 */
export function ErrorMessage(props: ErrorMessage.IProperties): JSX.Element {
  const { message, onRetry, trans } = props;
  return (
    <div className={ERROR_CLASS} role="alert">
      <span>{message}</span>
      <button
        className="jp-Button jp-mod-styled jp-mod-reject"
        onClick={onRetry}
      >
        {trans.__('Retry')}
      </button>
    </div>
  );
}

/**
 * The namespace for `ErrorMessage` statics.
 */
export namespace ErrorMessage {
  /**
   * The properties of an error message.
   */
  export interface IProperties {
    /**
     * What went wrong.
     */
    message: string;
    /**
     * Called to try again.
     */
    onRetry: () => void;
    /**
     * The translation bundle.
     */
    trans: TranslationBundle;
  }
}

// Copyright (c) jupyterlab-apk contributors.
// Distributed under the terms of the Modified BSD License.

import type { ISessionContext } from '@jupyterlab/apputils';
import { type ITranslator, nullTranslator } from '@jupyterlab/translation';

import type { IDecision } from '../api';

import { SessionGate } from './gate';
import {
  hasPipCommand,
  type IParseResult,
  type IRequirementToken,
  parseCell
} from './parse';
import { rewriteCell } from './rewrite';
import { withCode } from './session';

/**
 * Run silently in the kernel after apk installed packages for a cell.
 */
export const INVALIDATE_IMPORT_CACHES =
  'import importlib as _apk_importlib; _apk_importlib.invalidate_caches(); del _apk_importlib';

/**
 * How an install of the apk-routed requirements ended.
 */
export interface IInstallOutcome {
  /**
   * Whether apk installed them all.
   */
  ok: boolean;
  /**
   * Why not, for the cell's summary.
   */
  error?: string;
  /**
   * Seconds from the request to the end.
   */
  seconds: number;
  /**
   * The packages named that apk left as they were (already installed).
   */
  unchanged?: string[];
}

/**
 * What the executor needs from the server.
 */
export interface IPipRouter {
  /**
   * Decide apk or pip for each requirement (in order) for the kernel `kernel`.
   */
  resolve(
    requirements: string[],
    kernel: string,
    signal: AbortSignal
  ): Promise<IDecision[]>;
  /**
   * Install apk packages in one job and wait for its end; cancel the job on abort.
   */
  install(packages: string[], signal: AbortSignal): Promise<IInstallOutcome>;
}

/**
 * The part of a cell the executor reads and marks.
 */
interface IRunnableCell {
  model: { type: string; sharedModel: { getSource(): string } };
  setPrompt?(value: string): void;
}

/**
 * What both the notebook's and the console's `runCell` take and we use.
 */
export interface IRunCellOptions {
  cell: IRunnableCell;
  sessionContext?: ISessionContext | null;
}

/**
 * Intercepts `%pip install` in cells: requirements that a prebuilt apk
 * satisfies are installed with apk through the server before the cell is
 * sent; pip gets the rest, and the cell prints which went where.
 *
 * #### Notes
 * A cell without a routable pip command goes straight to the core `runCell`,
 * synchronously and without any server call, unless an earlier cell of its
 * session is still held: then it waits for its turn (see `SessionGate`).
 * Whatever fails, the requirements go to pip: never worse than pip.
 */
export class PipCellExecutor {
  constructor(options: PipCellExecutor.IOptions) {
    this._router = options.router;
    this._isEnabled = options.isEnabled;
    this._confirm = options.confirm ?? (async () => true);
    this._trans = (options.translator ?? nullTranslator).load('jupyterlab_apk');
  }

  /**
   * Wrap a core `runCell` (notebook or console).
   */
  wrap<T extends IRunCellOptions>(
    runCell: (options: T) => Promise<boolean>
  ): (options: T) => Promise<boolean> {
    return (options: T) => {
      const { cell, sessionContext } = options;
      if (!sessionContext || cell.model.type !== 'code') {
        return runCell(options);
      }
      const tokens = this._routableTokens(cell);
      if (tokens === null && !this._gate.isBusy(sessionContext)) {
        return runCell(options);
      }
      return this._runInTurn(runCell, options, sessionContext, tokens);
    };
  }

  /**
   * Cancel the held cells of a session (the user interrupted its kernel):
   * their installs are cancelled and they are not run.
   */
  interrupt(sessionContext: ISessionContext): void {
    for (const controller of this._held.get(sessionContext) ?? []) {
      controller.abort();
    }
  }

  /**
   * The routable requirements of a cell, or null when it has none (or
   * interception is off). Cheap for cells without pip commands.
   */
  private _routableTokens(cell: IRunnableCell): IRequirementToken[] | null {
    if (!this._isEnabled()) {
      return null;
    }
    const source = cell.model.sharedModel.getSource();
    if (!hasPipCommand(source)) {
      return null;
    }
    const tokens = Private.routable(parseCell(source));
    return tokens.length ? tokens : null;
  }

  private async _runInTurn<T extends IRunCellOptions>(
    runCell: (options: T) => Promise<boolean>,
    options: T,
    sessionContext: ISessionContext,
    tokens: IRequirementToken[] | null
  ): Promise<boolean> {
    const turn = this._gate.turn(sessionContext);
    const controller = new AbortController();
    const held = this._held.get(sessionContext) ?? new Set();
    held.add(controller);
    this._held.set(sessionContext, held);
    options.cell.setPrompt?.('*');
    try {
      await turn.previous;
      if (tokens === null) {
        return await Private.send(runCell(options), turn.release);
      }
      const code = await this._route(
        options,
        sessionContext,
        controller.signal
      );
      if (code === null) {
        options.cell.setPrompt?.('');
        return false;
      }
      const view = withCode(sessionContext, code, turn.release);
      return await runCell({ ...options, sessionContext: view });
    } finally {
      held.delete(controller);
      turn.release();
    }
  }

  /**
   * Resolve, install and rewrite: the code to send, or null if the user
   * interrupted the kernel meanwhile.
   */
  private async _route(
    options: IRunCellOptions,
    sessionContext: ISessionContext,
    signal: AbortSignal
  ): Promise<string | null> {
    // Read again: the source may have changed while earlier cells were held.
    const source = options.cell.model.sharedModel.getSource();
    const parsed = parseCell(source);
    const tokens = Private.routable(parsed);
    const toPip = (summary: string[]) =>
      rewriteCell(source, parsed, () => false, summary);
    const kernel = sessionContext.session?.kernel;
    if (!kernel || !tokens.length) {
      return source;
    }
    const spec = await kernel.spec;
    if ((spec?.language ?? '').toLowerCase() !== 'python') {
      return source; // non-Python kernels are never touched
    }
    let decisions: IDecision[];
    try {
      decisions = await this._router.resolve(
        tokens.map(token => token.text),
        kernel.name,
        signal
      );
    } catch (error) {
      if (signal.aborted) {
        return null;
      }
      return toPip([
        this._trans.__(
          'jupyterlab-apk: %1; everything goes to pip.',
          Private.message(error)
        )
      ]);
    }
    if (signal.aborted) {
      return null;
    }
    const apk = decisions.filter(decision => decision.route === 'apk');
    const packages = [...new Set(apk.map(decision => decision.package!))];
    let failure: string | null = null;
    let seconds = 0;
    let unchanged = new Set<string>();
    if (packages.length) {
      if (!(await this._confirm(apk))) {
        failure = this._trans.__('you declined the apk install');
      } else {
        try {
          const outcome = await this._router.install(packages, signal);
          seconds = outcome.seconds;
          unchanged = new Set(outcome.unchanged ?? []);
          failure = outcome.ok ? null : (outcome.error ?? 'apk failed');
        } catch (error) {
          failure = Private.message(error);
        }
        if (signal.aborted) {
          return null;
        }
      }
    }
    const routed = new Set<IRequirementToken>();
    const summary = decisions.map((decision, index) => {
      if (decision.route === 'apk' && failure === null) {
        routed.add(tokens[index]);
        if (unchanged.has(decision.package!)) {
          return this._trans.__(
            '%1 → apk: %2 %3 (already installed)',
            decision.requirement,
            decision.package!,
            decision.version ?? ''
          );
        }
        return this._trans.__(
          '%1 → apk: %2 %3 (%4 s)',
          decision.requirement,
          decision.package!,
          decision.version ?? '',
          seconds.toFixed(1)
        );
      }
      if (decision.route === 'apk') {
        return this._trans.__(
          '%1 → pip: the apk install failed (%2)',
          decision.requirement,
          failure!
        );
      }
      return decision.reason;
    });
    if (routed.size) {
      // New directories and modules appeared under the kernel's sys.path while it ran:
      // without this, Python's cached "no such path" keeps `import x` failing. Sent before
      // the cell on the same channel, so the kernel runs it first.
      kernel.requestExecute({
        code: INVALIDATE_IMPORT_CACHES,
        silent: true,
        store_history: false
      });
    }
    return rewriteCell(source, parsed, routed, summary);
  }

  private _router: IPipRouter;
  private _isEnabled: () => boolean;
  private _confirm: (decisions: IDecision[]) => Promise<boolean>;
  private _trans: ReturnType<ITranslator['load']>;
  private _gate = new SessionGate();
  private _held = new WeakMap<ISessionContext, Set<AbortController>>();
}

/**
 * A namespace for `PipCellExecutor` statics.
 */
export namespace PipCellExecutor {
  /**
   * Construction options.
   */
  export interface IOptions {
    /**
     * The server side.
     */
    router: IPipRouter;
    /**
     * Whether interception is on (the `interceptPip` setting), read per cell.
     */
    isEnabled: () => boolean;
    /**
     * Ask before installing with apk; resolves true to go ahead.
     */
    confirm?: (decisions: IDecision[]) => Promise<boolean>;
    /**
     * The application's translator.
     */
    translator?: ITranslator;
  }
}

namespace Private {
  /**
   * The requirements of the routable commands, in source order.
   */
  export function routable(parsed: IParseResult): IRequirementToken[] {
    const tokens: IRequirementToken[] = [];
    for (const command of parsed.commands) {
      if (command.routable) {
        tokens.push(...command.requirements);
      }
    }
    return tokens;
  }

  /**
   * Call `release` once `runCell` has sent the cell (its synchronous part),
   * and wait for the result.
   */
  export async function send(
    result: Promise<boolean>,
    release: () => void
  ): Promise<boolean> {
    release();
    return result;
  }

  export function message(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Where progress goes and what kind of stream it is. */
export interface ProgressTarget {
  write: (s: string) => void;
  /** A terminal: one line redrawn in place. Otherwise (a file, a CI log) plain lines, no control characters. */
  tty: boolean;
  /** The terminal's width now (it may change while running); undefined when unknown. */
  columns?: () => number | undefined;
  now?: () => number;
}

/** One state to show: a phase (`uploading`, `importing`), a fraction when the total is known, and details. */
export interface ProgressState {
  phase: string;
  fraction?: number;
  detail?: string;
}

export interface Progress {
  show(state: ProgressState): void;
  /** Shows the last state (a plain line if it has not been printed) and ends the line. */
  end(state?: ProgressState): void;
}

/** A plain line is printed at each 10 % step, when the phase changes, or after this long without one. */
export const PLAIN_LINE_EVERY_MS = 5000;
const DEFAULT_COLUMNS = 80;

function percent(fraction: number): string {
  return `${String(Math.floor(Math.max(0, Math.min(1, fraction)) * 100)).padStart(3)}%`;
}

function bar(fraction: number, width: number): string {
  const full = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

/** The line for a terminal `columns` wide: the bar shrinks, then the text is cut, so it never wraps. */
export function ttyLine(state: ProgressState, columns: number): string {
  const room = Math.max(columns - 1, 1); // the last column would wrap on some terminals
  const detail = state.detail ? ` ${state.detail}` : '';
  let text = `${state.phase}${state.fraction === undefined ? '' : ` ${percent(state.fraction)}`}${detail}`;
  if (state.fraction !== undefined) {
    const width = Math.min(30, room - text.length - 3);
    if (width >= 10) text = `${state.phase} ${bar(state.fraction, width)}${text.slice(state.phase.length)}`;
  }
  return text.length > room ? text.slice(0, room) : text;
}

/** The plain line for a log: no bar, no carriage return, no escape sequence. */
export function plainLine(state: ProgressState): string {
  return `${state.phase}${state.fraction === undefined ? '' : ` ${percent(state.fraction).trim()}`}${state.detail ? ` ${state.detail}` : ''}`;
}

export function createProgress(target: ProgressTarget): Progress {
  const now = target.now ?? Date.now;
  let drawn = false;
  let lastPhase: string | undefined;
  let lastStep = -1;
  let lastAt = 0;
  let lastPrinted: string | undefined;

  function plain(state: ProgressState, force: boolean): void {
    const step = state.fraction === undefined ? -1 : Math.floor(Math.max(0, Math.min(1, state.fraction)) * 10);
    const due = force || state.phase !== lastPhase || step > lastStep || now() - lastAt >= PLAIN_LINE_EVERY_MS;
    const line = plainLine(state);
    if (!due || line === lastPrinted) return;
    target.write(line + '\n');
    lastPhase = state.phase;
    lastStep = step;
    lastAt = now();
    lastPrinted = line;
  }

  return {
    show(state) {
      if (!target.tty) return plain(state, false);
      target.write(`\r${ttyLine(state, target.columns?.() || DEFAULT_COLUMNS)}\u001b[K`);
      drawn = true;
    },
    end(state) {
      if (!target.tty) {
        if (state) plain(state, true);
        return;
      }
      if (state) this.show(state);
      if (drawn) target.write('\n');
      drawn = false;
    },
  };
}

/** Machine-readable category of a {@link FblError}. */
export type FblErrorCode =
  | 'INVALID_OPTION'
  | 'SHAPE_MISMATCH'
  | 'DATA_FORMAT'
  | 'DATA_MISSING'
  | 'BACKEND'
  | 'DIVERGED'
  | 'MEMORY_BUDGET'
  | 'CHECKPOINT'
  | 'FILE_SYSTEM'
  | 'IN_USE';

/**
 * The one error type feedback-lab throws on purpose. `code` says what kind of problem it is;
 * the message names the offending value so a CLI can print it as a single line.
 */
export class FblError extends Error {
  override readonly name = 'FblError';
  constructor(
    readonly code: FblErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    // One line, always: messages quote values from files (a JSON parser's snippet, a tar
    // entry name), and a newline in them would break the CLI's one-line error contract.
    super(message.replace(/\s*[\r\n]+\s*/g, ' '), options);
  }
}

/** Throws an `INVALID_OPTION` error unless `ok`. */
export function check(ok: unknown, message: string, code: FblErrorCode = 'INVALID_OPTION'): asserts ok {
  if (!ok) throw new FblError(code, message);
}

/**
 * Where the phone writes what a developer needs and a user never sees: provider events the state
 * machines refused, listeners that threw. The page may pass its own ({@link SoftphoneOptions.logger});
 * the default is the browser console.
 */
export interface PhoneLogger {
  /** Expected noise, e.g. a provider repeating an event it already sent. */
  debug(message: string, details?: Record<string, unknown>): void;
  /** Something the diagram does not allow happened and was ignored. */
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

export const consoleLogger: PhoneLogger = {
  debug: (message, details) => console.debug(`[phone] ${message}`, details ?? ''),
  warn: (message, details) => console.warn(`[phone] ${message}`, details ?? ''),
  error: (message, details) => console.error(`[phone] ${message}`, details ?? ''),
};

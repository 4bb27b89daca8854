/** The command's own output (stdout) and its complaints (stderr), in one place so tests can read them. */
export interface Output {
  out(line?: string): void;
  err(line: string): void;
}

export const consoleOutput: Output = {
  out: (line = '') => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

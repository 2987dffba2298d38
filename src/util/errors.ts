/**
 * The one error type users see. Its message already names the file, layer and
 * field at fault; the CLI prints it without a stack trace and exits non-zero.
 */
export class QtscError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QtscError';
  }
}

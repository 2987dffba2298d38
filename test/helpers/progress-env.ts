/** Runs f with QTSC_PROGRESS set (progress.ts), so what stderr shows does not depend on whether the tests run on a terminal. */
export async function withProgress<T>(value: '0' | '1', f: () => Promise<T>): Promise<T> {
  const before = process.env.QTSC_PROGRESS;
  process.env.QTSC_PROGRESS = value;
  try {
    return await f();
  } finally {
    if (before === undefined) delete process.env.QTSC_PROGRESS;
    else process.env.QTSC_PROGRESS = before;
  }
}

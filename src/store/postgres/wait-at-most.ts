/**
 * Resolves when `work` settles or after `ms`, whichever comes first, leaving no timer behind.
 * For goodbyes to the database: on a silent network they are never acknowledged, and what
 * closes must go on without the answer.
 */
export async function waitAtMost(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const settled = work.then(
    () => undefined,
    () => undefined,
  );
  await Promise.race([settled, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

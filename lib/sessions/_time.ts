/** A race against a timer that never leaves the timer behind. */

/** Resolves when `p` settles or `ms` passes, whichever is first; true if `p` came first. */
export async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let id: ReturnType<typeof setTimeout> | undefined;
  const timer = new Promise<false>((r) => (id = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([p.then(() => true, () => true), timer]);
  } finally {
    clearTimeout(id);
  }
}

/**
 * A handler for the local Lambda's own tests that runs until the test lets it end: how many run at
 * once, and the most that ever did, kept on globalThis, which every loader shares.
 */
type Gate = { running: number; most: number; waiting: Array<() => void> };

const gate = (): Gate => {
  const shared = globalThis as { gatedHandler?: Gate };
  shared.gatedHandler ??= { running: 0, most: 0, waiting: [] };
  return shared.gatedHandler;
};

export const handler = async () => {
  const g = gate();
  g.running += 1;
  g.most = Math.max(g.most, g.running);
  await new Promise<void>((resolve) => g.waiting.push(resolve));
  g.running -= 1;
  return { ended: true };
};

/** Invocations running now, and the most that ran at once. */
export const gated = (): { running: number; most: number } => ({
  running: gate().running,
  most: gate().most,
});

/** Lets every invocation running now end. */
export const endAll = (): void => {
  for (const end of gate().waiting.splice(0)) end();
};

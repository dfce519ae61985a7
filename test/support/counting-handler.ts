/** A handler for the local Lambda's own tests: counts its calls on globalThis, which every loader shares. */
const counter = globalThis as { countingHandlerCalls?: number };

export const handler = async (event: { value: number }) => {
  counter.countingHandlerCalls = (counter.countingHandlerCalls ?? 0) + 1;
  return { doubled: event.value * 2 };
};

export const callsSoFar = () => counter.countingHandlerCalls ?? 0;

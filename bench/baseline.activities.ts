/** The baseline's activities ("raw Temporal"): they do nothing, so only Temporal's own cost is left. */
export function createBaselineActivities() {
  return {
    async noop(): Promise<void> {
      return undefined;
    },
  };
}

export type BaselineActivities = ReturnType<typeof createBaselineActivities>;

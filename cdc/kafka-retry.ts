/**
 * Runs a Kafka admin or metadata step again while the broker answers with a retriable error. Kafka 4
 * briefly answers UNKNOWN_TOPIC_OR_PARTITION for a topic another client (the connector, the relay)
 * is creating at that moment; that is a reason to wait, not to fail a start.
 */
export async function retryWhileRetriable<T>(step: () => Promise<T>, onRetry?: (err: Error, attempt: number) => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      if (!(err as { retriable?: boolean }).retriable || attempt >= 20) throw err;
      onRetry?.(err as Error, attempt);
      await new Promise((r) => setTimeout(r, 250 * attempt));
    }
  }
}

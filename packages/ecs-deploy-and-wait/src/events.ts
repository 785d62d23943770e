import type { ServiceEvent } from '@aws-sdk/client-ecs';

/**
 * Service events, each printed once. ECS returns the latest 100 events newest first; we remember
 * event ids rather than a createdAt high-water mark, because several events can share a
 * timestamp and a high-water mark would drop all but one of them.
 */
export class EventLog {
  private readonly seen = new Set<string>();
  /** The newest events printed, oldest first (for the timeout message). */
  readonly recent: ServiceEvent[] = [];

  constructor(private readonly keepRecent = 5) {}

  /** Marks events that happened before our deployment as already seen (they are not news). */
  seed(events: ServiceEvent[] = []): void {
    for (const event of events) if (event.id) this.seen.add(event.id);
  }

  /** The events not seen before, oldest first, now marked seen. */
  take(events: ServiceEvent[] = []): ServiceEvent[] {
    const fresh = events.filter((e) => e.id && !this.seen.has(e.id));
    for (const event of fresh) this.seen.add(event.id!);
    fresh.sort((a, b) => time(a) - time(b));
    this.recent.push(...fresh);
    this.recent.splice(0, Math.max(0, this.recent.length - this.keepRecent));
    return fresh;
  }
}

function time(event: ServiceEvent): number {
  return event.createdAt ? new Date(event.createdAt).getTime() : 0;
}

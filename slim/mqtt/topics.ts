/**
 * Which feeds read which MQTT topic, and when the worker must subscribe or unsubscribe. Pure: the
 * intake (index.ts) does the I/O. Several feeds may read one topic (a device publishing temperature
 * and humidity in one message): the topic is subscribed once, while any of them is active.
 */
export class TopicTable {
  private readonly feedsByTopic = new Map<string, Set<string>>();
  private readonly topicByFeed = new Map<string, string>();

  /** Topics that must now be subscribed / unsubscribed after this feed reads `topic` (null: reads none). */
  set(feedId: string, topic: string | null): { subscribe: string[]; unsubscribe: string[] } {
    const before = this.topicByFeed.get(feedId) ?? null;
    if (before === topic) return { subscribe: [], unsubscribe: [] };
    const unsubscribe: string[] = [];
    const subscribe: string[] = [];
    if (before !== null) {
      const feeds = this.feedsByTopic.get(before);
      feeds?.delete(feedId);
      if (feeds !== undefined && feeds.size === 0) {
        this.feedsByTopic.delete(before);
        unsubscribe.push(before);
      }
      this.topicByFeed.delete(feedId);
    }
    if (topic !== null) {
      let feeds = this.feedsByTopic.get(topic);
      if (feeds === undefined) {
        feeds = new Set();
        this.feedsByTopic.set(topic, feeds);
        subscribe.push(topic);
      }
      feeds.add(feedId);
      this.topicByFeed.set(feedId, topic);
    }
    return { subscribe, unsubscribe };
  }

  feedsOf(topic: string): string[] {
    return [...(this.feedsByTopic.get(topic) ?? [])];
  }

  feeds(): string[] {
    return [...this.topicByFeed.keys()];
  }

  topics(): string[] {
    return [...this.feedsByTopic.keys()];
  }
}

/**
 * The shared subscription every slim replica makes: the broker delivers each message on `topic`
 * to one member of `group` (MQTT 5 shared subscriptions; Mosquitto 2 supports them).
 */
export const sharedSubscription = (group: string, topic: string): string => `$share/${group}/${topic}`;

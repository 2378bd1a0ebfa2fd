import { describe, expect, it } from 'vitest';
import { sharedSubscription, TopicTable } from '../../../slim/mqtt/topics.ts';

describe('mqtt topic table', () => {
  it('subscribes a topic with its first feed and unsubscribes it with its last', () => {
    const table = new TopicTable();
    expect(table.set('f1', 'a/b')).toEqual({ subscribe: ['a/b'], unsubscribe: [] });
    expect(table.set('f2', 'a/b')).toEqual({ subscribe: [], unsubscribe: [] });
    expect(table.feedsOf('a/b').sort()).toEqual(['f1', 'f2']);
    expect(table.set('f1', null)).toEqual({ subscribe: [], unsubscribe: [] });
    expect(table.set('f2', null)).toEqual({ subscribe: [], unsubscribe: ['a/b'] });
    expect(table.topics()).toEqual([]);
  });

  it('changes nothing when a feed is set to the topic it already reads', () => {
    const table = new TopicTable();
    table.set('f1', 'a/b');
    expect(table.set('f1', 'a/b')).toEqual({ subscribe: [], unsubscribe: [] });
  });

  it('names the shared subscription of a group', () => {
    expect(sharedSubscription('slim', 'plant/reefer-7/telemetry')).toBe('$share/slim/plant/reefer-7/telemetry');
  });
});

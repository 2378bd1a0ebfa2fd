import type { z } from 'zod';
import { Category, type FeedRegistration } from '../../../schemas/index.ts';
import { positional, readJsonFile, requiredOption, stringOption, UsageError, type Command } from '../command.ts';

/** The client checks the registration against the schema before sending it. */
type FeedRegistrationInput = z.input<typeof FeedRegistration>;

export const feedCommands: Command[] = [
  {
    name: 'feeds register',
    summary: 'register a feed from a JSON registration (file or - for standard input)',
    args: '<file.json|->',
    details: [
      'The registration is the body of POST /external/feeds: name, category, assetId, source {adapter, params},',
      'and optionally schedule and quality. A push feed (IoT readings sent with `push`):',
      '  {"name": "Cold store 7", "category": "iot", "assetId": "cold-store-7",',
      '   "source": {"adapter": "push", "params": {"deviceId": "sensor-42", "metric": "temperature", "unit": "°C"}}}',
      'Prints the registered feed (its id is what `push` and `feeds get` take). Role: provider.',
    ].join('\n'),
    options: {},
    async run(context, _options, positionals) {
      const registration = await readJsonFile(context, positional(positionals, 0, 'the registration file (or - for standard input)'));
      context.print(await context.client.registerFeed(registration as FeedRegistrationInput));
    },
  },
  {
    name: 'feeds list',
    summary: "list your feeds with their status, last observation and quality stats",
    options: {
      category: { type: 'string', value: '<category>', description: `only feeds of this category (${Category.options.join(', ')})` },
    },
    async run(context, options) {
      const category = stringOption(options, 'category');
      if (category !== undefined && !Category.safeParse(category).success) throw new UsageError(`--category must be one of ${Category.options.join(', ')}`);
      const feeds = await context.client.listFeeds();
      context.print(category === undefined ? feeds : feeds.filter((f) => f.category === category));
    },
  },
  {
    name: 'feeds get',
    summary: 'show one feed',
    args: '<feedId>',
    options: {},
    async run(context, _options, positionals) {
      context.print(await context.client.feed(positional(positionals, 0, 'the feed id')));
    },
  },
  {
    name: 'devices register',
    summary: 'register an IoT device; prints its HMAC key once (keep the output: `push --device-key` reads it)',
    options: {
      id: { type: 'string', value: '<id>', description: 'the device id (letters, digits, . _ : -)' },
      name: { type: 'string', value: '<name>', description: 'a name for people' },
      asset: { type: 'string', value: '<assetId>', description: 'the asset the device observes' },
    },
    async run(context, options) {
      const device = await context.client.registerDevice({ id: requiredOption(options, 'id'), name: requiredOption(options, 'name'), assetId: requiredOption(options, 'asset') });
      context.print(device);
    },
  },
];

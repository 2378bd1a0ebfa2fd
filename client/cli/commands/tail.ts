import { Category } from '../../../schemas/index.ts';
import { numberOption, positional, UsageError, type Command } from '../command.ts';

export const tailCommand: Command = {
  name: 'tail',
  summary: 'follow the committed events of a channel (one JSON line each) until Ctrl-C',
  args: '<channel>',
  details: [
    `Channels: ${Category.options.join(', ')}. Each line is a committed event: {sequence, event, height, txHash}.`,
    'A dropped stream is resumed after the last event printed; --after resumes a previous tail. Role: dapp.',
  ].join('\n'),
  options: {
    after: { type: 'string', value: '<sequence>', description: 'start after this event sequence (default: from the first event)' },
    count: { type: 'string', value: '<n>', description: 'stop after n events' },
  },
  async run(context, options, positionals) {
    const channel = Category.safeParse(positional(positionals, 0, 'the channel'));
    if (!channel.success) throw new UsageError(`no channel '${positionals[0]}'; channels: ${Category.options.join(', ')}`);
    const after = numberOption(options, 'after');
    const count = numberOption(options, 'count');
    if (count !== undefined && (!Number.isInteger(count) || count < 1)) throw new UsageError('--count must be a positive integer');
    let seen = 0;
    for await (const committed of context.client.tail(channel.data, { ...(after === undefined ? {} : { after }), signal: context.signal })) {
      context.line(JSON.stringify(committed));
      if (count !== undefined && ++seen >= count) return;
    }
  },
};

import type { Command } from '../command.ts';

export const statusCommand: Command = {
  name: 'status',
  summary: 'show the network: chain id, leader, term, height and members',
  options: {},
  async run(context) {
    context.print(await context.client.status());
  },
};

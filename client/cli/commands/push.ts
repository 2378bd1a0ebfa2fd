import { z } from 'zod';
import { PushReading } from '../../../schemas/index.ts';
import { signReading, type DeviceKey } from '../../api/index.ts';
import { numberOption, positional, readJsonFile, stringOption, UsageError, type Command, type CommandContext, type OptionValues } from '../command.ts';

/** The part of `devices register`'s answer that signs readings. */
const DeviceKeyFile = z.object({ id: z.string().min(1), secret: z.string().min(1) });

export const pushCommand: Command = {
  name: 'push',
  summary: "push readings to a push feed and print each one's quality decision",
  args: '<feedId>',
  details: [
    'One reading from --value (and --observed-at, default now), or many from --file (a JSON array of',
    '{observedAt, value}). With --device-key (the JSON `devices register` printed) each reading is signed',
    "with the device's HMAC key and a fresh nonce; unsigned readings score lower on source verification.",
    'Role: provider.',
  ].join('\n'),
  options: {
    value: { type: 'string', value: '<number>', description: 'the reading' },
    'observed-at': { type: 'string', value: '<iso time>', description: 'when it was measured (default: now)' },
    file: { type: 'string', value: '<file.json|->', description: 'readings as a JSON array of {observedAt, value}' },
    'device-key': { type: 'string', value: '<file.json>', description: 'the device id and secret (the output of `devices register`) to sign with' },
  },
  async run(context, options, positionals) {
    const feedId = positional(positionals, 0, 'the feed id');
    const unsigned = await readingsOf(context, options);
    const keyFile = stringOption(options, 'device-key');
    const device = keyFile === undefined ? undefined : await deviceKeyOf(context, keyFile);
    const readings = device === undefined ? unsigned : unsigned.map((r) => signReading(device, feedId, r));
    context.print(await context.client.pushReadings(feedId, readings));
  },
};

async function readingsOf(context: CommandContext, options: OptionValues): Promise<{ observedAt: string; value: number }[]> {
  const file = stringOption(options, 'file');
  const value = numberOption(options, 'value');
  if ((file === undefined) === (value === undefined)) throw new UsageError('give either --value or --file');
  if (value !== undefined) return [{ observedAt: stringOption(options, 'observed-at') ?? new Date().toISOString(), value }];
  const parsed = z.array(PushReading).safeParse(await readJsonFile(context, file!));
  if (!parsed.success) throw new UsageError(`${file} is not a JSON array of readings {observedAt, value}: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data.map((r) => ({ observedAt: r.observedAt, value: r.value }));
}

async function deviceKeyOf(context: CommandContext, path: string): Promise<DeviceKey> {
  const parsed = DeviceKeyFile.safeParse(await readJsonFile(context, path));
  if (!parsed.success) throw new UsageError(`${path} has no device "id" and "secret" (the output of \`devices register\`)`);
  return parsed.data;
}

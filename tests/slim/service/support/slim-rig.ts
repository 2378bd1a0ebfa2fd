import { afterAll, beforeAll } from 'vitest';
import { FakeValidator } from './fake-validator.ts';
import { OpenMeteoSource } from './open-meteo-source.ts';
import { CLUSTER_SECRET, SlimNode } from './slim-node.ts';

/**
 * A slim worker between two stand-ins: it pulls from a local Open-Meteo (the only source origin it
 * allows) and delivers to a fake validator, which a test can take down or make refuse. Not the
 * real network: that one is `tests/support/network.ts`, used by `tests/e2e`.
 */
export class SlimRig {
  readonly source = new OpenMeteoSource();
  readonly validator = new FakeValidator(CLUSTER_SECRET);
  private node: SlimNode | undefined;

  get slim(): SlimNode {
    if (this.node === undefined) throw new Error('the slim worker is not started: use the rig inside tests, after beforeAll');
    return this.node;
  }

  async start(): Promise<void> {
    await this.source.start();
    await this.validator.start();
    this.node = await SlimNode.start({ VALIDATOR_URLS: this.validator.url, SOURCE_ORIGINS_ALLOWED: this.source.url });
  }

  async stop(): Promise<void> {
    await this.node?.close();
    await this.validator.stop();
    await this.source.stop();
  }
}

/** One rig for the calling file (or describe block): started before its tests, stopped after them. */
export function useSlimRig(): SlimRig {
  const rig = new SlimRig();
  beforeAll(() => rig.start());
  afterAll(() => rig.stop());
  return rig;
}

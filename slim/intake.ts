import type { Principal } from '../runtime/cluster-auth.ts';
import type { Feed, FeedCreated, FeedPatch, FeedRegistration } from '../schemas/index.ts';
import { FeedService } from './feeds/index.ts';
import type { MqttIntake } from './mqtt/index.ts';

/**
 * The feed service with the intakes nobody schedules: an mqtt feed is subscribed on this replica as
 * soon as it is registered or resumed and unsubscribed when paused (other replicas follow within
 * MQTT_RECONCILE_MS, and re-check the status of every message meanwhile).
 */
export class IntakeFeedService extends FeedService {
  constructor(
    deps: ConstructorParameters<typeof FeedService>[0],
    private readonly intake: { mqtt?: MqttIntake },
  ) {
    super(deps);
  }

  override async register(principal: Principal, registration: FeedRegistration): Promise<FeedCreated> {
    const created = await super.register(principal, registration);
    this.intake.mqtt?.sync(created);
    return created;
  }

  override async patch(principal: Principal, id: string, patch: FeedPatch): Promise<Feed> {
    const feed = await super.patch(principal, id, patch);
    this.intake.mqtt?.sync(feed);
    return feed;
  }
}

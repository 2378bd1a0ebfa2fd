import type { Principal } from '../../runtime/cluster-auth.ts';
import { AppError } from '../../runtime/errors.ts';
import type { Device, DeviceCreated, DeviceRegistration } from '../../schemas/index.ts';
import type { Clock } from '../clock.ts';
import { newDeviceSecret } from '../ids.ts';
import type { DeviceRecord, SlimStorage } from '../storage/index.ts';

/** Bound on one listing, like feeds. */
export const DEVICE_LIST_MAX = 1_000;

/** Roles that see every device; providers see their own. A bare node call (no principal) is the cluster itself. */
const SEE_ALL = new Set<Principal['role']>(['admin', 'operator', 'node']);
/** Roles that may revoke any device, or name any device in a feed; operators only read. */
const CHANGE_ALL = new Set<Principal['role']>(['admin', 'node']);

const isOwner = (p: Principal, d: DeviceRecord): boolean => d.ownerKeyId === p.id;

/** Someone else's device is "not found": the answer must not tell whether the id exists. */
function assertVisible(p: Principal, device: DeviceRecord | null, id: string): DeviceRecord {
  if (device === null || !(SEE_ALL.has(p.role) || isOwner(p, device))) throw new AppError('NOT_FOUND', `no device ${id}`);
  return device;
}

/** The public view: everything but the key. */
export function deviceView(d: DeviceRecord): Device {
  return {
    id: d.id,
    ownerKeyId: d.ownerKeyId,
    name: d.name,
    assetId: d.assetId,
    createdAt: d.createdAt.toISOString(),
    revokedAt: d.revokedAt === null ? null : d.revokedAt.toISOString(),
  };
}

/** The device registry: providers register IoT devices (each with its own HMAC key), list them and revoke them. */
export class DeviceService {
  constructor(private readonly deps: { storage: SlimStorage; clock: Clock }) {}

  async register(principal: Principal, registration: DeviceRegistration): Promise<DeviceCreated> {
    const secret = newDeviceSecret();
    const record = await this.deps.storage.devices.insert({ ...registration, ownerKeyId: principal.id, secret, now: this.deps.clock.now() });
    if (record === null) throw new AppError('CONFLICT', `device ${registration.id} already exists`);
    // Shown once: later reads never include it.
    return { ...deviceView(record), secret };
  }

  async list(principal: Principal): Promise<Device[]> {
    const filter = SEE_ALL.has(principal.role) ? { limit: DEVICE_LIST_MAX } : { ownerKeyId: principal.id, limit: DEVICE_LIST_MAX };
    return (await this.deps.storage.devices.list(filter)).map(deviceView);
  }

  async get(principal: Principal, id: string): Promise<Device> {
    return deviceView(assertVisible(principal, await this.deps.storage.devices.get(id), id));
  }

  /** Revokes for good: the device's readings fail verification from now on. Revoking twice keeps the first instant. */
  async revoke(principal: Principal, id: string): Promise<Device> {
    const device = assertVisible(principal, await this.deps.storage.devices.get(id), id);
    if (!(CHANGE_ALL.has(principal.role) || isOwner(principal, device))) throw new AppError('FORBIDDEN', `device ${id} is read-only for ${principal.role}`);
    const revoked = await this.deps.storage.devices.revoke(id, this.deps.clock.now());
    if (revoked === null) throw new AppError('NOT_FOUND', `no device ${id}`);
    return deviceView(revoked);
  }

  /**
   * Registration of a push feed: the device it names exists, is in service, belongs to the registering
   * provider and observes the feed's asset. Each failure is a 400 naming `source.params.deviceId`.
   */
  async assertUsableForFeed(principal: Principal, deviceId: string, assetId: string): Promise<void> {
    const device = await this.deps.storage.devices.get(deviceId);
    const refuse = (message: string): never => {
      throw new AppError('INVALID_INPUT', `source.params.deviceId: ${message}`, { details: [{ path: 'source.params.deviceId', message }] });
    };
    // Someone else's device reads as unregistered, as it does on GET.
    if (device === null || !(CHANGE_ALL.has(principal.role) || isOwner(principal, device))) {
      return refuse(`no registered device ${deviceId} of yours (register it with POST /external/devices first)`);
    }
    if (device.revokedAt !== null) return refuse(`device ${deviceId} was revoked at ${device.revokedAt.toISOString()}`);
    if (device.assetId !== assetId) return refuse(`device ${deviceId} observes asset ${device.assetId}, not the feed's asset ${assetId}`);
  }
}

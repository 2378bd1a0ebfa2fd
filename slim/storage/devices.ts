import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { devices } from '../../db/schema/slim.ts';

/** A device as the worker keeps it: the public `Device` plus its HMAC key, which never leaves the worker after registration. */
export interface DeviceRecord {
  id: string;
  ownerKeyId: string;
  name: string;
  assetId: string;
  secret: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export type NewDevice = Omit<DeviceRecord, 'createdAt' | 'revokedAt'> & { now: Date };

export class DeviceRepository {
  constructor(private readonly db: Database) {}

  /** Null when the id is taken (by anyone: device ids are global, a feed names one by id alone). */
  async insert(device: NewDevice): Promise<DeviceRecord | null> {
    const [row] = await this.db
      .insert(devices)
      .values({ id: device.id, ownerKeyId: device.ownerKeyId, name: device.name, assetId: device.assetId, secret: device.secret, createdAt: device.now })
      .onConflictDoNothing({ target: devices.id })
      .returning();
    return row ?? null;
  }

  async get(id: string): Promise<DeviceRecord | null> {
    const [row] = await this.db.select().from(devices).where(eq(devices.id, id)).limit(1);
    return row ?? null;
  }

  /** Oldest first, revoked ones included; `ownerKeyId` restricts to one owner's devices. */
  async list(filter: { ownerKeyId?: string; limit: number }): Promise<DeviceRecord[]> {
    return this.db
      .select()
      .from(devices)
      .where(filter.ownerKeyId === undefined ? undefined : eq(devices.ownerKeyId, filter.ownerKeyId))
      .orderBy(asc(devices.createdAt), asc(devices.id))
      .limit(filter.limit);
  }

  /** Sets `revokedAt` once; revoking again keeps the first instant. Null when no such device. */
  async revoke(id: string, now: Date): Promise<DeviceRecord | null> {
    const [revoked] = await this.db
      .update(devices)
      .set({ revokedAt: now })
      .where(and(eq(devices.id, id), isNull(devices.revokedAt)))
      .returning();
    return revoked ?? this.get(id);
  }
}

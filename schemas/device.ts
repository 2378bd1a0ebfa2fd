import { z } from 'zod';
import { Identifier, IsoTimestamp } from './common.ts';

/** `POST /external/devices`: a provider registers an IoT device; the worker issues its HMAC key. */
export const DeviceRegistration = z.object({
  id: Identifier,
  name: z.string().min(1).max(200),
  /** The asset the device observes: a push feed naming the device must be for the same asset. */
  assetId: Identifier,
});
export type DeviceRegistration = z.infer<typeof DeviceRegistration>;

/** A registered device as the API shows it: never its secret. A revoked device stays listed. */
export const Device = z.object({
  id: Identifier,
  ownerKeyId: z.string(),
  name: z.string(),
  assetId: Identifier,
  createdAt: IsoTimestamp,
  revokedAt: IsoTimestamp.nullable(),
});
export type Device = z.infer<typeof Device>;

/** The registration answer: the device's HMAC key (64 hex characters), shown once, here. */
export const DeviceCreated = Device.extend({ secret: z.string().regex(/^[0-9a-f]{64}$/) });
export type DeviceCreated = z.infer<typeof DeviceCreated>;

export const DeviceList = z.object({ devices: z.array(Device) });
export type DeviceList = z.infer<typeof DeviceList>;

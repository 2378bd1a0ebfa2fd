/** State keys, one builder per namespace so no caller spells a prefix by hand. */
export const eventKey = (eventId: string): string => `event:${eventId}`;
export const attestationKey = (feedId: string): string => `attestation:${feedId}`;
export const assetKey = (assetId: string): string => `asset:${assetId}`;

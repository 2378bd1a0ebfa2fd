/** State keys, one builder per namespace so no caller spells a prefix by hand. */
export const eventKey = (eventId: string): string => `event:${eventId}`;
export const attestationKey = (feedId: string): string => `attestation:${feedId}`;
export const assetKey = (assetId: string): string => `asset:${assetId}`;
/** A registered (tokenized) asset: issuer, supply counters, policy. */
export const tokenKey = (assetId: string): string => `token:${assetId}`;
/** An account (hex SHA-256 of its ML-DSA key): nonce, balances, retired units. */
export const accountKey = (accountId: string): string => `account:${accountId}`;
/** The certificate of one retirement, by the retiring transaction's hash. */
export const retirementKey = (txHash: string): string => `retirement:${txHash}`;

/** The typed HTTP client of the public API (zod-checked answers, ApiError with the server's code). */
export { OracleClient, type ClientOptions } from './client.ts';
export { ApiError, CLIENT_ERROR } from './errors.ts';
export { apiRoot, API_PREFIX } from './http.ts';
export { signReading, type DeviceKey } from './push-signing.ts';
export type { ChannelSummary, PushResult } from './responses.ts';
export type { TailOptions } from './tail.ts';

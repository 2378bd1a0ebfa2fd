/**
 * How consensus nodes reach each other: the PeerTransport interface, its HTTP implementation,
 * the binary frame its requests carry and the HMAC that authenticates them. The receiving
 * route is consensus/http/routes/peer.ts.
 */
export type { CoSignature, PeerMessage, PeerMessageHandler, PeerTransport } from './types.ts';
export { decodeFrame, encodeFrame } from './codec.ts';
export { PeerFrameError, isPeerFrameError, type PeerFrameErrorCode } from './errors.ts';
export { HTTP_PEER_TRANSPORT_LIMITS, HttpPeerTransport, type HttpPeerTransportLimits, type HttpPeerTransportOptions, type PeerLinkStats } from './http-transport.ts';
export { PEER_CLOCK_SKEW_MS_MAX, PEER_MESSAGES_PATH, signPeerRequest } from './auth.ts';

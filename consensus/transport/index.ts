/**
 * How consensus nodes reach each other: the PeerTransport interface, its HTTP implementation,
 * the binary frame its requests carry and the HMAC that authenticates them. The receiving
 * route is consensus/http/routes/peer.ts.
 *
 * Wiring a node (sketch):
 *   const transport = new HttpPeerTransport({ selfId, peers, clusterSecret, logger,
 *     onUnreachable: (id) => node.reportUnreachable(id) });
 *   // on the node's Hono app, before requireCluster / bodyLimit (like /livez):
 *   peerRoutes(app, { selfId, clusterSecret, isMember, onMessages: (from, msgs) => enqueue(msgs) });
 *   each Ready: transport.send(rd.messages) after persisting; on membership change setPeer/removePeer;
 *   on shutdown: await transport.close().
 */
export type { CoSignature, PeerMessage, PeerMessageHandler, PeerTransport } from './types.ts';
export { decodeFrame, encodeFrame } from './codec.ts';
export { PeerFrameError, isPeerFrameError, type PeerFrameErrorCode } from './errors.ts';
export { HTTP_PEER_TRANSPORT_LIMITS, HttpPeerTransport, type HttpPeerTransportLimits, type HttpPeerTransportOptions, type PeerLinkStats } from './http-transport.ts';
export { PEER_CLOCK_SKEW_MS_MAX, PEER_MESSAGES_PATH, signPeerRequest } from './auth.ts';

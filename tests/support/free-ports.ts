/** Distinct loopback ports free right now: Raft members must know each other's addresses before they start. */
export { freePorts } from '../../bin/topology/ports.ts';

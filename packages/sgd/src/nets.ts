/** The reference trainer's net for a spec: `FcnNet` or `CnnNet`. */
import type { ArchSpec } from '@fsbayes/core';
import { CnnNet } from './cnn-net.js';
import { FcnNet, type SgdNet } from './net.js';

/** A float64 net of `spec` whose forward calls take up to `capacity` points. */
export function createSgdNet(spec: ArchSpec, capacity: number): SgdNet {
  return spec.kind === 'cnn' ? new CnnNet(spec, capacity) : new FcnNet(spec, capacity);
}

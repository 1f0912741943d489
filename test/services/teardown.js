// Jest globalTeardown: stops the Redis that setup.js started (none when one was already running).
import { teardownStarted } from './setup.js';

export default async function teardown() {
  await teardownStarted();
}

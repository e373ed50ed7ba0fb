/**
 * Errors of the configuration (`daemon/config/`). They only happen at start-up: the daemon
 * refuses to start rather than run with a setting it does not understand.
 */
import { defineErrors } from './registry.ts';

export const ConfigErrors = defineErrors('CONFIG', {
  INVALID: {
    status: 500,
    message: 'invalid configuration: {problems}',
    doc: 'An environment variable (or the auth tokens file) has a value the daemon cannot use; the message names every bad variable and why. Fix them (see docs/configuration.md) and start again. Raised at start-up only; secrets are never echoed.',
  },
});

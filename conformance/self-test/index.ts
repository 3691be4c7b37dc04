/**
 * Self-test: negative controls and the wrapping helper they are built with.
 *
 * @packageDocumentation
 */
export {
  negativeControl,
  runNegativeControl,
  assertNegativeControl,
  formatNegativeControlResult,
  type NegativeControl,
  type NegativeControlResult,
} from './negative-control.js';
export { wrapFactory, type WrapOptions, type ConnectionOverrides, type ImplementationOverrides } from './wrap.js';

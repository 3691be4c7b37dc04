/**
 * orientdb-backup-conformance/conformance: the implementation-agnostic conformance suite.
 *
 * - The adapter an implementation provides (`adapter.ts`) and the scenario format (`scenario.ts`).
 * - `defineConformanceSuite({ test, factory })` to run the suite inside your own test runner.
 * - `runSuite` and the reporters, as `backup-conformance run` uses them.
 * - The stdio protocol: `stdioFactory` (runner side) and `serveImplementation` (implementation side).
 * - The requirement model and traceability checks, and negative controls for self-testing.
 *
 * @packageDocumentation
 */
export * from './adapter.js';
export { scenario, type Scenario, type ScenarioContext } from './scenario.js';
export { canonicalJson, canonicalDump, DUMP_FORMAT, type DumpContent } from './dump.js';
export { codeOf, expectCode, delay, settlesWithin } from './assertions.js';
export { throwingListener, listenerBehaviour, listenerFromBehaviour, LISTENER_BEHAVIOUR, type ListenerBehaviour, type ThrowingListenerOptions } from './listeners.js';
export { HarnessError, HARNESS_ERROR_CODES, IMPLEMENTATION_FAULT_CODES, isHarnessError, describeThrown, type HarnessErrorCode } from './errors.js';
export { validatorFor, describeSchemaError, describeValue, atPointer, type JsonSchema, type Validator } from './json-schema.js';
export { defineConformanceSuite, testNameOf, ScenarioFailure, type ConformanceSuiteOptions, type TestFunction, type TestContextLike } from './suite.js';
export { allScenarios } from './scenarios/index.js';
export * from './runner/index.js';
export * from './report/index.js';
export * from './protocol/index.js';
export * from './spec/index.js';
export * from './self-test/index.js';

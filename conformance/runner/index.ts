/**
 * The runner: scenarios against an implementation, results, roll-up, expectations, verdict.
 *
 * @packageDocumentation
 */
export * from './types.js';
export { runScenario, DEFAULT_TIMEOUT_MS, DEFAULT_RUNS, DEFAULT_DISPOSE_TIMEOUT_MS, type RunScenarioOptions } from './run-scenario.js';
export { runSuite, type RunSuiteOptions } from './run-suite.js';
export { rollUpRequirements, rollUpStatus, applyExpectations, NO_SCENARIO } from './roll-up.js';
export { verdictOf } from './verdict.js';
export { selectScenarios } from './select.js';
export { parseExpectations, loadExpectations, EXPECTATIONS_SCHEMA, type Expectation, type Expectations } from './expectations.js';
export { reportImplementationFault, implementationFault, linkImplementation } from './fault.js';
export { createScenarioContext, type ScenarioContextInit } from './context.js';

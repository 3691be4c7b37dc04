/**
 * The requirement model, its parser and the traceability checks.
 *
 * @packageDocumentation
 */
export * from './requirement.js';
export { parseRequirementFile, type ParsedRequirementFile, type RequirementFileOrigin } from './parse-requirements.js';
export { parseWithdrawnIds } from './withdrawn.js';
export { loadSpec, type LoadSpecOptions } from './load-spec.js';
export { findPackageRoot, defaultSpecDirectory, suiteVersion, PACKAGE_NAME } from './locate.js';
export * from './traceability.js';

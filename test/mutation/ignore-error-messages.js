/**
 * A Stryker ignorer (plugin `error-messages`, see stryker.config.json) that leaves the fixed
 * wording of error messages unmutated. The contract of this project is the error *code*: codes are
 * asserted, never messages (spec/README.md), except where a requirement asks a message to name a
 * file, an entry or an index, or to carry the callable's own error message. Text with nothing
 * interpolated can carry none of those, so a mutant that rewrites it is equivalent under the spec;
 * each would still cost the scenarios that reach its error path, so it is not generated
 * (conformance/MUTANTS.md, "Ignored"). A message with anything interpolated stays mutated, and a
 * mutant of it that survives is listed in MUTANTS.md like any other.
 *
 * Ignored: an expression of fixed text (a string, a template without `${}`, a choice or a `+` of
 * such texts) given as a message, which is
 * - the second argument of the project's `fail(code, message, ...)` and of the restore's
 *   `ioError(error, text, path)`;
 * - an argument of a function of the same file whose parameter at that position is called
 *   `message`, `text` or `why` (the local helpers that build a coded error around a message);
 * - the `message` property of an object literal (the `ChainProblem`s of the incremental code);
 * - the argument of `new Error(...)` and its subclasses.
 * Listener messages, console output and verify report lines are not error messages: they are
 * specified wording and stay mutated.
 *
 * Plain JavaScript because Stryker imports plugins with Node's own loader.
 */
import { PluginKind, declareValuePlugin } from '@stryker-mutator/api/plugin';

const MESSAGE_PARAMETERS = new Set(['message', 'text', 'why']);
const REASON = 'Fixed error message text: the spec asserts codes, and no requirement can ask fixed text to name a file, entry or index (conformance/MUTANTS.md)';

/**
 * The parameter list of the function a call's callee names, when it is declared in the same file
 * (a function declaration or a `const` bound to a function expression).
 */
function localParameters(call) {
  const callee = call.node.callee;
  if (callee.type !== 'Identifier') return undefined;
  const binding = call.scope.getBinding(callee.name);
  if (binding === undefined) return undefined;
  const node = binding.path.node;
  if (node.type === 'FunctionDeclaration') return node.params;
  if (node.type === 'VariableDeclarator' && node.init !== null && node.init !== undefined) {
    if (node.init.type === 'ArrowFunctionExpression' || node.init.type === 'FunctionExpression') return node.init.params;
  }
  return undefined;
}

/**
 * Functions of the project that take a message's fixed text at `index`, by the name they are
 * imported under and the module they come from.
 */
const IMPORTED_MESSAGE_ARGUMENTS = [
  { name: 'fail', module: /\/errors\.js$/, index: 1 },
  // `ioError(error, 'Checking', path)` words the message "Checking '<path>' failed: <cause>".
  { name: 'ioError', module: /\/staging\.js$/, index: 1 },
];

/** The index of the message text among the arguments of `call`, when it calls one of {@link IMPORTED_MESSAGE_ARGUMENTS}. */
function importedMessageIndex(call) {
  const callee = call.node.callee;
  if (callee.type !== 'Identifier') return undefined;
  const binding = call.scope.getBinding(callee.name);
  if (binding === undefined || binding.kind !== 'module') return undefined;
  const from = binding.path.parent.source.value;
  return IMPORTED_MESSAGE_ARGUMENTS.find(({ name, module }) => name === callee.name && module.test(from))?.index;
}

/** A string, a template literal without expressions, or a `?:` / `+` of such: text nothing is interpolated into. */
function isFixedText(node) {
  switch (node.type) {
    case 'StringLiteral':
      return true;
    case 'TemplateLiteral':
      return node.expressions.length === 0;
    case 'ConditionalExpression':
      return isFixedText(node.consequent) && isFixedText(node.alternate);
    case 'BinaryExpression':
      return node.operator === '+' && isFixedText(node.left) && isFixedText(node.right);
    default:
      return false;
  }
}

/** Whether `path` is an expression given as an error message (see the module's documentation). */
function isErrorMessage(path) {
  const parent = path.parentPath;
  if (parent === null || parent === undefined) return false;
  if (parent.node.type === 'ObjectProperty' && path.key === 'value' && !parent.node.computed) {
    const key = parent.node.key;
    return (key.type === 'Identifier' && key.name === 'message') || (key.type === 'StringLiteral' && key.value === 'message');
  }
  if (path.listKey !== 'arguments' || typeof path.key !== 'number') return false;
  if (parent.node.type === 'NewExpression') {
    const callee = parent.node.callee;
    return path.key === 0 && callee.type === 'Identifier' && /Error$/.test(callee.name);
  }
  if (parent.node.type !== 'CallExpression') return false;
  const imported = importedMessageIndex(parent);
  if (imported !== undefined) return path.key === imported;
  const parameter = localParameters(parent)?.[path.key];
  return parameter !== undefined && parameter.type === 'Identifier' && MESSAGE_PARAMETERS.has(parameter.name);
}

/** The plugins this module gives Stryker. */
export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'error-messages', {
    shouldIgnore(path) {
      return isFixedText(path.node) && isErrorMessage(path) ? REASON : undefined;
    },
  }),
];

/** Run-search filter grammar: parse MLflow-style filters and order_by terms, evaluate them in memory. */
export * from './ast.js';
export { FilterSyntaxError, tokenize, type Token, type TokenKind } from './lexer.js';
export { parseFilter, parseOrderBy } from './parser.js';
export { compareRunsForOrder, evaluateFilter, type EvalRun } from './evaluate.js';

/**
 * Every stack a test creates carries this label; `npm start`'s operator skips
 * labelled stacks (STACKWRIGHT_STACK_SELECTOR), so a running dev operator never
 * adopts a test's stacks.
 */
export const TEST_RUN_LABEL = 'stackwright.dev/test-run';

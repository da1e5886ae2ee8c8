export { findBreakingChanges } from './document-changes.js';
export { breakingKinds, type BreakingChange, type BreakingKind } from './breaking-change.js';

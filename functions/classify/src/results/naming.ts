// The naming rule is shared with reconcile (configure-notify), so it lives once in core.
export { failureKey, isResultKey, resultFolder, resultKey, versionTag } from '../vendor/core/index.js';

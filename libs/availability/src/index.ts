export { DependencyUnavailableError, markUnavailable, unavailableDependency, type Dependency } from './dependency-errors.js';
export { retryWithBackoff, retryDelayMs, backoffDelayMs, reasonOf, RetryAborted, type StartupBackoff } from './backoff.js';
export { withTimeout, checkDependency, type CheckState } from './timeouts.js';

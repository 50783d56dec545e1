export { DependencyUnavailableError, markUnavailable, unavailableDependency, type Dependency } from './dependency-errors.js';
export { retryWithBackoff, backoffDelayMs, reasonOf, RetryAborted, DEFAULT_STARTUP_BACKOFF, type StartupBackoff, type RetryOptions } from './backoff.js';

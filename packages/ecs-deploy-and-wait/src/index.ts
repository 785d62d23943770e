export { runDeploy, failureMessage, worstVerdict } from './deploy.js';
export { readOptions, serviceName } from './inputs.js';
export { buildSummary } from './summary.js';
export { preflight, type PreflightService } from './preflight.js';
export { pinDigest, type PinnedImage } from './digest.js';
export { parseImage, formatImage, ecrRepository, sameRepository, normalizeRepository, type ImageRef } from './image-ref.js';
export { registrationInput, replaceImage, planTaskDefinitions, registerTaskDefinitions, shortArn } from './task-definition.js';
export {
  appliedDeployment,
  outcomeUnknown,
  startDeployments,
  UPDATE_ATTEMPTS,
  type StartedDeployment,
  type UpdateTarget,
} from './update.js';
export { waitForDeployments, type WaitOutcome, type WaitSettings, type WaitTarget } from './waiter.js';
export { judge, progress, type TrackedDeployment, type Verdict } from './verdict.js';
export { EventLog } from './events.js';
export { StoppedTaskReporter, describeStoppedTask } from './stopped-tasks.js';
export { needsRollback, rollBack } from './rollback.js';
export { describeServices, DESCRIBE_BATCH } from './describe-services.js';
export type { DeployOptions, DeployDeps, DeployResult, DeployVerdict, ServiceResult, ServiceStatus } from './types.js';
export { ContainerLogReporter, crashed, type ContainerLogOptions, type TaskLogExcerpt } from './container-logs.js';
export { deploymentPlan, describePlan, type DeploymentPlan, type RollbackOwner } from './strategy.js';
